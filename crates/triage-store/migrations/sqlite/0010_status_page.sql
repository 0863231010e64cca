-- The public status page: components (each optionally standing for a service), the
-- public incidents and scheduled maintenances shown on it, the components each affects
-- and how, and the updates posted to them. Public wording lives here, apart from the
-- internal incident, so nothing internal reaches the page by accident.
CREATE TABLE status_components (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    group_name  TEXT,
    service     TEXT,
    position    INTEGER NOT NULL,
    -- Set by hand; incidents and maintenances affecting it can only make it worse.
    status      TEXT    NOT NULL DEFAULT 'operational',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE public_incidents (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER REFERENCES incidents (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('incident', 'maintenance')),
    name            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    impact          TEXT    NOT NULL,
    scheduled_for   INTEGER,
    scheduled_until INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    monitoring_at   INTEGER,
    resolved_at     INTEGER
);
CREATE INDEX public_incidents_open ON public_incidents (resolved_at, created_at);
CREATE INDEX public_incidents_incident ON public_incidents (incident_id);

CREATE TABLE public_incident_components (
    public_incident_id INTEGER NOT NULL REFERENCES public_incidents (id),
    component_id       INTEGER NOT NULL REFERENCES status_components (id),
    status             TEXT NOT NULL,
    PRIMARY KEY (public_incident_id, component_id)
);

CREATE TABLE public_updates (
    id                 INTEGER PRIMARY KEY,
    public_incident_id INTEGER NOT NULL REFERENCES public_incidents (id),
    status             TEXT NOT NULL,
    body               TEXT NOT NULL,
    created_by         INTEGER REFERENCES users (id),
    created_at         INTEGER NOT NULL
);
CREATE INDEX public_updates_incident ON public_updates (public_incident_id, id);
