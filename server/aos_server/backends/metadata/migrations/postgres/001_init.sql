-- AOS-Py metadata schema, version 1 (PostgreSQL). Mirrors migrations/sqlite/001_init.sql with
-- native types: TIMESTAMPTZ, JSONB, BOOLEAN, BIGINT, BYTEA. Identifier and name columns use the
-- "C" collation so that ordering and prefix ranges are byte order, as in SQLite, whatever the
-- database's default collation is.
CREATE TABLE resources (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    kind               TEXT NOT NULL,
    name               TEXT COLLATE "C" NOT NULL,
    title              TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    key_values         JSONB NOT NULL DEFAULT '[]',
    authors            JSONB NOT NULL DEFAULT '[]',
    external_relations JSONB NOT NULL DEFAULT '[]',
    metadata_license   TEXT NOT NULL,
    data_license       TEXT NOT NULL,
    data_class         TEXT NOT NULL,
    status             TEXT NOT NULL,
    created_by         TEXT COLLATE "C",
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    deleted_at         TIMESTAMPTZ,
    deletion_op        TEXT COLLATE "C",
    revision           INTEGER,
    version_id         TEXT COLLATE "C",
    size               BIGINT,
    content_type       TEXT,
    md5                TEXT,
    sha256             TEXT,
    checksums          JSONB
);
-- A live project name is globally unique (it is the S3 bucket name); deleted names are reusable.
CREATE UNIQUE INDEX resources_project_name ON resources (name)
    WHERE kind = 'PROJECT' AND deleted_at IS NULL;
CREATE INDEX resources_deletion_op ON resources (deletion_op) WHERE deletion_op IS NOT NULL;

CREATE TABLE relations (
    origin_id   TEXT COLLATE "C" NOT NULL,
    target_id   TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL,
    custom_type TEXT COLLATE "C" NOT NULL DEFAULT '',
    child_name  TEXT COLLATE "C",
    deletion_op TEXT COLLATE "C",
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (origin_id, target_id, type, custom_type)
);
-- Names are unique among one parent's live children.
CREATE UNIQUE INDEX relations_sibling_name ON relations (origin_id, child_name)
    WHERE type = 'BELONGS_TO';
CREATE INDEX relations_target ON relations (target_id, type);
CREATE INDEX relations_deletion_op ON relations (deletion_op) WHERE deletion_op IS NOT NULL;

CREATE TABLE object_versions (
    id           TEXT COLLATE "C" PRIMARY KEY,
    object_id    TEXT COLLATE "C" NOT NULL,
    revision     INTEGER NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    md5          TEXT,
    sha256       TEXT,
    checksums    JSONB NOT NULL DEFAULT '{}',
    etag         TEXT NOT NULL,
    status       TEXT NOT NULL,
    metadata     JSONB NOT NULL DEFAULT '{}',
    blob_key     TEXT COLLATE "C",
    created_by   TEXT COLLATE "C",
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (object_id, revision)
);
CREATE INDEX object_versions_blob ON object_versions (blob_key);

CREATE TABLE users (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    name               TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name       TEXT NOT NULL DEFAULT '',
    email              TEXT,
    is_admin           BOOLEAN NOT NULL DEFAULT FALSE,
    is_service_account BOOLEAN NOT NULL DEFAULT FALSE,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    project_id         TEXT COLLATE "C",
    created_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    id           TEXT COLLATE "C" PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL,
    name         TEXT NOT NULL,
    secret_hash  TEXT COLLATE "C" NOT NULL,
    scope_id     TEXT COLLATE "C",
    level        TEXT NOT NULL,
    expires_at   TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX tokens_user ON tokens (user_id);
CREATE UNIQUE INDEX tokens_secret ON tokens (secret_hash);

CREATE TABLE permissions (
    user_id     TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    level       INTEGER NOT NULL,
    granted_by  TEXT COLLATE "C",
    granted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, resource_id)
);
CREATE INDEX permissions_resource ON permissions (resource_id);

CREATE TABLE s3_credentials (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    secret_sealed BYTEA NOT NULL,
    user_id       TEXT COLLATE "C" NOT NULL,
    token_id      TEXT COLLATE "C",
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX s3_credentials_user ON s3_credentials (user_id);

CREATE TABLE licenses (
    tag  TEXT COLLATE "C" PRIMARY KEY,
    name TEXT NOT NULL,
    url  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C",
    actor_id    TEXT COLLATE "C",
    payload     JSONB NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
