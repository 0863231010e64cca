-- The status page's look and its history. `status_page_settings` holds at most one row
-- (written by the first status-page change; until then the page has its defaults): how
-- the page is branded, and a version every status-page write bumps in its own
-- transaction, so every instance knows at once when its rendered page is out of date.
-- `public_component_changes` records each status an incident gave a component and when,
-- from which the page's 90-day uptime bars are computed (an incident's current statuses
-- alone would lose the outage once it is resolved to operational).
CREATE TABLE status_page_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT    NOT NULL,
    logo_url   TEXT    NOT NULL,
    accent     TEXT    NOT NULL,
    version    INTEGER NOT NULL
);

CREATE TABLE public_component_changes (
    id                 INTEGER PRIMARY KEY,
    public_incident_id INTEGER NOT NULL REFERENCES public_incidents (id),
    update_id          INTEGER REFERENCES public_updates (id),
    component_id       INTEGER NOT NULL REFERENCES status_components (id),
    old_status         TEXT    NOT NULL,
    new_status         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL
);
CREATE INDEX public_component_changes_incident
    ON public_component_changes (public_incident_id, id);

-- What was published before this history was kept: each component at its current
-- status since the incident began.
INSERT INTO public_component_changes
    (public_incident_id, update_id, component_id, old_status, new_status, created_at)
SELECT pc.public_incident_id,
       (SELECT MIN(u.id) FROM public_updates u WHERE u.public_incident_id = pc.public_incident_id),
       pc.component_id, 'operational', pc.status, p.created_at
FROM public_incident_components pc JOIN public_incidents p ON p.id = pc.public_incident_id;
