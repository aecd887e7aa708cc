-- Usage records (issue 5): meetings and participant sessions, times in
-- Unix seconds. No foreign keys to orgs or rooms: the hours used must
-- outlive a deleted room or organisation (slugs are copied in).
-- heartbeat_at equals the end once a record is closed; while open it is
-- the last time the recording process vouched for it.

-- +goose Up
CREATE TABLE usage_meetings (
    id           TEXT    PRIMARY KEY,
    org_id       INTEGER  NOT NULL,
    org_slug     TEXT    NOT NULL,
    room         TEXT    NOT NULL,
    started_at   INTEGER  NOT NULL,
    ended_at     INTEGER,
    heartbeat_at INTEGER  NOT NULL,
    peak         INTEGER NOT NULL DEFAULT 0,
    instance     TEXT    NOT NULL,
    recovered    INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1))
);
CREATE INDEX usage_meetings_time ON usage_meetings (started_at, heartbeat_at);
CREATE INDEX usage_meetings_org ON usage_meetings (org_id, started_at);
CREATE INDEX usage_meetings_open ON usage_meetings (instance) WHERE ended_at IS NULL;

CREATE TABLE usage_sessions (
    id             TEXT    PRIMARY KEY,
    meeting_id     TEXT    NOT NULL REFERENCES usage_meetings (id),
    participant_id TEXT    NOT NULL,
    org_id         INTEGER  NOT NULL,
    org_slug       TEXT    NOT NULL,
    room           TEXT    NOT NULL,
    account_id     INTEGER  NOT NULL DEFAULT 0,
    device         TEXT    NOT NULL CHECK (device IN ('desktop', 'phone', 'tablet')),
    joined_at      INTEGER  NOT NULL,
    left_at        INTEGER,
    heartbeat_at   INTEGER  NOT NULL,
    instance       TEXT    NOT NULL,
    recovered      INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1))
);
CREATE INDEX usage_sessions_time ON usage_sessions (joined_at, heartbeat_at);
CREATE INDEX usage_sessions_org ON usage_sessions (org_id, joined_at);
CREATE INDEX usage_sessions_meeting ON usage_sessions (meeting_id);
CREATE INDEX usage_sessions_open ON usage_sessions (instance) WHERE left_at IS NULL;

-- The event log doubles as the webhook outbox: deliveries point at it.
CREATE TABLE usage_events (
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    kind       TEXT    NOT NULL,
    org_id     INTEGER  NOT NULL,
    meeting_id TEXT    NOT NULL,
    at         INTEGER  NOT NULL,
    payload    TEXT    NOT NULL
);
CREATE INDEX usage_events_meeting ON usage_events (meeting_id, seq);

-- +goose Down
DROP TABLE usage_events;
DROP TABLE usage_sessions;
DROP TABLE usage_meetings;
