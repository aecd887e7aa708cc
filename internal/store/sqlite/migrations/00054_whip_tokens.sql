-- WHIP encoder tokens (docs/protocol.md, "WHIP ingest"): only the SHA-256
-- of the secret is kept; times in Unix seconds. A room's tokens go with it.

-- +goose Up
CREATE TABLE whip_tokens (
    id         INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    label      TEXT    NOT NULL,
    created_by TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX whip_tokens_room ON whip_tokens (room_id, id);

-- +goose Down
DROP TABLE whip_tokens;
