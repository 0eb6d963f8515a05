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

-- Backfill: objects written before usage was kept, charged to their project (reached through
-- live or deleted parent edges) and their creator.
INSERT INTO object_usage (object_id, project_id, user_id, bytes, live)
WITH RECURSIVE up(obj, id) AS (
    SELECT rel.target_id, rel.origin_id FROM relations rel
    JOIN resources o ON o.id = rel.target_id
    WHERE o.kind = 'OBJECT' AND o.revision > 0 AND rel.type IN ('BELONGS_TO', 'DELETED')
    UNION
    SELECT up.obj, rel.origin_id FROM up
    JOIN relations rel ON rel.target_id = up.id AND rel.type IN ('BELONGS_TO', 'DELETED')
)
SELECT o.id, MIN(p.id), COALESCE(o.created_by, ''),
       (SELECT COALESCE(SUM(v.size), 0) FROM object_versions v WHERE v.object_id = o.id),
       CASE WHEN o.deleted_at IS NULL THEN 1 ELSE 0 END
FROM up
JOIN resources o ON o.id = up.obj
JOIN resources p ON p.id = up.id AND p.kind = 'PROJECT'
GROUP BY o.id, o.created_by, o.deleted_at;

INSERT INTO usage_totals (scope, subject_id, bytes, objects)
SELECT 'PROJECT', project_id, SUM(bytes), COUNT(*) FROM object_usage WHERE live = 1
GROUP BY project_id;

INSERT INTO usage_totals (scope, subject_id, bytes, objects)
SELECT 'USER', user_id, SUM(bytes), COUNT(*) FROM object_usage WHERE live = 1
GROUP BY user_id;
