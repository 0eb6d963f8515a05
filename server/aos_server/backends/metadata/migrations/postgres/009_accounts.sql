-- Accounts: personal notifications (an inbox that persists until read), access requests,
-- announcements, workspace templates and workspaces, and sign-in through OIDC providers.
CREATE TABLE inbox (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    resource_id TEXT,
    ref_id      TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    read_at     TIMESTAMPTZ
);
CREATE INDEX inbox_user ON inbox (user_id, id);

CREATE TABLE access_requests (
    id          TEXT COLLATE "C" PRIMARY KEY,
    user_id     TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    level       TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TIMESTAMPTZ,
    reason      TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX access_requests_resource ON access_requests (resource_id, status);
CREATE INDEX access_requests_user ON access_requests (user_id);

CREATE TABLE announcements (
    id         TEXT COLLATE "C" PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    severity   TEXT NOT NULL,
    expires_at TIMESTAMPTZ,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE workspace_templates (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    spec        TEXT NOT NULL,
    created_by  TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE workspaces (
    project_id  TEXT COLLATE "C" PRIMARY KEY,
    template_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    anonymous   INTEGER NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX workspaces_expiry ON workspaces (expires_at);

CREATE TABLE oidc_identities (
    provider   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE TABLE oidc_flows (
    id         TEXT COLLATE "C" PRIMARY KEY,
    provider   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_flows_expiry ON oidc_flows (expires_at);
