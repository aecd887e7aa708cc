-- Initial schema. Kept close to what PostgreSQL will need: integer ids,
-- text timestamps in UTC RFC 3339, booleans as 0/1, uniqueness in the DB.

-- +goose Up
CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    slug       TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at TEXT    NOT NULL
);

CREATE TABLE rooms (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    slug           TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL,
    capacity       INTEGER NOT NULL CHECK (capacity >= 1),
    pin            TEXT    NOT NULL DEFAULT '',
    guests_allowed INTEGER NOT NULL DEFAULT 0 CHECK (guests_allowed IN (0, 1)),
    created_at     TEXT    NOT NULL
);

CREATE INDEX rooms_org_id ON rooms (org_id);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL DEFAULT '',
    password_hash  TEXT    NOT NULL,
    platform_admin INTEGER NOT NULL DEFAULT 0 CHECK (platform_admin IN (0, 1)),
    created_at     TEXT    NOT NULL
);

-- +goose Down
DROP TABLE accounts;
DROP INDEX rooms_org_id;
DROP TABLE rooms;
DROP TABLE orgs;
