-- S3 data path: multipart uploads, their parts, and per-project bucket configuration (CORS).
CREATE TABLE uploads (
    id           TEXT COLLATE "C" PRIMARY KEY,
    project_id   TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    user_id      TEXT COLLATE "C",
    token_id     TEXT COLLATE "C",
    content_type TEXT NOT NULL,
    metadata     JSONB NOT NULL DEFAULT '{}',
    checksum_algorithm TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX uploads_project_key ON uploads (project_id, key, id);

CREATE TABLE upload_parts (
    upload_id   TEXT COLLATE "C" NOT NULL,
    part_number INTEGER NOT NULL,
    size        BIGINT NOT NULL,
    etag        TEXT NOT NULL,
    checksums   JSONB NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (upload_id, part_number)
);

CREATE TABLE bucket_configs (
    project_id TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);
