-- Organisations with contracts, accounts with roles and validity, room
-- settings and hosts, sessions, API tokens, one-time tokens.
-- Every editable row gets updated_at and a version for optimistic
-- concurrency. Nullable timestamps are NULL when unset.

-- +goose Up
ALTER TABLE orgs ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN contract_accounts INTEGER NOT NULL DEFAULT 0 CHECK (contract_accounts >= 0);
ALTER TABLE orgs ADD COLUMN contract_hours INTEGER NOT NULL DEFAULT 0 CHECK (contract_hours >= 0);
ALTER TABLE orgs ADD COLUMN contract_max_rooms INTEGER NOT NULL DEFAULT 0 CHECK (contract_max_rooms >= 0);
ALTER TABLE orgs ADD COLUMN refuse_over_budget INTEGER NOT NULL DEFAULT 0 CHECK (refuse_over_budget IN (0, 1));
ALTER TABLE orgs ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE orgs ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
UPDATE orgs SET updated_at = created_at;
CREATE INDEX orgs_name ON orgs (lower(name));

-- accounts is rebuilt: platform_admin becomes a role, org becomes optional.
CREATE TABLE accounts_new (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name    TEXT    NOT NULL DEFAULT '',
    password_hash   TEXT    NOT NULL DEFAULT '',
    sso_issuer      TEXT,
    sso_subject     TEXT,
    kind            TEXT    NOT NULL DEFAULT 'contracted' CHECK (kind IN ('contracted', 'personal')),
    org_id          INTEGER REFERENCES orgs (id) ON DELETE RESTRICT,
    role            TEXT    NOT NULL DEFAULT 'member'
                            CHECK (role IN ('platform-admin', 'org-admin', 'host', 'member')),
    status          TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    email_confirmed INTEGER NOT NULL DEFAULT 0 CHECK (email_confirmed IN (0, 1)),
    valid_from      TEXT,
    valid_until     TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1,
    UNIQUE (sso_issuer, sso_subject)
);
INSERT INTO accounts_new (id, email, display_name, password_hash, role, email_confirmed, created_at, updated_at)
    SELECT id, lower(email), display_name, password_hash,
           CASE WHEN platform_admin = 1 THEN 'platform-admin' ELSE 'member' END, 1, created_at, created_at
    FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_org ON accounts (org_id, email);
CREATE INDEX accounts_kind ON accounts (kind);
CREATE INDEX accounts_role ON accounts (role);

ALTER TABLE rooms ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN lobby INTEGER NOT NULL DEFAULT 0 CHECK (lobby IN (0, 1));
ALTER TABLE rooms ADD COLUMN who_may_share TEXT NOT NULL DEFAULT 'everyone'
    CHECK (who_may_share IN ('everyone', 'moderators'));
ALTER TABLE rooms ADD COLUMN personal_of INTEGER REFERENCES accounts (id) ON DELETE CASCADE;
ALTER TABLE rooms ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
UPDATE rooms SET updated_at = created_at;
-- One personal room per account.
CREATE UNIQUE INDEX rooms_personal_of ON rooms (personal_of) WHERE personal_of IS NOT NULL;

CREATE TABLE room_hosts (
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('host', 'moderator')),
    PRIMARY KEY (room_id, account_id)
);
CREATE INDEX room_hosts_account ON room_hosts (account_id);

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    last_seen  TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    user_agent TEXT    NOT NULL DEFAULT '',
    ip         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,
    scopes     TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    last_used  TEXT,
    expires_at TEXT,
    revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);

CREATE TABLE one_time_tokens (
    id         INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('confirm-email', 'password-reset')),
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    used_at    TEXT
);
CREATE INDEX one_time_tokens_account ON one_time_tokens (account_id);

-- +goose Down
DROP TABLE one_time_tokens;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE room_hosts;
DROP INDEX rooms_personal_of;
ALTER TABLE rooms DROP COLUMN version;
ALTER TABLE rooms DROP COLUMN updated_at;
ALTER TABLE rooms DROP COLUMN personal_of;
ALTER TABLE rooms DROP COLUMN who_may_share;
ALTER TABLE rooms DROP COLUMN lobby;
ALTER TABLE rooms DROP COLUMN description;
CREATE TABLE accounts_old (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL DEFAULT '',
    password_hash  TEXT    NOT NULL,
    platform_admin INTEGER NOT NULL DEFAULT 0 CHECK (platform_admin IN (0, 1)),
    created_at     TEXT    NOT NULL
);
INSERT INTO accounts_old SELECT id, email, display_name, password_hash,
    CASE WHEN role = 'platform-admin' THEN 1 ELSE 0 END, created_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_old RENAME TO accounts;
DROP INDEX orgs_name;
ALTER TABLE orgs DROP COLUMN version;
ALTER TABLE orgs DROP COLUMN updated_at;
ALTER TABLE orgs DROP COLUMN refuse_over_budget;
ALTER TABLE orgs DROP COLUMN contract_max_rooms;
ALTER TABLE orgs DROP COLUMN contract_hours;
ALTER TABLE orgs DROP COLUMN contract_accounts;
ALTER TABLE orgs DROP COLUMN contact_phone;
ALTER TABLE orgs DROP COLUMN contact_email;
ALTER TABLE orgs DROP COLUMN contact_name;
