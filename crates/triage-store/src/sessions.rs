//! Signing in to the web console: passwords (argon2id, hashed off the async threads) and
//! browser sessions. A session's secret lives only in the browser's cookie; the database
//! keeps its SHA-256, the CSRF token its forms must carry, and when it expires.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use jiff::{SignedDuration, Timestamp};
use sqlx::{AssertSqlSafe, Row};

use crate::actor::{ACTOR_COLUMNS, ACTOR_GROUPS, Actor, actor_from_rows};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::time::{from_db, to_db};
use crate::tokens::{hash, new_secret};
use crate::users::user_id;

/// Prefix of session secrets (cookies), as `trg_` is of API tokens.
const SESSION_PREFIX: &str = "trs_";

/// Passwords shorter than this are refused.
const MIN_PASSWORD_CHARS: usize = 10;

/// Longer passwords are refused (hashing cost is bounded by it).
const MAX_PASSWORD_BYTES: usize = 1024;

/// A session just opened: the secret for the cookie (never stored) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub actor: Actor,
    pub expires_at: Timestamp,
}

/// A live session, found by its secret.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    pub expires_at: Timestamp,
}

impl Store {
    /// Sets (or resets) the password of the user with `email`, and ends their sessions.
    pub async fn set_password(&self, email: &str, password: &str) -> StoreResult<()> {
        validate_password(password)?;
        let password = password.to_string();
        let hashed = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("hashing the password failed: {e}")))?
        .map_err(|e| StoreError::Invalid(format!("hashing the password failed: {e}")))?;
        let email = email.to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let user = user_id(connection, &email).await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(&hashed)
                    .bind(user)
                    .execute(&mut *connection)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(user)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    /// Opens a session for `email` if `password` is theirs and they are active; `None`
    /// otherwise, without saying which part was wrong.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        now: Timestamp,
        lifetime: SignedDuration,
    ) -> StoreResult<Option<NewSession>> {
        let Some(user) = self.check_password(email, password).await? else {
            return Ok(None);
        };
        let secret = new_secret(SESSION_PREFIX)?;
        let csrf = new_secret("")?;
        let expires_at = now
            .checked_add(lifetime)
            .map_err(|e| StoreError::Invalid(format!("session lifetime: {e}")))?;
        let (stored_secret, stored_csrf) = (hash(&secret), csrf.clone());
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(stored_secret)
                .bind(user)
                .bind(stored_csrf)
                .bind(to_db(now))
                .bind(to_db(expires_at))
                .execute(&mut *connection)
                .await?;
                // Expired sessions of anyone go with each sign-in.
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(to_db(now))
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await?;
        let Some(session) = self.session(&secret, now).await? else {
            return Ok(None);
        };
        Ok(Some(NewSession {
            secret,
            csrf,
            actor: session.actor,
            expires_at,
        }))
    }

    /// The id of the active user with `email` if `password` is theirs.
    pub async fn check_password(&self, email: &str, password: &str) -> StoreResult<Option<i64>> {
        let email = email.trim().to_lowercase();
        let found: Option<(i64, Option<String>)> =
            sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1 AND active = 1")
                .bind(&email)
                .fetch_optional(&self.read)
                .await?;
        let (user, stored) = match found {
            Some((user, Some(stored))) => (Some(user), stored),
            // Spend the time a real check takes, so that timing does not tell whether
            // the address has an account.
            _ => (None, DECOY_HASH.to_string()),
        };
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || {
            Argon2::default()
                .verify_password(password.as_bytes(), stored.as_str())
                .is_ok()
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("checking the password failed: {e}")))?;
        Ok(user.filter(|_| matches))
    }

    /// The live session with this secret, if it has not expired and its user is active.
    pub async fn session(&self, secret: &str, now: Timestamp) -> StoreResult<Option<Session>> {
        let sql = format!(
            "SELECT {ACTOR_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s \
             JOIN users u ON u.id = s.user_id {ACTOR_GROUPS} \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1 ORDER BY g.name"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(hash(secret))
            .bind(to_db(now))
            .fetch_all(&self.read)
            .await?;
        let Some(actor) = actor_from_rows(&rows)? else {
            return Ok(None);
        };
        Ok(Some(Session {
            actor,
            csrf: rows[0].try_get("csrf_token")?,
            expires_at: from_db(rows[0].try_get("expires_at")?)?,
        }))
    }

    /// Ends the session with this secret (signing out); nothing if there is none.
    pub async fn end_session(&self, secret: &str) -> StoreResult<()> {
        let stored = hash(secret);
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(stored)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

/// An argon2id hash of a password nobody has, checked when an address has no account.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$dHJpYWdlLWRlY295LXNhbHQ$3k7zq1bWmR2m0bqZq2Fh0mJvV8Y0b8v1c9qzqJ7Jb0E";

/// Refuses a password too short or too long to be set, saying what is allowed.
pub fn validate_password(password: &str) -> StoreResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(StoreError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(StoreError::Invalid(format!(
            "a password may have at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoy_hash_is_a_valid_argon2id_hash_that_matches_nothing_typed() {
        let result = Argon2::default().verify_password(b"password123", DECOY_HASH);
        assert!(matches!(
            result,
            Err(argon2::password_hash::Error::PasswordInvalid)
        ));
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(validate_password("short").is_err());
        assert!(validate_password(&"x".repeat(2000)).is_err());
        assert!(validate_password("correct horse battery").is_ok());
    }
}
