-- Triage schema, SQLite. Timestamps are INTEGER microseconds since the Unix epoch (UTC),
-- lists and event payloads are rows or JSON TEXT, so the same queries run on PostgreSQL.

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    email        TEXT    NOT NULL UNIQUE,
    display_name TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('viewer', 'responder', 'admin')),
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL
);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- One row per key prefix: the last number handed out. Incremented inside the creating
-- transaction, so keys are never duplicated or skipped.
CREATE TABLE key_counters (
    prefix TEXT    PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    key              TEXT    NOT NULL UNIQUE,
    number           INTEGER NOT NULL,
    summary          TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    status_category  TEXT    NOT NULL CHECK (status_category IN ('To Do', 'In Progress', 'Done')),
    priority         INTEGER CHECK (priority BETWEEN 1 AND 4),
    severity         INTEGER CHECK (severity BETWEEN 1 AND 4),
    assignee_id      INTEGER REFERENCES users (id),
    reporter_id      INTEGER REFERENCES users (id),
    detection_source TEXT    NOT NULL CHECK (detection_source IN ('monitoring', 'user_report')),
    detected_at      INTEGER NOT NULL,
    resolution       TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    version          INTEGER NOT NULL
);
CREATE INDEX incidents_created ON incidents (created_at, id);
CREATE INDEX incidents_updated ON incidents (updated_at, id);
CREATE INDEX incidents_number ON incidents (number, id);
CREATE INDEX incidents_category ON incidents (status_category, created_at);
CREATE INDEX incidents_status ON incidents (status, created_at);
CREATE INDEX incidents_priority ON incidents (priority, created_at);
-- What `sort=priority` orders by (no priority sorts last), so pages walk an index.
CREATE INDEX incidents_priority_order ON incidents (COALESCE(priority, 5), id);
CREATE INDEX incidents_severity ON incidents (severity, created_at);
CREATE INDEX incidents_assignee ON incidents (assignee_id, created_at);
-- "Unassigned, most urgent first" is the triage queue; it must not sort half the table.
CREATE INDEX incidents_assignee_priority ON incidents (assignee_id, COALESCE(priority, 5), id);

CREATE TABLE incident_services (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    service     TEXT    NOT NULL,
    PRIMARY KEY (incident_id, service)
);
CREATE INDEX incident_services_service ON incident_services (service, incident_id);

CREATE TABLE incident_labels (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    label       TEXT    NOT NULL,
    PRIMARY KEY (incident_id, label)
);
CREATE INDEX incident_labels_label ON incident_labels (label, incident_id);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    author_id   INTEGER NOT NULL REFERENCES users (id),
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_incident ON comments (incident_id, id);

CREATE TABLE links (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER NOT NULL REFERENCES incidents (id),
    target_id  INTEGER NOT NULL REFERENCES incidents (id),
    link_type  TEXT    NOT NULL CHECK (link_type IN ('relates', 'duplicates', 'causes', 'blocks')),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    UNIQUE (source_id, target_id, link_type),
    CHECK (source_id <> target_id)
);
CREATE INDEX links_target ON links (target_id);

-- The timeline: append-only. The triggers make that a property of the database.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    actor_id    INTEGER REFERENCES users (id),
    at          INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    data        TEXT    NOT NULL
);
CREATE INDEX events_incident ON events (incident_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;

