-- Notifications: where each event sits in the hierarchy, consumers and their unacked deliveries,
-- hooks with their delivery log and callback tokens, and named cursors into the event log.
-- `scope` is '|id|parent|…|project|' (the resource and every ancestor at the time of the event),
-- so a subtree filter is one LIKE and the permission check needs no graph walk.
ALTER TABLE events ADD COLUMN scope TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX events_created_at ON events (created_at);

CREATE TABLE consumers (
    id            TEXT COLLATE "C" PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    user_id       TEXT COLLATE "C" NOT NULL,
    within_id     TEXT COLLATE "C",
    types         JSONB NOT NULL DEFAULT '[]',
    ack_wait      DOUBLE PRECISION NOT NULL,
    delivered_seq BIGINT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX consumers_user ON consumers (user_id);

CREATE TABLE consumer_pending (
    consumer_id TEXT COLLATE "C" NOT NULL,
    seq         BIGINT NOT NULL,
    deadline    TIMESTAMPTZ NOT NULL,
    attempts    INTEGER NOT NULL,
    PRIMARY KEY (consumer_id, seq)
);
CREATE INDEX consumer_pending_deadline ON consumer_pending (consumer_id, deadline);

CREATE TABLE hooks (
    id            TEXT COLLATE "C" PRIMARY KEY,
    project_id    TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL,
    trigger_spec  JSONB NOT NULL,
    action_spec   JSONB NOT NULL,
    secret_sealed BYTEA,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    timeout       DOUBLE PRECISION NOT NULL,
    max_attempts  INTEGER NOT NULL,
    backoff       DOUBLE PRECISION NOT NULL,
    callback_ttl  INTEGER NOT NULL,
    created_by    TEXT COLLATE "C" NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX hooks_project ON hooks (project_id);

CREATE TABLE hook_deliveries (
    id              TEXT COLLATE "C" PRIMARY KEY,
    hook_id         TEXT COLLATE "C" NOT NULL,
    event_seq       BIGINT NOT NULL,
    event_type      TEXT COLLATE "C" NOT NULL,
    resource_id     TEXT COLLATE "C",
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (hook_id, event_seq)
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (status, next_attempt_at);
CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id, id);

CREATE TABLE hook_tokens (
    secret_hash TEXT COLLATE "C" PRIMARY KEY,
    delivery_id TEXT COLLATE "C" NOT NULL,
    hook_id     TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    user_id     TEXT COLLATE "C" NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX hook_tokens_expiry ON hook_tokens (expires_at);

CREATE TABLE event_cursors (
    name TEXT COLLATE "C" PRIMARY KEY,
    seq  BIGINT NOT NULL
);
