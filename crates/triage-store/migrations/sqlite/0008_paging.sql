-- Paging: how each person is reached, each incident's escalation, and the durable
-- outbox of notifications (retried with backoff; one row per page per contact method,
-- its idempotency key unique so nothing is queued twice).
CREATE TABLE contact_methods (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'teams', 'email')),
    address       TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    -- Signs webhook bodies (HMAC-SHA256); none for other kinds.
    secret        TEXT,
    -- How long after a page this method is used, if the incident is still not
    -- acknowledged (0: at once).
    delay_seconds INTEGER NOT NULL DEFAULT 0 CHECK (delay_seconds >= 0),
    created_at    INTEGER NOT NULL
);
CREATE INDEX contact_methods_user ON contact_methods (user_id);

CREATE TABLE escalations (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    policy_id   INTEGER REFERENCES escalation_policies (id) ON DELETE SET NULL,
    -- active, acknowledged, resolved, exhausted, stopped
    state       TEXT NOT NULL DEFAULT 'active',
    next_step   INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    -- Times the policy started over after a lapsed acknowledgement.
    round       INTEGER NOT NULL DEFAULT 0,
    -- When an acknowledgement lapses unless there is progress (the policy's timeout).
    ack_deadline INTEGER
);
CREATE INDEX escalations_due ON escalations (state, next_at);

CREATE TABLE outbox (
    id                INTEGER PRIMARY KEY,
    incident_id       INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    user_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    contact_method_id INTEGER REFERENCES contact_methods (id) ON DELETE SET NULL,
    kind              TEXT NOT NULL,
    address           TEXT NOT NULL,
    secret            TEXT,
    payload           TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL UNIQUE,
    -- Notifications due after the incident was acknowledged are dropped.
    needs_unacknowledged INTEGER NOT NULL DEFAULT 0,
    due_at            INTEGER NOT NULL,
    -- A worker holds an entry until then; after, another may take it (it crashed).
    claimed_until     INTEGER,
    attempts          INTEGER NOT NULL DEFAULT 0,
    delivered_at      INTEGER,
    dropped_at        INTEGER,
    last_error        TEXT,
    created_at        INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox (delivered_at, dropped_at, due_at);

-- The response-time SLA: when an acknowledgement is due (detection plus the priority's
-- response time; re-evaluated when either changes) and when the deadline was missed.
ALTER TABLE incidents ADD COLUMN response_due_at INTEGER;
ALTER TABLE incidents ADD COLUMN response_breached_at INTEGER;
UPDATE incidents SET response_due_at = detected_at + CASE priority
    WHEN 1 THEN 900000000 WHEN 2 THEN 3600000000 WHEN 3 THEN 14400000000
    WHEN 4 THEN 86400000000 END;
CREATE INDEX incidents_response_due ON incidents (response_due_at)
    WHERE acknowledged_at IS NULL AND response_breached_at IS NULL;
