-- Action items: what an incident's post-mortem says must change, each with a kind, an
-- owner and a due day (YYYY-MM-DD, UTC), tracked to Done and then verified (who, when,
-- how: "the new alert fired in the game day").
CREATE TABLE action_items (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title        TEXT    NOT NULL,
    kind         TEXT    NOT NULL
        CHECK (kind IN ('fix', 'monitoring', 'documentation', 'runbook', 'process')),
    owner_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_on       TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('Open', 'In Progress', 'Done')),
    ticket_url   TEXT,
    verified_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    verified_at  INTEGER,
    verification TEXT,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    done_at      INTEGER
);
CREATE INDEX action_items_incident ON action_items (incident_id, id);
CREATE INDEX action_items_open ON action_items (status, due_on);
