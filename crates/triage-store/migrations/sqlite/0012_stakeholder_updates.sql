-- Stakeholder updates: who hears about an incident (people, groups, e-mail addresses,
-- Slack, Teams and webhook channels), what the commander told them, and the update
-- cadence: while an incident is in an In Progress status, when its next update is due
-- (the severity's interval after the last update, or sooner when an update promised
-- so), since when it is overdue, and how often the cadence was kept or missed.
-- Incidents already being worked start their cadence at their next update or change of
-- status.
CREATE TABLE incident_stakeholders (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL
        CHECK (kind IN ('user', 'group', 'email', 'webhook', 'slack', 'teams')),
    target      TEXT    NOT NULL,
    added_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (incident_id, kind, target)
);

CREATE TABLE stakeholder_updates (
    id               INTEGER PRIMARY KEY,
    incident_id      INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    -- The incident's status when the update was posted.
    status           TEXT    NOT NULL,
    message          TEXT    NOT NULL,
    impact           TEXT,
    -- Whom it went to, a stakeholder a line: "group sre", "slack hooks.slack.com".
    recipients       TEXT    NOT NULL,
    next_update_at   INTEGER,
    public_update_id INTEGER REFERENCES public_updates (id) ON DELETE SET NULL,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX stakeholder_updates_incident ON stakeholder_updates (incident_id, id);

ALTER TABLE incidents ADD COLUMN cadence_since INTEGER;
ALTER TABLE incidents ADD COLUMN update_due_at INTEGER;
ALTER TABLE incidents ADD COLUMN update_overdue_at INTEGER;
ALTER TABLE incidents ADD COLUMN updates_kept INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN updates_missed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_update_due ON incidents (update_due_at) WHERE update_due_at IS NOT NULL;
