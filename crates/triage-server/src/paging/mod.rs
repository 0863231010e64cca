//! The paging engine: fires due escalation steps, records response-time breaches and
//! overdue stakeholder updates, reminds owners of due action items, and delivers the outbox and what status page
//! subscribers are sent. It runs beside
//! the HTTP server, sleeps until the next deadline the database holds, and is woken at
//! once when an incident starts escalating (and when a test clock jumps), so a page goes
//! out within milliseconds of the incident, not at the next look. Several servers on
//! one PostgreSQL database may run it together: the store claims each escalation and
//! each notification for one of them.

mod deliver;
mod outbound;

pub(crate) use deliver::{Request, post};
pub(crate) use outbound::Email;

pub use outbound::{Mail, Outbound};

use jiff::SignedDuration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use triage_store::Notification;

use crate::AppState;

/// The longest the engine sleeps without looking: another server may have queued work.
const LONGEST_SLEEP: SignedDuration = SignedDuration::from_secs(5);
/// Notifications delivered per look, at once.
const DELIVERIES: i64 = 256;

/// Runs the engine until `closing` turns true.
pub async fn run(state: AppState, mut closing: watch::Receiver<bool>) {
    let wake = state.store.paging_wake();
    let on_jump = wake.clone();
    state.clock.on_jump(Box::new(move || on_jump.notify()));
    loop {
        look(&state).await;
        let next = match state.store.next_paging_deadline().await {
            Ok(next) => next,
            Err(error) => {
                tracing::warn!(%error, "reading the next paging deadline failed");
                None
            }
        };
        let woken = wake.notified();
        if !crate::clock::wait_until(state.now(), next, LONGEST_SLEEP, woken, &mut closing).await {
            return;
        }
    }
}

/// Sends what transactions handed over, fires what is due and delivers what is queued,
/// until nothing more is due now.
async fn look(state: &AppState) {
    loop {
        let now = state.now();
        let mut sending = Vec::new();
        let failures = state
            .store
            .paging_round(now, DELIVERIES, |claimed| {
                sending.extend(send(state, claimed));
            })
            .await;
        for (what, error) in &failures {
            tracing::warn!(%error, "{what} failed");
        }
        match state
            .store
            .claim_subscriber_deliveries(now, DELIVERIES)
            .await
        {
            Ok(claimed) => sending.extend(crate::statuspage::deliver(state, claimed).await),
            Err(error) => tracing::warn!(%error, "claiming subscriber deliveries failed"),
        }
        if sending.is_empty() {
            return;
        }
        for delivery in sending {
            let _ = delivery.await;
        }
    }
}

/// Starts delivering each of `claimed` and recording how it went.
fn send(state: &AppState, claimed: Vec<Notification>) -> Vec<JoinHandle<()>> {
    let public = state.outbound.public_url.clone();
    claimed
        .into_iter()
        .map(|notification| {
            let state = state.clone();
            let public = public.clone();
            tokio::spawn(async move {
                let key = match state.links.get(&state).await {
                    Ok(key) => Some(key.to_string()),
                    Err(error) => {
                        tracing::warn!(%error, "reading the acknowledge links' key failed");
                        None
                    }
                };
                let links = deliver::Links {
                    incident: public.as_ref().map(|url| {
                        format!(
                            "{}/incidents/{}",
                            url.trim_end_matches('/'),
                            notification.incident
                        )
                    }),
                    acknowledge: public
                        .as_ref()
                        .zip(key)
                        .map(|(url, key)| crate::ack_link::link(url, &key, notification.id)),
                };
                let attempt =
                    deliver::send(&notification, &links, &state.outbound, state.now()).await;
                if let Err(error) = state
                    .store
                    .finish_notification(notification.id, attempt, state.now())
                    .await
                {
                    tracing::warn!(%error, id = notification.id, "recording a delivery failed");
                }
            })
        })
        .collect()
}
