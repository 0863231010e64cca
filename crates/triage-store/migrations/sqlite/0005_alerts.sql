-- Alerts from monitoring and what each service does with them. An alert row is one
-- occurrence: from firing to resolved. Its identity is (integration, dedup key) while
-- it fires; a key that fires again after resolving is a new occurrence (a new row).

ALTER TABLE services ADD COLUMN alert_mapping TEXT NOT NULL DEFAULT '';
ALTER TABLE services ADD COLUMN on_resolved TEXT NOT NULL DEFAULT 'leave'
    CHECK (on_resolved IN ('leave', 'monitoring', 'resolve'));
ALTER TABLE services ADD COLUMN flap_window INTEGER NOT NULL DEFAULT 1800;
ALTER TABLE services ADD COLUMN group_by TEXT NOT NULL DEFAULT '';

-- When someone (or a sender such as PagerDuty's acknowledge) first acknowledged it.
ALTER TABLE incidents ADD COLUMN acknowledged_at INTEGER;

-- Silences and maintenance windows: matching alerts are recorded, open no incident.
-- No service: every service. Matchers: a JSON array of Alertmanager-style matchers
-- (`name=~"regex"`), all of which must hold; none on a service: a maintenance window.
CREATE TABLE silences (
    id         INTEGER PRIMARY KEY,
    service_id INTEGER REFERENCES services (id) ON DELETE CASCADE,
    matchers   TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    comment    TEXT    NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at INTEGER NOT NULL,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX silences_ends ON silences (ends_at);

CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    service_id     INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    -- The incident it fired into; NULL while silenced.
    incident_id    INTEGER REFERENCES incidents (id),
    dedup_key      TEXT    NOT NULL,
    group_key      TEXT    NOT NULL,
    status         TEXT    NOT NULL CHECK (status IN ('firing', 'resolved')),
    severity       TEXT    CHECK (severity IN ('critical', 'error', 'warning', 'info')),
    summary        TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    labels         TEXT    NOT NULL,
    details        TEXT    NOT NULL,
    links          TEXT    NOT NULL,
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER,
    received_at    INTEGER NOT NULL,
    -- When a sender last said it fires; refreshed at most once a minute.
    last_seen_at   INTEGER NOT NULL,
    -- The silence it fired under; such an alert has no incident.
    silence_id     INTEGER REFERENCES silences (id) ON DELETE SET NULL,
    raw            TEXT    NOT NULL
);
-- One index finds an alert by its key, firing or not. At most one occurrence of a key
-- fires at a time: deliveries for a service are taken in one at a time (the one writer
-- on SQLite, a lock on the service row on PostgreSQL) and each checks before it inserts.
CREATE INDEX alerts_key ON alerts (integration_id, dedup_key, id);
CREATE INDEX alerts_incident ON alerts (incident_id, status);

-- Each alert group's incident on a service: where its next new alert goes (or, once
-- the incident is Done, what flapping reopens).
CREATE TABLE alert_groups (
    service_id  INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    group_key   TEXT    NOT NULL,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    PRIMARY KEY (service_id, group_key)
);

-- Change events (deploys, config pushes): context for the service's incidents.
CREATE TABLE service_changes (
    id             INTEGER PRIMARY KEY,
    service_id     INTEGER NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    integration_id INTEGER NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
    summary        TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    at             INTEGER NOT NULL,
    details        TEXT    NOT NULL,
    links          TEXT    NOT NULL,
    received_at    INTEGER NOT NULL
);
CREATE INDEX service_changes_service ON service_changes (service_id, at);
