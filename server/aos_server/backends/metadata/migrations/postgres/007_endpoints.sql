-- Data endpoints (proxies), the endpoints each project is kept on, and per-endpoint replicas.
CREATE TABLE endpoints (
    id              TEXT COLLATE "C" PRIMARY KEY,
    name            TEXT COLLATE "C" NOT NULL UNIQUE,
    public_url      TEXT NOT NULL DEFAULT '',
    credential_hash TEXT COLLATE "C" NOT NULL,
    is_default      BOOLEAN NOT NULL DEFAULT FALSE,
    last_heartbeat  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE project_endpoints (
    project_id  TEXT COLLATE "C" NOT NULL,
    endpoint_id TEXT COLLATE "C" NOT NULL,
    mode        TEXT NOT NULL,
    prefixes    TEXT NOT NULL DEFAULT '[]',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (project_id, endpoint_id)
);
CREATE INDEX project_endpoints_endpoint ON project_endpoints (endpoint_id);

-- The durable replication queue: one row per (revision, endpoint); WAITING rows are the work.
CREATE TABLE replicas (
    version_id      TEXT COLLATE "C" NOT NULL,
    endpoint_id     TEXT COLLATE "C" NOT NULL,
    object_id       TEXT COLLATE "C" NOT NULL,
    blob_key        TEXT COLLATE "C" NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    next_attempt_at TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (version_id, endpoint_id)
);
CREATE INDEX replicas_queue ON replicas (endpoint_id, status, next_attempt_at);
CREATE INDEX replicas_blob ON replicas (blob_key, status);
CREATE INDEX replicas_object ON replicas (object_id);
