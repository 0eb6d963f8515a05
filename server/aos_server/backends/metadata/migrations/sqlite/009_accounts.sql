-- Accounts: personal notifications (an inbox that persists until read), access requests,
-- announcements, workspace templates and workspaces, and sign-in through OIDC providers.
CREATE TABLE inbox (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    resource_id TEXT,
    ref_id      TEXT,
    created_at  TEXT NOT NULL,
    read_at     TEXT
);
CREATE INDEX inbox_user ON inbox (user_id, id);

CREATE TABLE access_requests (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    level       TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX access_requests_resource ON access_requests (resource_id, status);
CREATE INDEX access_requests_user ON access_requests (user_id);

CREATE TABLE announcements (
    id         TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    severity   TEXT NOT NULL,
    expires_at TEXT,
    created_by TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE workspace_templates (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,
    created_by  TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE workspaces (
    project_id  TEXT PRIMARY KEY,
    template_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    anonymous   INTEGER NOT NULL,
    expires_at  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX workspaces_expiry ON workspaces (expires_at);

CREATE TABLE oidc_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE TABLE oidc_flows (
    id         TEXT PRIMARY KEY,
    provider   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sealed     BLOB NOT NULL,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);
