//! Time is injected: the core and the store never read the wall clock themselves.
//!
//! The server passes a [`Clock`] down; production uses the system clock (in
//! `triage-server`), tests use [`ManualClock`] and advance it instead of sleeping.

use std::sync::Mutex;

use jiff::{SignedDuration, Timestamp};

/// A source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;

    /// Calls `wake` whenever time jumps rather than flows (a test clock set forward), so
    /// that whoever waits for a deadline looks again. Real time only flows: nothing to do.
    fn on_jump(&self, wake: Box<dyn Fn() + Send + Sync>) {
        let _ = wake;
    }
}

/// A clock that only moves when told to. For tests of anything time-dependent.
pub struct ManualClock {
    now: Mutex<Timestamp>,
    watchers: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            now: Mutex::new(start),
            watchers: Mutex::new(Vec::new()),
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        {
            let mut now = self.now.lock().expect("clock lock poisoned");
            *now = now.checked_add(by).expect("clock advanced out of range");
        }
        self.jumped();
    }

    pub fn set(&self, to: Timestamp) {
        *self.now.lock().expect("clock lock poisoned") = to;
        self.jumped();
    }

    fn jumped(&self) {
        for wake in self.watchers.lock().expect("clock lock poisoned").iter() {
            wake();
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.lock().expect("clock lock poisoned")
    }

    fn on_jump(&self, wake: Box<dyn Fn() + Send + Sync>) {
        self.watchers
            .lock()
            .expect("clock lock poisoned")
            .push(wake);
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
