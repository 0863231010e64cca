//! Paging: each person's contact methods, each incident's escalation, and the outbox of
//! notifications. Everything lives in the database, so a server that dies loses nothing:
//! the next one (or another instance) picks up every due step and undelivered page.
//!
//! An escalation runs exactly while its incident is pageable: every write that changes
//! an incident follows the change in the same transaction ([`follow`]), starting a new
//! round when the incident becomes pageable (opened, priority raised, a paging service
//! added, reopened, an acknowledgement lapsed) and ending the running one when it stops
//! (Done, acknowledged, lowered), dropping what was queued for it and telling the
//! people paged that it is over. The engine ([`engine`]) fires due steps: it asks
//! `triage-core` which steps fire and who they page, records the page on the timeline
//! and queues one notification per contact method in the outbox ([`outbox`]), whose
//! entries the server delivers and reports back. Acknowledging and escalating by hand
//! are in [`acknowledge`].

mod acknowledge;
mod breach;
mod contacts;
pub(crate) use contacts::check_address;
mod engine;
pub(crate) use engine::{Queued, queue};
mod follow;
pub(crate) use acknowledge::push_acknowledgement;
pub(crate) use follow::{By, follow_change, follow_edit, load as load_paging};
mod lapse;
mod outbox;
pub(crate) use outbox::{CLAIM, Entry, MAX_ATTEMPTS, Purpose, backoff, enqueue};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::future::BoxFuture;
use jiff::Timestamp;
use sqlx::AnyConnection;
use tokio::sync::Notify;
use triage_core::{Priority, Severity};

use crate::db::Store;
use crate::error::StoreResult;

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
    /// Something was handed over since the last commit woke the engine.
    fresh: Arc<AtomicBool>,
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
    /// the transaction committed ([`Store::take_handed`](crate::Store::take_handed)),
    /// woken once the write commits ([`Wake::committed`]).
    pub(crate) fn hand_over(&self, claimed: Vec<Notification>) {
        if claimed.is_empty() {
            return;
        }
        let at = Instant::now();
        let mut handed = self.handed.lock().expect("the hand-over lock");
        handed.extend(claimed.into_iter().map(|n| (at, n)));
        self.fresh.store(true, Ordering::Release);
    }

    /// A write committed: wakes the engine if it handed notifications over.
    pub(crate) fn committed(&self) {
        if self.fresh.swap(false, Ordering::AcqRel) {
            self.notify();
        }
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

/// What could not be done in one look of the paging engine, by what it was; the next
/// look tries again.
pub type PagingFailures = Vec<(&'static str, crate::StoreError)>;

impl Store {
    /// One look of the paging engine at `now`, in its order: the pages transactions
    /// handed over, then lapsed acknowledgements, due escalation steps, response
    /// breaches, overdue updates, action item reminders, and up to `limit` queued
    /// notifications. Each step's claimed notifications go to `send` as soon as it is
    /// done (a page handed over goes out before the rest of the look runs); answers
    /// what failed.
    pub async fn paging_round(
        &self,
        now: Timestamp,
        limit: i64,
        mut send: impl FnMut(Vec<Notification>),
    ) -> PagingFailures {
        let mut failures = Vec::new();
        let mut keep = |what: &'static str, result: StoreResult<Vec<Notification>>| match result {
            Ok(claimed) => send(claimed),
            Err(error) => failures.push((what, error)),
        };
        keep(
            "reading handed-over notifications",
            self.take_handed().await,
        );
        keep(
            "lapsing acknowledgements",
            self.run_ack_timeouts(now).await.map(|_| Vec::new()),
        );
        keep("firing escalation steps", self.run_escalations(now).await);
        keep("recording response breaches", self.run_breaches(now).await);
        keep(
            "recording overdue updates",
            self.run_update_reminders(now).await,
        );
        keep(
            "reminding action item owners",
            self.run_action_reminders(now).await,
        );
        keep(
            "claiming notifications",
            self.claim_notifications(now, limit).await,
        );
        failures
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
