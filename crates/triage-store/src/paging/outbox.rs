//! The outbox: notifications waiting to be delivered. A worker claims due entries for a
//! while (a worker that dies mid-delivery lets its claim lapse, and another takes the
//! entry again, with the same idempotency key for the receiver to recognise), delivers
//! them, and reports each attempt, which goes on the timeline. Failures are retried with
//! growing waits, then given up.

use std::collections::HashMap;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::stakeholder::StakeholderKind;
use triage_core::timeline::EventData;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::push_event;
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::{from_db_opt, to_db};

/// How long a claim holds before another worker may take the entry.
pub(crate) const CLAIM: SignedDuration = SignedDuration::from_secs(60);
/// How long a notification handed over by a transaction waits to be seen committed
/// before it is given up (its transaction was rolled back; were it not, the claim
/// lapses and the entry is taken again).
const HANDOVER_WAIT: Duration = Duration::from_secs(10);
/// Attempts before a notification is given up.
pub const MAX_ATTEMPTS: u32 = 8;
/// The wait after the first failure; it doubles after each, up to [`LONGEST_WAIT`].
const FIRST_WAIT: SignedDuration = SignedDuration::from_secs(15);
const LONGEST_WAIT: SignedDuration = SignedDuration::from_secs(30 * 60);

/// A notification to deliver now.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub incident: String,
    pub user: Option<String>,
    /// webhook, slack, teams or email.
    pub kind: String,
    pub address: String,
    pub secret: Option<String>,
    /// The JSON the engine queued: the incident, the level, the person.
    pub payload: String,
    pub idempotency_key: String,
    /// 1 for the first attempt.
    pub attempt: u32,
}

/// How one delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    Failed(String),
}

/// What an outbox entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A page from an escalation step.
    Page,
    /// A response-time breach told to the people responsible.
    Breach,
    /// A notice to someone paged that the incident is over (resolved, or acknowledged
    /// by someone else).
    Over,
    /// An action item's owner reminded of its due day.
    ActionReminder,
    /// The assignee reminded of an overdue stakeholder update.
    UpdateReminder,
    /// A stakeholder update.
    Stakeholder,
}

impl Purpose {
    /// The spelling kept in `outbox.purpose`.
    pub(crate) fn as_db(self) -> &'static str {
        match self {
            Purpose::Page => "page",
            Purpose::Breach => "breach",
            Purpose::Over => "over",
            Purpose::ActionReminder => "action_reminder",
            Purpose::UpdateReminder => "update_reminder",
            Purpose::Stakeholder => "stakeholder",
        }
    }
}

/// One entry to put in the outbox.
pub(crate) struct Entry<'a> {
    pub incident_id: i64,
    /// The incident's key.
    pub incident: &'a str,
    /// The person it is for (id and e-mail), if it is for a user.
    pub user: Option<(i64, &'a str)>,
    pub contact_method_id: Option<i64>,
    pub kind: String,
    pub address: String,
    pub secret: Option<String>,
    pub payload: &'a str,
    /// Unique: an entry queued twice is kept once.
    pub idempotency_key: String,
    pub due: Timestamp,
    pub purpose: Purpose,
    /// The escalation round a page belongs to.
    pub round: Option<i64>,
}

/// Queues `entry` once (a second entry with its idempotency key is ignored). An entry
/// due at `now` is claimed at once and added to `claimed`, for the caller to send.
pub(crate) async fn enqueue(
    connection: &mut AnyConnection,
    entry: Entry<'_>,
    now: Timestamp,
    claimed: &mut Vec<Notification>,
) -> StoreResult<()> {
    let at_once = entry.due <= now;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO outbox (incident_id, user_id, contact_method_id, kind, address, secret, \
         payload, idempotency_key, purpose, round, due_at, created_at, claimed_until, \
         attempts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    )
    .bind(entry.incident_id)
    .bind(entry.user.map(|(id, _)| id))
    .bind(entry.contact_method_id)
    .bind(&entry.kind)
    .bind(&entry.address)
    .bind(&entry.secret)
    .bind(entry.payload)
    .bind(&entry.idempotency_key)
    .bind(entry.purpose.as_db())
    .bind(entry.round)
    .bind(to_db(entry.due))
    .bind(to_db(now))
    .bind(at_once.then(|| to_db(now + CLAIM)))
    .bind(i64::from(at_once))
    .fetch_optional(&mut *connection)
    .await?;
    if let Some(id) = id.filter(|_| at_once) {
        claimed.push(Notification {
            id,
            incident: entry.incident.to_string(),
            user: entry.user.map(|(_, email)| email.to_string()),
            kind: entry.kind,
            address: entry.address,
            secret: entry.secret,
            payload: entry.payload.to_string(),
            idempotency_key: entry.idempotency_key,
            attempt: 1,
        });
    }
    Ok(())
}

/// The wait before attempt `attempt + 1` after attempt `attempt` failed.
pub(crate) fn backoff(attempt: u32) -> SignedDuration {
    let doublings = attempt.saturating_sub(1).min(16);
    (FIRST_WAIT * (1i32 << doublings)).min(LONGEST_WAIT)
}

impl Store {
    /// Claims up to `limit` notifications due at `now`.
    pub async fn claim_notifications(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        self.write(move |connection| Box::pin(claim(connection, now, limit)))
            .await
    }

    /// The notifications transactions claimed for this process as they queued them
    /// ([`Wake`](super::Wake)), those that are committed: a read, no write. Those not
    /// seen yet wait for the next call, a while.
    pub async fn take_handed(&self) -> StoreResult<Vec<Notification>> {
        let handed = self.wake.take();
        if handed.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = handed.iter().map(|(_, n)| n.id.to_string()).collect();
        // Ids are integers the store made: safe to write into the statement.
        let sql = format!(
            "SELECT id, idempotency_key FROM outbox WHERE id IN ({}) \
             AND delivered_at IS NULL AND dropped_at IS NULL",
            ids.join(", ")
        );
        let committed: HashMap<i64, String> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .collect();
        let mut ready = Vec::new();
        let mut waiting = Vec::new();
        for (at, notification) in handed {
            let seen = committed
                .get(&notification.id)
                .is_some_and(|key| *key == notification.idempotency_key);
            if seen {
                if !ready.iter().any(|n: &Notification| n.id == notification.id) {
                    ready.push(notification);
                }
            } else if at.elapsed() < HANDOVER_WAIT {
                waiting.push((at, notification));
            }
        }
        self.wake.put_back(waiting);
        Ok(ready)
    }

    /// Records how delivering notification `id` went.
    pub async fn finish_notification(
        &self,
        id: i64,
        attempt: Attempt,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |connection| Box::pin(finish(connection, id, attempt, now)))
            .await
    }
}

async fn claim(
    connection: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<Notification>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF o SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT o.id, i.key, u.email, o.kind, o.address, o.secret, o.payload, o.idempotency_key, \
         o.attempts FROM outbox o \
         JOIN incidents i ON i.id = o.incident_id LEFT JOIN users u ON u.id = o.user_id \
         WHERE o.delivered_at IS NULL AND o.dropped_at IS NULL AND o.due_at <= $1 \
         AND (o.claimed_until IS NULL OR o.claimed_until <= $1) ORDER BY o.due_at LIMIT $2{lock}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(limit)
        .fetch_all(&mut *connection)
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    let mut statements = Statements::default();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let attempts: i64 = row.try_get("attempts")?;
        statements.push(
            "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1 WHERE id = $2",
            vec![to_db(now + CLAIM).into(), id.into()],
        );
        claimed.push(Notification {
            id,
            incident: row.try_get("key")?,
            user: row.try_get("email")?,
            kind: row.try_get("kind")?,
            address: row.try_get("address")?,
            secret: row.try_get("secret")?,
            payload: row.try_get("payload")?,
            idempotency_key: row.try_get("idempotency_key")?,
            attempt: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
        });
    }
    statements.execute(connection).await?;
    Ok(claimed)
}

async fn finish(
    connection: &mut AnyConnection,
    id: i64,
    attempt: Attempt,
    now: Timestamp,
) -> StoreResult<()> {
    let row = sqlx::query(
        "SELECT o.incident_id, o.kind, o.address, o.contact_method_id, o.attempts, o.dropped_at, \
         u.email \
         FROM outbox o LEFT JOIN users u ON u.id = o.user_id \
         WHERE o.id = $1 AND o.delivered_at IS NULL",
    )
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("no undelivered notification {id}")))?;
    let incident_id: i64 = row.try_get("incident_id")?;
    let attempts = u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX);
    let method: String = row.try_get("kind")?;
    // A stakeholder's entry goes to an address of no contact method.
    let user = match row.try_get::<Option<String>, _>("email")? {
        Some(email) => email,
        None if row
            .try_get::<Option<i64>, _>("contact_method_id")?
            .is_none() =>
        {
            let address: String = row.try_get("address")?;
            match StakeholderKind::parse(&method) {
                Ok(kind) if kind.is_web() => kind.label(&address),
                _ => address,
            }
        }
        None => "(a removed user)".to_string(),
    };
    let mut statements = Statements::default();
    let event = match attempt {
        Attempt::Delivered => {
            statements.push(
                "UPDATE outbox SET delivered_at = $1, claimed_until = NULL, last_error = NULL \
                 WHERE id = $2",
                vec![to_db(now).into(), id.into()],
            );
            EventData::Notified {
                user,
                method,
                attempt: attempts,
                error: None,
                gave_up: false,
            }
        }
        Attempt::Failed(error) => {
            // Dropped while it was being sent (its incident stopped paging): not retried.
            let dropped = from_db_opt(row.try_get("dropped_at")?)?.is_some();
            let gave_up = dropped || attempts >= MAX_ATTEMPTS;
            if dropped {
                statements.push(
                    "UPDATE outbox SET claimed_until = NULL, last_error = $1 WHERE id = $2",
                    vec![error.as_str().into(), id.into()],
                );
            } else if gave_up {
                statements.push(
                    "UPDATE outbox SET dropped_at = $1, claimed_until = NULL, last_error = $2 \
                     WHERE id = $3",
                    vec![to_db(now).into(), error.as_str().into(), id.into()],
                );
            } else {
                statements.push(
                    "UPDATE outbox SET due_at = $1, claimed_until = NULL, last_error = $2 \
                     WHERE id = $3",
                    vec![
                        to_db(now + backoff(attempts)).into(),
                        error.as_str().into(),
                        id.into(),
                    ],
                );
            }
            EventData::Notified {
                user,
                method,
                attempt: attempts,
                error: Some(error),
                gave_up,
            }
        }
    };
    push_event(&mut statements, incident_id, None, now, &event)?;
    statements.execute(connection).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_each_failure_up_to_half_an_hour() {
        assert_eq!(backoff(1), SignedDuration::from_secs(15));
        assert_eq!(backoff(2), SignedDuration::from_secs(30));
        assert_eq!(backoff(4), SignedDuration::from_secs(120));
        assert_eq!(backoff(12), LONGEST_WAIT);
    }
}
