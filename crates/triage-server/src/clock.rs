//! The one place that reads the wall clock. Everything else gets time from a
//! [`Clock`], so tests can drive it.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use triage_core::clock::Clock;

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Waits until `due` by the server's clock (from `now`; no deadline waits `longest`), at
/// most `longest` of real time — the clock may be a test clock, which jumps — or until
/// `woken` resolves. Answers false when the server is closing.
pub(crate) async fn wait_until(
    now: Timestamp,
    due: Option<Timestamp>,
    longest: SignedDuration,
    woken: impl Future<Output = ()>,
    closing: &mut watch::Receiver<bool>,
) -> bool {
    let wait = due
        .map(|at| at.duration_since(now))
        .unwrap_or(longest)
        .clamp(SignedDuration::ZERO, longest);
    let wait = Duration::try_from(wait).unwrap_or(Duration::ZERO);
    tokio::select! {
        _ = woken => {}
        _ = tokio::time::sleep(wait) => {}
        _ = closing.changed() => return false,
    }
    !*closing.borrow()
}
