-- The custom and conversation field columns the table shows, in order, per
-- workspace: a JSON array of {"kind": "custom"|"conversation", "id": N}. No row
-- means every field, contact fields first, in their defined positions.
CREATE TABLE workspace_columns (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    columns      TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL
);
