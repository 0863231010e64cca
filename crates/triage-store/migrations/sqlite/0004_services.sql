-- The service catalog and its integrations: where alerts come from. An integration's
-- key (a PagerDuty routing_key, or part of a webhook URL) is stored only as its SHA-256.
CREATE TABLE services (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    description    TEXT NOT NULL DEFAULT '',
    owner_group_id INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    runbook_url    TEXT,
    created_at     INTEGER NOT NULL
);

CREATE TABLE integrations (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('alertmanager', 'pagerduty', 'grafana', 'webhook')),
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE INDEX integrations_service ON integrations (service_id);
