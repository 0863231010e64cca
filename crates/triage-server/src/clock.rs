//! The one place that reads the wall clock. Everything else gets time from a
//! [`Clock`], so tests can drive it.

use jiff::Timestamp;
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
