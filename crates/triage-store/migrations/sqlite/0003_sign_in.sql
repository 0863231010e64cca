-- Signing in to the web console: a password per user (an argon2id PHC string; none
-- until one is set), and browser sessions, stored (like API tokens) only as SHA-256
-- hashes of their secret, each with its own CSRF token and an expiry.
ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
