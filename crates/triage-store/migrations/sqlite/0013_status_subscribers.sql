-- Status page subscribers: e-mail addresses (confirmed by following the link in a
-- confirmation mail: double opt-in) and webhooks that hear of every public update, of
-- every component or of the components they chose; and the queue of what they are sent
-- (a confirmation, or an update), delivered and retried apart from incidents' outbox.
-- The token is the secret in a subscriber's confirm and unsubscribe links.
CREATE TABLE status_subscribers (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL CHECK (kind IN ('email', 'webhook')),
    address      TEXT    NOT NULL,
    token        TEXT    NOT NULL UNIQUE,
    confirmed_at INTEGER,
    created_at   INTEGER NOT NULL,
    UNIQUE (kind, address)
);

CREATE TABLE status_subscriber_components (
    subscriber_id INTEGER NOT NULL REFERENCES status_subscribers (id) ON DELETE CASCADE,
    component_id  INTEGER NOT NULL REFERENCES status_components (id) ON DELETE CASCADE,
    PRIMARY KEY (subscriber_id, component_id)
);

CREATE TABLE subscriber_deliveries (
    id               INTEGER PRIMARY KEY,
    subscriber_id    INTEGER NOT NULL REFERENCES status_subscribers (id) ON DELETE CASCADE,
    purpose          TEXT    NOT NULL CHECK (purpose IN ('confirm', 'update')),
    public_update_id INTEGER REFERENCES public_updates (id) ON DELETE CASCADE,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    due_at           INTEGER NOT NULL,
    claimed_until    INTEGER,
    attempts         INTEGER NOT NULL DEFAULT 0,
    delivered_at     INTEGER,
    dropped_at       INTEGER,
    last_error       TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX subscriber_deliveries_due ON subscriber_deliveries (delivered_at, dropped_at, due_at);
