-- Governance: content-addressed blob registry (deduplication), usage accounting, quotas, rules.
-- Blobs committed from now on, by content; a new revision with the same content may reuse one.
CREATE TABLE blobs (
    blob_key   TEXT PRIMARY KEY,
    sha256     TEXT NOT NULL,
    size       INTEGER NOT NULL,
    sealed     INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX blobs_content ON blobs (sha256, size, sealed);

-- Who each object is charged to (its project and its creator), with the bytes of all revisions.
CREATE TABLE object_usage (
    object_id  TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    live       INTEGER NOT NULL DEFAULT 1
);

-- Running totals of the live rows above, per project and per user (scope PROJECT or USER).
CREATE TABLE usage_totals (
    scope      TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    bytes      INTEGER NOT NULL DEFAULT 0,
    objects    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, subject_id)
);

CREATE TABLE quotas (
    scope       TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    max_bytes   INTEGER,
    max_objects INTEGER,
    set_by      TEXT,
    set_at      TEXT NOT NULL,
    PRIMARY KEY (scope, subject_id)
);

-- Write rules (CEL). project_id NULL: an endpoint-wide rule; resource_id: where it applies.
CREATE TABLE rules (
    id          TEXT PRIMARY KEY,
    project_id  TEXT,
    resource_id TEXT,
    name        TEXT NOT NULL,
    expression  TEXT NOT NULL,
    message     TEXT NOT NULL,
    created_by  TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX rules_project ON rules (project_id);
