-- AOS-Py metadata schema, version 1. Timestamps are ISO 8601 UTC text (sortable); JSON is text.
CREATE TABLE resources (
    id                 TEXT PRIMARY KEY,
    kind               TEXT NOT NULL,
    name               TEXT NOT NULL,
    title              TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    key_values         TEXT NOT NULL DEFAULT '[]',
    authors            TEXT NOT NULL DEFAULT '[]',
    external_relations TEXT NOT NULL DEFAULT '[]',
    metadata_license   TEXT NOT NULL,
    data_license       TEXT NOT NULL,
    data_class         TEXT NOT NULL,
    status             TEXT NOT NULL,
    created_by         TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    deleted_at         TEXT,
    deletion_op        TEXT,
    revision           INTEGER,
    version_id         TEXT,
    size               INTEGER,
    content_type       TEXT,
    md5                TEXT,
    sha256             TEXT,
    checksums          TEXT
);
-- A live project name is globally unique (it is the S3 bucket name); deleted names are reusable.
CREATE UNIQUE INDEX resources_project_name ON resources (name)
    WHERE kind = 'PROJECT' AND deleted_at IS NULL;
CREATE INDEX resources_deletion_op ON resources (deletion_op) WHERE deletion_op IS NOT NULL;

CREATE TABLE relations (
    origin_id   TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    type        TEXT NOT NULL,
    custom_type TEXT NOT NULL DEFAULT '',
    child_name  TEXT,
    deletion_op TEXT,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (origin_id, target_id, type, custom_type)
);
-- Names are unique among one parent's live children.
CREATE UNIQUE INDEX relations_sibling_name ON relations (origin_id, child_name)
    WHERE type = 'BELONGS_TO';
CREATE INDEX relations_target ON relations (target_id, type);
CREATE INDEX relations_deletion_op ON relations (deletion_op) WHERE deletion_op IS NOT NULL;

CREATE TABLE object_versions (
    id           TEXT PRIMARY KEY,
    object_id    TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    md5          TEXT,
    sha256       TEXT,
    checksums    TEXT NOT NULL DEFAULT '{}',
    etag         TEXT NOT NULL,
    status       TEXT NOT NULL,
    metadata     TEXT NOT NULL DEFAULT '{}',
    blob_key     TEXT,
    created_by   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (object_id, revision)
);
CREATE INDEX object_versions_blob ON object_versions (blob_key);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    display_name       TEXT NOT NULL DEFAULT '',
    email              TEXT,
    is_admin           INTEGER NOT NULL DEFAULT 0,
    is_service_account INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1,
    project_id         TEXT,
    created_at         TEXT NOT NULL
);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    scope_id     TEXT,
    level        TEXT NOT NULL,
    expires_at   TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE UNIQUE INDEX tokens_secret ON tokens (secret_hash);

CREATE TABLE permissions (
    user_id     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    level       INTEGER NOT NULL,
    granted_by  TEXT,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, resource_id)
);
CREATE INDEX permissions_resource ON permissions (resource_id);

CREATE TABLE s3_credentials (
    access_key_id TEXT PRIMARY KEY,
    secret_sealed BLOB NOT NULL,
    user_id       TEXT NOT NULL,
    token_id      TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX s3_credentials_user ON s3_credentials (user_id);

CREATE TABLE licenses (
    tag  TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL,
    type        TEXT NOT NULL,
    resource_id TEXT,
    actor_id    TEXT,
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
