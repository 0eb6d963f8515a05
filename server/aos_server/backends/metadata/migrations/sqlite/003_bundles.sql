-- Bundles: capability links that stream several resources as one .tar.gz or .zip.
CREATE TABLE bundles (
    id           TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL UNIQUE,
    user_id      TEXT,
    token_id     TEXT,
    resource_ids TEXT NOT NULL,
    format       TEXT NOT NULL,
    once         INTEGER NOT NULL DEFAULT 0,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    created_at   TEXT NOT NULL
);
