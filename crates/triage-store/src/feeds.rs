//! Calendar feeds: secret-token addresses serving a schedule's shifts, or one person's
//! shifts across every schedule, to calendar apps (which cannot send credentials). A new
//! feed for the same schedule or person replaces the old one, whose address stops working.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::schedules::schedule_id;
use crate::time::to_db;
use crate::tokens::{hash, new_secret};
use crate::users::user_id;

/// Prefix of feed tokens, so a leaked one is recognised.
const FEED_PREFIX: &str = "trc_";

/// What a feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum FeedOf {
    /// Every shift of the schedule so named.
    Schedule(String),
    /// Every shift of the person with this e-mail, in any schedule.
    User(String),
}

/// A new feed: its secret token (shown once) and what it shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewFeed {
    pub token: String,
    pub of: FeedOf,
}

/// The feed's owner as stored: `(schedule_id, user_id)`, one of them set.
async fn owner(
    connection: &mut AnyConnection,
    of: &FeedOf,
) -> StoreResult<(Option<i64>, Option<i64>)> {
    Ok(match of {
        FeedOf::Schedule(name) => (Some(schedule_id(connection, name).await?), None),
        FeedOf::User(email) => (None, Some(user_id(connection, email).await?)),
    })
}

/// Revokes the live feed of `(schedule_id, user_id)`; answers whether there was one.
async fn revoke(
    connection: &mut AnyConnection,
    (schedule, user): (Option<i64>, Option<i64>),
    now: Timestamp,
) -> StoreResult<bool> {
    let revoked = sqlx::query(
        "UPDATE calendar_feeds SET revoked_at = $1 WHERE revoked_at IS NULL \
         AND (schedule_id = $2 OR user_id = $3)",
    )
    .bind(to_db(now))
    .bind(schedule)
    .bind(user)
    .execute(&mut *connection)
    .await?;
    Ok(revoked.rows_affected() > 0)
}

impl Store {
    /// A new feed address for `of`, replacing any it had.
    pub async fn create_feed(
        &self,
        of: FeedOf,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<NewFeed> {
        let token = new_secret(FEED_PREFIX)?;
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let (schedule, user) = owner(connection, &of).await?;
                revoke(connection, (schedule, user), now).await?;
                sqlx::query(
                    "INSERT INTO calendar_feeds (token_hash, schedule_id, user_id, created_by, \
                     created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(hash(&token))
                .bind(schedule)
                .bind(user)
                .bind(actor_id)
                .bind(to_db(now))
                .execute(&mut *connection)
                .await?;
                let of = match of {
                    FeedOf::User(email) => FeedOf::User(email.trim().to_lowercase()),
                    FeedOf::Schedule(name) => FeedOf::Schedule(name.trim().to_string()),
                };
                Ok(NewFeed { token, of })
            })
        })
        .await
    }

    /// Stops `of`'s feed address from working; refused if it has none.
    pub async fn revoke_feed(&self, of: FeedOf, now: Timestamp) -> StoreResult<()> {
        self.write(move |connection| {
            Box::pin(async move {
                let owner = owner(connection, &of).await?;
                if !revoke(connection, owner, now).await? {
                    return Err(StoreError::NotFound(
                        "there is no live feed to revoke".to_string(),
                    ));
                }
                Ok(())
            })
        })
        .await
    }

    /// What the live feed with this token shows; none for an unknown or revoked token.
    pub async fn feed(&self, token: &str) -> StoreResult<Option<FeedOf>> {
        let row = sqlx::query(
            "SELECT s.name AS schedule, u.email FROM calendar_feeds f \
             LEFT JOIN schedules s ON s.id = f.schedule_id LEFT JOIN users u ON u.id = f.user_id \
             WHERE f.token_hash = $1 AND f.revoked_at IS NULL",
        )
        .bind(hash(token))
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let schedule: Option<String> = row.try_get("schedule")?;
        let email: Option<String> = row.try_get("email")?;
        Ok(schedule.map(FeedOf::Schedule).or(email.map(FeedOf::User)))
    }
}
