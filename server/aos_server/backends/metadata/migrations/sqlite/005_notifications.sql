-- Notifications: where each event sits in the hierarchy, consumers and their unacked deliveries,
-- hooks with their delivery log and callback tokens, and named cursors into the event log.
-- `scope` is '|id|parent|…|project|' (the resource and every ancestor at the time of the event),
-- so a subtree filter is one LIKE and the permission check needs no graph walk.
ALTER TABLE events ADD COLUMN scope TEXT NOT NULL DEFAULT '';
CREATE INDEX events_created_at ON events (created_at);

CREATE TABLE consumers (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL,
    within_id     TEXT,
    types         TEXT NOT NULL DEFAULT '[]',
    ack_wait      REAL NOT NULL,
    delivered_seq INTEGER NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX consumers_user ON consumers (user_id);

CREATE TABLE consumer_pending (
    consumer_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    deadline    TEXT NOT NULL,
    attempts    INTEGER NOT NULL,
    PRIMARY KEY (consumer_id, seq)
);
CREATE INDEX consumer_pending_deadline ON consumer_pending (consumer_id, deadline);

CREATE TABLE hooks (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL,
    name          TEXT NOT NULL,
    trigger_spec  TEXT NOT NULL,
    action_spec   TEXT NOT NULL,
    secret_sealed BLOB,
    enabled       INTEGER NOT NULL DEFAULT 1,
    timeout       REAL NOT NULL,
    max_attempts  INTEGER NOT NULL,
    backoff       REAL NOT NULL,
    callback_ttl  INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX hooks_project ON hooks (project_id);

CREATE TABLE hook_deliveries (
    id              TEXT PRIMARY KEY,
    hook_id         TEXT NOT NULL,
    event_seq       INTEGER NOT NULL,
    event_type      TEXT NOT NULL,
    resource_id     TEXT,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (hook_id, event_seq)
);
CREATE INDEX hook_deliveries_due ON hook_deliveries (status, next_attempt_at);
CREATE INDEX hook_deliveries_hook ON hook_deliveries (hook_id, id);

CREATE TABLE hook_tokens (
    secret_hash TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    hook_id     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX hook_tokens_expiry ON hook_tokens (expires_at);

CREATE TABLE event_cursors (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);
