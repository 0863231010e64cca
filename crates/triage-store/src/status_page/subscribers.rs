//! Status page subscribers and what they are sent. Anyone may subscribe an e-mail address
//! on the public page; it hears nothing until the confirmation link mailed to it is
//! followed (double opt-in). Admins add webhooks (and addresses, confirmed by mail unless
//! they say otherwise). Every public update is queued, in the transaction that posts it,
//! for each confirmed subscriber of all components or of one the incident affects; the
//! engine delivers the queue ([`Store::claim_subscriber_deliveries`]) with retries, like
//! the incidents' outbox. Each subscriber's token makes its confirm and one-click
//! unsubscribe links.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::email::parse_email;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::paging::{CLAIM, MAX_ATTEMPTS, backoff, check_address};
use crate::postgres::is_postgres;
use crate::sql::Statements;
use crate::time::{from_db, from_db_opt, to_db};
use crate::tokens::new_secret;

use super::resolve_components;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscriber {
    pub id: i64,
    /// email or webhook.
    pub kind: String,
    pub address: String,
    /// Whether it hears updates: an address once its confirmation link was followed.
    pub confirmed: bool,
    /// The components it hears of; empty: all.
    pub components: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewSubscriber {
    pub kind: String,
    pub address: String,
    /// Component names; empty: every component.
    pub components: Vec<String>,
    /// Skip the confirmation mail (admins only; webhooks are always confirmed).
    pub confirmed: bool,
}

/// What the engine sends a subscriber now.
#[derive(Debug, Clone)]
pub struct SubscriberDelivery {
    pub id: i64,
    pub kind: String,
    pub address: String,
    /// The secret of the subscriber's links.
    pub token: String,
    /// A confirmation request (none) or a public update: its incident and its id.
    pub update: Option<(i64, i64)>,
    pub idempotency_key: String,
    /// 1 for the first attempt.
    pub attempt: u32,
}

const COLUMNS: &str = "id, kind, address, confirmed_at, created_at";

/// A delivery to make at `$1`: not done, not given up, due, and not held by a worker.
const DUE: &str = "d.delivered_at IS NULL AND d.dropped_at IS NULL AND d.due_at <= $1 \
     AND (d.claimed_until IS NULL OR d.claimed_until <= $1)";

impl Store {
    /// Subscribes `new.address`. An address is sent a confirmation (again, if it had one
    /// and never followed it); one already confirmed is left as it is, so that nobody
    /// learns from the answer who is subscribed nor changes someone else's choice.
    pub async fn subscribe(&self, new: NewSubscriber, now: Timestamp) -> StoreResult<Subscriber> {
        let kind = new.kind.trim().to_lowercase();
        let address = match kind.as_str() {
            "email" => parse_email(&new.address).map_err(|e| StoreError::Invalid(e.to_string()))?,
            "webhook" => {
                let address = new.address.trim().to_string();
                check_address("subscriber", &kind, &address)?;
                address
            }
            _ => {
                return Err(StoreError::Invalid(format!(
                    "subscriber kind '{}' is not allowed: use email or webhook",
                    new.kind
                )));
            }
        };
        let confirmed = new.confirmed || kind == "webhook";
        let components: Vec<(String, Option<_>)> =
            new.components.iter().map(|c| (c.clone(), None)).collect();
        let token = new_secret("sub_")?;
        let id = self
            .write(move |connection| {
                Box::pin(async move {
                    let chosen = resolve_components(connection, &components).await?;
                    let existing: Option<(i64, Option<i64>)> = sqlx::query_as(
                        "SELECT id, confirmed_at FROM status_subscribers \
                         WHERE kind = $1 AND address = $2",
                    )
                    .bind(&kind)
                    .bind(&address)
                    .fetch_optional(&mut *connection)
                    .await?;
                    let mut statements = Statements::default();
                    let id = match existing {
                        Some((id, Some(_))) => return Ok(id),
                        Some((id, None)) => id,
                        None => {
                            let id: i64 = sqlx::query_scalar(
                                "INSERT INTO status_subscribers (kind, address, token, \
                                 confirmed_at, created_at) VALUES ($1, $2, $3, $4, $5) \
                                 RETURNING id",
                            )
                            .bind(&kind)
                            .bind(&address)
                            .bind(&token)
                            .bind(confirmed.then(|| to_db(now)))
                            .bind(to_db(now))
                            .fetch_one(&mut *connection)
                            .await?;
                            for component in chosen.keys() {
                                statements.push(
                                    "INSERT INTO status_subscriber_components (subscriber_id, \
                                     component_id) VALUES ($1, $2)",
                                    vec![id.into(), (*component).into()],
                                );
                            }
                            if confirmed {
                                statements.execute(connection).await?;
                                return Ok(id);
                            }
                            id
                        }
                    };
                    let sent: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM subscriber_deliveries WHERE subscriber_id = $1",
                    )
                    .bind(id)
                    .fetch_one(&mut *connection)
                    .await?;
                    statements.push(
                        "INSERT INTO subscriber_deliveries (subscriber_id, purpose, \
                         idempotency_key, due_at, created_at) VALUES ($1, 'confirm', $2, $3, $3)",
                        vec![
                            id.into(),
                            format!("confirm-{id}-{}", sent + 1).into(),
                            to_db(now).into(),
                        ],
                    );
                    statements.execute(connection).await?;
                    Ok(id)
                })
            })
            .await?;
        self.wake.notify();
        self.subscriber(id).await
    }

    /// The subscriber whose links carry `token`.
    pub async fn subscription(&self, token: &str) -> StoreResult<Subscriber> {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM status_subscribers WHERE token = $1")
                .bind(token.trim())
                .fetch_optional(&self.read)
                .await?;
        let id = id.ok_or_else(|| {
            StoreError::NotFound(
                "this subscription link is not valid: the subscription may have been cancelled"
                    .into(),
            )
        })?;
        self.subscriber(id).await
    }

    /// Confirms the subscription whose links carry `token` (again is fine).
    pub async fn confirm_subscription(
        &self,
        token: &str,
        now: Timestamp,
    ) -> StoreResult<Subscriber> {
        let found = self.subscription(token).await?;
        let id = found.id;
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE status_subscribers SET confirmed_at = COALESCE(confirmed_at, $1) \
                     WHERE id = $2",
                )
                .bind(to_db(now))
                .bind(id)
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await?;
        self.subscriber(id).await
    }

    /// Ends the subscription whose links carry `token`: it is forgotten, with whatever
    /// was still to be sent to it.
    pub async fn unsubscribe(&self, token: &str) -> StoreResult<Subscriber> {
        let found = self.subscription(token).await?;
        self.delete_subscriber(found.id).await?;
        Ok(found)
    }

    pub async fn delete_subscriber(&self, id: i64) -> StoreResult<()> {
        self.write(move |connection| {
            Box::pin(async move {
                let deleted = sqlx::query("DELETE FROM status_subscribers WHERE id = $1")
                    .bind(id)
                    .execute(&mut *connection)
                    .await?
                    .rows_affected();
                if deleted == 0 {
                    return Err(StoreError::NotFound(format!("no subscriber {id}")));
                }
                Ok(())
            })
        })
        .await
    }

    pub async fn subscriber(&self, id: i64) -> StoreResult<Subscriber> {
        let mut connection = self.read.acquire().await?;
        load(&mut connection, Some(id))
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("no subscriber {id}")))
    }

    /// Every subscriber, oldest first.
    pub async fn subscribers(&self) -> StoreResult<Vec<Subscriber>> {
        let mut connection = self.read.acquire().await?;
        load(&mut connection, None).await
    }

    /// Claims up to `limit` subscriber deliveries due at `now`. The engine asks on every
    /// look, and most looks find none: a read answers those, with no write.
    pub async fn claim_subscriber_deliveries(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<SubscriberDelivery>> {
        let any: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT d.id FROM subscriber_deliveries d WHERE {DUE} LIMIT 1"
        )))
        .bind(to_db(now))
        .fetch_optional(&self.read)
        .await?;
        if any.is_none() {
            return Ok(Vec::new());
        }
        self.write(move |connection| Box::pin(claim(connection, now, limit)))
            .await
    }

    /// Records how delivering `id` went: delivered, retried later, or given up.
    pub async fn finish_subscriber_delivery(
        &self,
        id: i64,
        error: Option<String>,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |connection| {
            Box::pin(async move {
                let attempts: Option<i64> =
                    sqlx::query_scalar("SELECT attempts FROM subscriber_deliveries WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *connection)
                        .await?;
                // Gone with its subscriber, who unsubscribed meanwhile.
                let Some(attempts) = attempts else {
                    return Ok(());
                };
                let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
                let (sql, values) = match &error {
                    None => (
                        "UPDATE subscriber_deliveries SET delivered_at = $1, \
                         claimed_until = NULL, last_error = NULL WHERE id = $2",
                        vec![to_db(now).into(), id.into()],
                    ),
                    Some(error) if attempts >= MAX_ATTEMPTS => (
                        "UPDATE subscriber_deliveries SET dropped_at = $1, \
                         claimed_until = NULL, last_error = $2 WHERE id = $3",
                        vec![to_db(now).into(), error.as_str().into(), id.into()],
                    ),
                    Some(error) => (
                        "UPDATE subscriber_deliveries SET due_at = $1, \
                         claimed_until = NULL, last_error = $2 WHERE id = $3",
                        vec![
                            to_db(now + backoff(attempts)).into(),
                            error.as_str().into(),
                            id.into(),
                        ],
                    ),
                };
                let mut statements = Statements::default();
                statements.push(sql, values);
                statements.execute(connection).await
            })
        })
        .await
    }
}

/// Queues the update just pushed to public incident `id` for every confirmed subscriber
/// of all components or of one the incident affects.
pub(super) fn push_deliveries(statements: &mut Statements, id: i64, now: Timestamp) {
    statements.push(
        "INSERT INTO subscriber_deliveries (subscriber_id, purpose, public_update_id, \
         idempotency_key, due_at, created_at) \
         SELECT s.id, 'update', u.id, \
         'status-' || CAST(u.id AS TEXT) || '-' || CAST(s.id AS TEXT), $2, $2 \
         FROM status_subscribers s \
         CROSS JOIN (SELECT MAX(id) AS id FROM public_updates WHERE public_incident_id = $1) u \
         WHERE s.confirmed_at IS NOT NULL AND (NOT EXISTS (SELECT 1 FROM \
         status_subscriber_components c WHERE c.subscriber_id = s.id) OR EXISTS (SELECT 1 \
         FROM status_subscriber_components c JOIN public_incident_components p \
         ON p.component_id = c.component_id WHERE c.subscriber_id = s.id \
         AND p.public_incident_id = $1))",
        vec![id.into(), to_db(now).into()],
    );
}

async fn load(connection: &mut AnyConnection, id: Option<i64>) -> StoreResult<Vec<Subscriber>> {
    let filter = if id.is_some() { "WHERE id = $1" } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM status_subscribers {filter} ORDER BY id");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    if let Some(id) = id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&mut *connection).await?;
    let chosen: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.subscriber_id, s.name FROM status_subscriber_components c \
         JOIN status_components s ON s.id = c.component_id ORDER BY s.position, s.name",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut components: HashMap<i64, Vec<String>> = HashMap::new();
    for (subscriber, name) in chosen {
        components.entry(subscriber).or_default().push(name);
    }
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            Ok(Subscriber {
                id,
                kind: row.try_get("kind")?,
                address: row.try_get("address")?,
                confirmed: from_db_opt(row.try_get("confirmed_at")?)?.is_some(),
                components: components.remove(&id).unwrap_or_default(),
                created_at: from_db(row.try_get("created_at")?)?,
            })
        })
        .collect()
}

async fn claim(
    connection: &mut AnyConnection,
    now: Timestamp,
    limit: i64,
) -> StoreResult<Vec<SubscriberDelivery>> {
    let lock = if is_postgres(connection) {
        " FOR UPDATE OF d SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT d.id, s.kind, s.address, s.token, d.public_update_id, u.public_incident_id, \
         d.idempotency_key, d.attempts FROM subscriber_deliveries d \
         JOIN status_subscribers s ON s.id = d.subscriber_id \
         LEFT JOIN public_updates u ON u.id = d.public_update_id \
         WHERE {DUE} ORDER BY d.due_at LIMIT $2{lock}"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(to_db(now))
        .bind(limit)
        .fetch_all(&mut *connection)
        .await?;
    let mut statements = Statements::default();
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let attempts: i64 = row.try_get("attempts")?;
        statements.push(
            "UPDATE subscriber_deliveries SET claimed_until = $1, attempts = attempts + 1 \
             WHERE id = $2",
            vec![to_db(now + CLAIM).into(), id.into()],
        );
        let update: Option<i64> = row.try_get("public_update_id")?;
        let incident: Option<i64> = row.try_get("public_incident_id")?;
        claimed.push(SubscriberDelivery {
            id,
            kind: row.try_get("kind")?,
            address: row.try_get("address")?,
            token: row.try_get("token")?,
            update: incident.zip(update),
            idempotency_key: row.try_get("idempotency_key")?,
            attempt: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
        });
    }
    statements.execute(connection).await?;
    Ok(claimed)
}
