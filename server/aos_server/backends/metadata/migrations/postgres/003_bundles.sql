-- Bundles: capability links that stream several resources as one .tar.gz or .zip.
CREATE TABLE bundles (
    id           TEXT COLLATE "C" PRIMARY KEY,
    secret_hash  TEXT COLLATE "C" NOT NULL UNIQUE,
    user_id      TEXT COLLATE "C",
    token_id     TEXT COLLATE "C",
    resource_ids JSONB NOT NULL,
    format       TEXT NOT NULL,
    once         BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
