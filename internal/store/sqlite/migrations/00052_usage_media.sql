-- Media seconds per participant session (docs/usage.md, "Media
-- seconds"): written at the leave and stamped with each heartbeat, so a
-- recovered session keeps them up to its last heartbeat.

-- +goose Up
ALTER TABLE usage_sessions ADD COLUMN media_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_sessions ADD COLUMN media_received INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE usage_sessions DROP COLUMN media_received;
ALTER TABLE usage_sessions DROP COLUMN media_sent;
