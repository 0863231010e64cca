-- Post-mortems: one per incident, kept as revisions. The latest revision is the one
-- being written (Draft, In Review) or the published one; reopening a published
-- post-mortem starts the next revision from it, and earlier revisions stay readable.
-- The document is the sections as JSON (triage-core's PostMortem); the version guards
-- against overwriting someone else's edit.
CREATE TABLE postmortems (
    id           INTEGER PRIMARY KEY,
    incident_id  INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    revision     INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('Draft', 'In Review', 'Published')),
    document     TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    published_at INTEGER,
    UNIQUE (incident_id, revision)
);
