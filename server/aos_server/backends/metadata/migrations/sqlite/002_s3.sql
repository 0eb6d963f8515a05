-- S3 data path: multipart uploads, their parts, and per-project bucket configuration (CORS).
CREATE TABLE uploads (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL,
    key          TEXT NOT NULL,
    user_id      TEXT,
    token_id     TEXT,
    content_type TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',
    checksum_algorithm TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX uploads_project_key ON uploads (project_id, key, id);

CREATE TABLE upload_parts (
    upload_id   TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    etag        TEXT NOT NULL,
    checksums   TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);

CREATE TABLE bucket_configs (
    project_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);
