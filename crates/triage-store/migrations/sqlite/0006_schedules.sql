-- On-call schedules: rotation layers (users in turn, handing off at a local time in the
-- schedule's zone, optionally only within windows of the week) and overrides on top.
-- Who is on call is computed from these by triage-core, never stored.
CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    time_zone   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Layers in order: a later position wins where it has someone on call.
CREATE TABLE schedule_layers (
    schedule_id  INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    shift_length TEXT NOT NULL,
    -- The first hand-off, local time in the schedule's zone: 2026-11-23T09:00:00.
    starts_at    TEXT NOT NULL,
    -- JSON list of windows such as "mon-fri 09:00-17:00"; empty: always.
    restrictions TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (schedule_id, position)
);

-- Who takes turns in a layer, in order.
CREATE TABLE layer_members (
    schedule_id    INTEGER NOT NULL,
    layer_position INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (schedule_id, layer_position, position),
    FOREIGN KEY (schedule_id, layer_position)
        REFERENCES schedule_layers (schedule_id, position) ON DELETE CASCADE
);
CREATE INDEX layer_members_user ON layer_members (user_id);

CREATE TABLE schedule_overrides (
    id          INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX schedule_overrides_time ON schedule_overrides (schedule_id, ends_at);

-- Secret-token iCalendar feeds (calendar apps cannot send credentials): a schedule's
-- shifts, or one person's shifts across every schedule. Stored only as SHA-256.
CREATE TABLE calendar_feeds (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    schedule_id INTEGER REFERENCES schedules (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_by  INTEGER REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK ((schedule_id IS NULL) <> (user_id IS NULL))
);
