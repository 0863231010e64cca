//! Paging: each person's contact methods, each incident's escalation, and the outbox of
//! notifications. Everything lives in the database, so a server that dies loses nothing:
//! the next one (or another instance) picks up every due step and undelivered page.
//!
//! An incident that opens on a service with an escalation policy, at a priority the
//! service pages for, gets an escalation in the same transaction ([`start_escalation`]).
//! The engine ([`engine`]) fires due steps: it asks `triage-core` which steps fire and
//! who they page, records the page on the timeline and queues one notification per
//! contact method in the outbox ([`outbox`]), whose entries the server delivers and
//! reports back. An acknowledgement stops the escalation ([`acknowledge`]).

mod acknowledge;
pub(crate) use acknowledge::{escalating, stop_escalation};
mod breach;
mod contacts;
pub(crate) use contacts::check_address;
mod engine;
pub(crate) use engine::{Queued, queue};
mod lapse;
mod outbox;
pub(crate) use outbox::{CLAIM, Entry, MAX_ATTEMPTS, backoff, enqueue};

use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use sqlx::AnyConnection;
use tokio::sync::Notify;
use triage_core::{Priority, Severity};

use crate::db::Store;
use crate::error::StoreResult;
use crate::time::to_db;

pub use contacts::{ContactMethod, NewContactMethod};
pub use outbox::{Attempt, Notification};

/// Runs `each` for every id in `due` (what a read found due), each as its own write and
/// all at once — on SQLite they share commits, on PostgreSQL they take
/// connections side by side — and collects the notifications they claimed. What the
/// engine's recorders (breaches, overdue updates, action item reminders) share.
pub(crate) async fn run_each<F>(
    store: &Store,
    due: Vec<i64>,
    now: Timestamp,
    each: F,
) -> StoreResult<Vec<Notification>>
where
    F: for<'c> Fn(
            &'c mut AnyConnection,
            i64,
            Timestamp,
        ) -> BoxFuture<'c, StoreResult<Vec<Notification>>>
        + Copy
        + Send
        + 'static,
{
    let writes = due
        .into_iter()
        .map(|id| store.write(move |connection| each(connection, id, now)));
    let mut claimed = Vec::new();
    for done in futures_util::future::join_all(writes).await {
        claimed.extend(done?);
    }
    Ok(claimed)
}

/// Wakes the engine when there is new work (an escalation started, an outbox entry is
/// due at once), so that a page goes out within milliseconds rather than at the next
/// look. It also carries the notifications a transaction claimed for this process as
/// it queued them (an incident's first page), so that the engine sends them as soon as
/// that transaction is committed, with no write of its own in between.
#[derive(Default, Clone)]
pub struct Wake {
    notify: Arc<Notify>,
    handed: Arc<Mutex<Vec<(Instant, Notification)>>>,
}

impl Wake {
    pub fn notify(&self) {
        self.notify.notify_one();
    }

    /// Resolves at the next [`Wake::notify`] (or at once if one came since the last).
    pub async fn notified(&self) {
        self.notify.notified().await;
    }

    /// Hands notifications claimed inside a transaction to the engine; it sends those
    /// the transaction committed ([`Store::take_handed`](crate::Store::take_handed)).
    pub(crate) fn hand_over(&self, claimed: Vec<Notification>) {
        if claimed.is_empty() {
            return;
        }
        let at = Instant::now();
        let mut handed = self.handed.lock().expect("the hand-over lock");
        handed.extend(claimed.into_iter().map(|n| (at, n)));
    }

    fn take(&self) -> Vec<(Instant, Notification)> {
        std::mem::take(&mut *self.handed.lock().expect("the hand-over lock"))
    }

    fn put_back(&self, waiting: Vec<(Instant, Notification)>) {
        self.handed
            .lock()
            .expect("the hand-over lock")
            .extend(waiting);
    }
}

/// An incident as every notification payload carries it.
pub(crate) fn incident_json(
    key: &str,
    summary: &str,
    status: &str,
    priority: Option<Priority>,
    severity: Option<Severity>,
) -> serde_json::Value {
    serde_json::json!({
        "key": key,
        "summary": summary,
        "status": status,
        "priority": priority.map(|p| p.code()),
        "severity": severity.map(|s| s.code()),
    })
}

/// Starts the escalation of a new incident if one of its services has an escalation
/// policy and pages for its priority, and fires its first level in the same
/// transaction: the pages are claimed for this process and handed to its engine through
/// `wake`, to be sent once the incident is committed. Answers whether it started one.
pub(crate) async fn start_escalation(
    connection: &mut AnyConnection,
    incident_id: i64,
    priority: Option<&str>,
    now: Timestamp,
    wake: &Wake,
) -> StoreResult<bool> {
    let Some(priority) = priority else {
        return Ok(false);
    };
    let found: Option<(i64, String)> = sqlx::query_as(
        "SELECT s.escalation_policy_id, s.paging_priorities FROM incident_services i \
         JOIN services s ON s.name = i.service \
         WHERE i.incident_id = $1 AND s.escalation_policy_id IS NOT NULL ORDER BY s.name LIMIT 1",
    )
    .bind(incident_id)
    .fetch_optional(&mut *connection)
    .await?;
    let Some((policy_id, pages_for)) = found else {
        return Ok(false);
    };
    if !pages_for.split(',').any(|p| p.trim() == priority) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO escalations (incident_id, policy_id, state, next_step, next_at, started_at) \
         VALUES ($1, $2, 'active', 0, $3, $3)",
    )
    .bind(incident_id)
    .bind(policy_id)
    .bind(to_db(now))
    .execute(&mut *connection)
    .await?;
    if let Some(claimed) = engine::step(connection, incident_id, now).await? {
        wake.hand_over(claimed);
    }
    Ok(true)
}
