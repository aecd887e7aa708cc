-- Webhook endpoints (platform-wide when org_id is NULL) and one delivery
-- row per endpoint and event; times in Unix milliseconds.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      BIGINT  REFERENCES orgs (id) ON DELETE CASCADE,
    url         TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at  BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);

CREATE TABLE webhook_deliveries (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id  BIGINT  NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_seq    BIGINT  NOT NULL REFERENCES usage_events (seq),
    status       TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT  NOT NULL,
    last_at      BIGINT,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    UNIQUE (endpoint_id, event_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (id, endpoint_id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
