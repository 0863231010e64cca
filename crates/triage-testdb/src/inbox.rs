//! What a test receiver (the webhook receiver, the SMTP sink) has received, and waiting
//! for it on a condition rather than sleeping.

use std::fmt::Debug;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct Inbox<T> {
    items: Mutex<Vec<T>>,
    arrived: Condvar,
}

impl<T> Default for Inbox<T> {
    fn default() -> Self {
        Self {
            items: Mutex::default(),
            arrived: Condvar::new(),
        }
    }
}

impl<T: Clone + Debug> Inbox<T> {
    pub fn push(&self, item: T) {
        self.items.lock().unwrap().push(item);
        self.arrived.notify_all();
    }

    /// Everything so far.
    pub fn all(&self) -> Vec<T> {
        self.items.lock().unwrap().clone()
    }

    /// Waits at most `longest` until `count` `things` have come; answers them all.
    pub fn wait_at_most(&self, count: usize, longest: Duration, things: &str) -> Vec<T> {
        let deadline = Instant::now() + longest;
        let mut items = self.items.lock().unwrap();
        while items.len() < count {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "expected {count} {things}, got {}: {items:?}",
                items.len()
            );
            items = self.arrived.wait_timeout(items, left).unwrap().0;
        }
        items.clone()
    }
}
