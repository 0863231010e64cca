//! Keeps the report's day tallies current in the background: a report over years merges
//! kept days, and without this the first report after an import, an upgrade or a quiet
//! month would read every incident not yet tallied itself. A minute after start, then
//! every hour by the server's clock, the store tallies the whole days since the oldest
//! incident that no report has kept (`Store::keep_report_days`); a report does the same
//! for its own window.

use jiff::SignedDuration;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

use crate::AppState;

const FIRST: SignedDuration = SignedDuration::from_mins(1);
const EVERY: SignedDuration = SignedDuration::from_hours(1);
/// The longest real wait between looks at the clock.
const LONGEST_SLEEP: SignedDuration = SignedDuration::from_secs(60);

/// Runs until `closing` turns true.
pub async fn run(state: AppState, mut closing: watch::Receiver<bool>) {
    let jumped = Arc::new(Notify::new());
    let wake = jumped.clone();
    state.clock.on_jump(Box::new(move || wake.notify_one()));
    let mut due = state.now() + FIRST;
    loop {
        let now = state.now();
        if now >= due {
            // Shutting down does not wait for a long tally: the next start does it again.
            tokio::select! {
                kept = state.store.keep_report_days(now) => {
                    if let Err(error) = kept {
                        tracing::warn!(%error, "keeping the report's day tallies failed");
                    }
                }
                _ = closing.changed() => return,
            }
            due = now + EVERY;
        }
        let woken = jumped.notified();
        if !crate::clock::wait_until(now, Some(due), LONGEST_SLEEP, woken, &mut closing).await {
            return;
        }
    }
}
