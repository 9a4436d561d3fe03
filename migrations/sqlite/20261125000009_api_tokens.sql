-- API tokens: each belongs to one workspace. Only the SHA-256 of a token is
-- kept, so a copy of the database cannot call the API; the first characters
-- stay readable so people can tell their tokens apart.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    token_hash   TEXT   NOT NULL UNIQUE,
    prefix       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_workspace ON api_tokens (workspace_id, id);

