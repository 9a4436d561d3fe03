-- Timestamps are Unix epoch milliseconds (UTC) in BIGINT columns, the same on
-- SQLite and PostgreSQL, so keyset cursors and comparisons are plain integers.

CREATE TABLE workspaces (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    -- Kept by triggers so the unfiltered total never needs COUNT(*) over a million rows.
    contact_count BIGINT  NOT NULL DEFAULT 0,
    -- Bumped by triggers on every contact, conversation or message change: the cheap
    -- "has anything changed" check for Live mode.
    change_seq    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE contacts (
    id                  INTEGER PRIMARY KEY,
    workspace_id        BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name                TEXT    NOT NULL,
    email               TEXT,
    phone               TEXT,
    avatar_url          TEXT,
    avatar_color        TEXT    NOT NULL,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL,
    last_interaction_at BIGINT,
    campaign_opt_in     BOOLEAN NOT NULL DEFAULT 0,
    version             BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX contacts_ws_last_interaction ON contacts (workspace_id, last_interaction_at DESC, id DESC);
CREATE INDEX contacts_ws_created ON contacts (workspace_id, created_at DESC, id DESC);
CREATE INDEX contacts_ws_name ON contacts (workspace_id, name, id);

CREATE TABLE contact_field_defs (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    field_type   TEXT    NOT NULL CHECK (field_type IN
                   ('text', 'url', 'phone', 'email', 'number', 'select', 'multi_select', 'date')),
    -- JSON array of option strings for select and multi_select fields.
    options      TEXT    NOT NULL DEFAULT '[]',
    position     INTEGER NOT NULL,
    UNIQUE (workspace_id, key)
);

-- One row per contact and field. `value` holds the canonical text (a JSON array for
-- multi_select, YYYY-MM-DD for dates); `number_value` mirrors numbers for range filters.
CREATE TABLE contact_field_values (
    contact_id   BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    field_id     BIGINT NOT NULL REFERENCES contact_field_defs(id) ON DELETE CASCADE,
    value        TEXT   NOT NULL,
    number_value DOUBLE PRECISION,
    PRIMARY KEY (contact_id, field_id)
);

CREATE TABLE labels (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    color        TEXT   NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    workspace_id    BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    contact_id      BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    status          TEXT   NOT NULL CHECK (status IN ('open', 'pending', 'snoozed', 'resolved')),
    created_at      BIGINT NOT NULL,
    last_message_at BIGINT
);
CREATE INDEX conversations_contact ON conversations (contact_id, last_message_at DESC);

CREATE TABLE conversation_labels (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label_id        BIGINT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    PRIMARY KEY (conversation_id, label_id)
);
CREATE INDEX conversation_labels_label ON conversation_labels (label_id, conversation_id);

CREATE TABLE conversation_field_defs (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT  NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    label        TEXT    NOT NULL,
    field_type   TEXT    NOT NULL CHECK (field_type IN
                   ('text', 'url', 'phone', 'email', 'number', 'select', 'multi_select', 'date')),
    options      TEXT    NOT NULL DEFAULT '[]',
    position     INTEGER NOT NULL,
    UNIQUE (workspace_id, key)
);

CREATE TABLE conversation_field_values (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    field_id        BIGINT NOT NULL REFERENCES conversation_field_defs(id) ON DELETE CASCADE,
    value           TEXT   NOT NULL,
    number_value    DOUBLE PRECISION,
    PRIMARY KEY (conversation_id, field_id)
);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    direction       TEXT   NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
    body            TEXT   NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at DESC);

CREATE TABLE segments (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    -- The filter tree as JSON, decoded and validated by the application.
    definition   TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (workspace_id, name)
);

CREATE TRIGGER contacts_after_insert AFTER INSERT ON contacts BEGIN
    UPDATE workspaces SET contact_count = contact_count + 1, change_seq = change_seq + 1
    WHERE id = NEW.workspace_id;
END;
CREATE TRIGGER contacts_after_delete AFTER DELETE ON contacts BEGIN
    UPDATE workspaces SET contact_count = contact_count - 1, change_seq = change_seq + 1
    WHERE id = OLD.workspace_id;
END;
CREATE TRIGGER contacts_after_update AFTER UPDATE ON contacts BEGIN
    UPDATE workspaces SET change_seq = change_seq + 1 WHERE id = NEW.workspace_id;
END;
