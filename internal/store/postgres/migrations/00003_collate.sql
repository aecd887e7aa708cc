-- Identifiers sort and compare bytewise: much cheaper than the locale's
-- collation for the paged admin lists (ORDER BY email can walk the unique
-- index), and the same order as SQLite. PostgreSQL only.

-- +goose Up
ALTER TABLE orgs ALTER COLUMN slug TYPE TEXT COLLATE "C";
ALTER TABLE rooms ALTER COLUMN slug TYPE TEXT COLLATE "C";
ALTER TABLE accounts ALTER COLUMN email TYPE TEXT COLLATE "C";

-- +goose Down
ALTER TABLE accounts ALTER COLUMN email TYPE TEXT COLLATE "default";
ALTER TABLE rooms ALTER COLUMN slug TYPE TEXT COLLATE "default";
ALTER TABLE orgs ALTER COLUMN slug TYPE TEXT COLLATE "default";
