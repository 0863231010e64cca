//! Time is injected: the core and the store never read the wall clock themselves.
//!
//! The server passes a [`Clock`] down; production uses the system clock (in
//! `triage-server`), tests use [`ManualClock`] and advance it instead of sleeping.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// A source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// A clock that only moves when told to. For tests of anything time-dependent.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut now = self.now.lock().expect("clock lock poisoned");
        *now = now.checked_add(by).expect("clock advanced out of range");
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().expect("clock lock poisoned") = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().expect("clock lock poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(SignedDuration::from_mins(15));
        assert_eq!(clock.now().to_string(), "2026-01-01T00:15:00Z");
    }
}
