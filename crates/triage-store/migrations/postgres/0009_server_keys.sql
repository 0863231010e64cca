-- Secrets the servers of one database share, made on first use: the key that signs the
-- acknowledge links in notifications, so that any instance can check a link another
-- instance sent.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
