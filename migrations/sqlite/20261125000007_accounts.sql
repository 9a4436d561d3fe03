-- Accounts: people who sign in, the workspaces they belong to with a role, their
-- sessions (in the database so several app instances share them) and failed
-- sign-ins (for rate limiting, shared the same way).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL,
    -- Lower-cased email: sign-in ignores case, and one address is one account.
    email_fold    TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    -- PHC string (argon2id, with its salt and parameters).
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    -- Where the next sign-in starts.
    last_workspace_id BIGINT REFERENCES workspaces(id) ON DELETE SET NULL
);

CREATE TABLE memberships (
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    role         TEXT   NOT NULL CHECK (role IN ('admin', 'agent')),
    PRIMARY KEY (user_id, workspace_id)
);
CREATE INDEX memberships_workspace ON memberships (workspace_id);

-- The cookie holds a random token; only its SHA-256 is stored, so a copy of the
-- database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash   TEXT   PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The workspace in use: requests never name it themselves.
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE sign_in_failures (
    -- "account:<email>" or "address:<ip>".
    key TEXT   NOT NULL,
    at  BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (key, at);
