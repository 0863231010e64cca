//! The response-time SLA: from detection to acknowledgement, against the priority's
//! response time (DESIGN.md: P1 15 min, P2 1 h, P3 4 h, P4 24 h; a server may set its
//! own table).

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::Priority;
use crate::duration::{format_duration, format_minutes, parse_duration};

/// The response time each priority promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseTimes([SignedDuration; 4]);

impl Default for ResponseTimes {
    /// DESIGN.md's table.
    fn default() -> Self {
        Self(Priority::ALL.map(Priority::response_sla))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "response time '{0}' is not allowed: write PRIORITY=DURATION, e.g. P1=15m or P3=4h, \
     for P1 to P4"
)]
pub struct BadResponseTime(pub String);

impl ResponseTimes {
    /// The time to acknowledgement `priority` promises.
    pub fn of(&self, priority: Priority) -> SignedDuration {
        self.0[usize::from(priority.rank() - 1)]
    }

    /// The default table with `settings` (`P1=10m`, `P4=2d`) changed; a later setting of
    /// a priority wins.
    pub fn with<'a>(
        settings: impl IntoIterator<Item = &'a str>,
    ) -> Result<ResponseTimes, BadResponseTime> {
        let mut times = ResponseTimes::default();
        for setting in settings {
            let bad = || BadResponseTime(setting.to_string());
            let (priority, duration) = setting.split_once('=').ok_or_else(bad)?;
            let priority = Priority::parse(priority).map_err(|_| bad())?;
            let duration = parse_duration(duration).map_err(|_| bad())?;
            times.0[usize::from(priority.rank() - 1)] = duration;
        }
        Ok(times)
    }

    /// When the response is due for an incident of `priority` detected at `detected`.
    pub fn due(&self, priority: Priority, detected: Timestamp) -> Timestamp {
        detected + self.of(priority)
    }
}

impl fmt::Display for ResponseTimes {
    /// `P1=15m, P2=1h, P3=4h, P4=1d`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, priority) in Priority::ALL.into_iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(
                f,
                "{}={}",
                priority.code(),
                format_duration(self.of(priority))
            )?;
        }
        Ok(())
    }
}

/// Where an incident stands against its response time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Not acknowledged yet; `due` is the deadline.
    Running { due: Timestamp },
    /// Acknowledged `after` detection, within the response time or not.
    Met { after: SignedDuration, within: bool },
    /// Not acknowledged, and the deadline has passed.
    Breached { due: Timestamp },
}

/// The incident's response against its deadline `due` at `now`; none without a
/// deadline (an incident without a priority).
pub fn response(
    due: Option<Timestamp>,
    detected: Timestamp,
    acknowledged: Option<Timestamp>,
    now: Timestamp,
) -> Option<Response> {
    let due = due?;
    Some(match acknowledged {
        Some(at) => Response::Met {
            after: at.duration_since(detected),
            within: at <= due,
        },
        None if now < due => Response::Running { due },
        None => Response::Breached { due },
    })
}

impl Response {
    /// As the console and CLI say it at `now`: "12m left", "met in 4m", "breached 3m ago".
    pub fn describe(&self, now: Timestamp) -> String {
        match *self {
            Response::Running { due } => {
                format!("{} left", format_minutes(due.duration_since(now)))
            }
            Response::Met {
                after,
                within: true,
            } => format!("met in {}", format_minutes(after)),
            Response::Met {
                after,
                within: false,
            } => format!("acknowledged late, after {}", format_minutes(after)),
            Response::Breached { due } => {
                format!("breached {} ago", format_minutes(now.duration_since(due)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_clock_runs_from_detection_to_acknowledgement() {
        let detected = ts("2026-11-23T10:00:00Z");
        let now = ts("2026-11-23T10:03:30Z");
        let p1 = Some(ResponseTimes::default().due(Priority::P1, detected));
        let running = response(p1, detected, None, now).unwrap();
        assert_eq!(
            running,
            Response::Running {
                due: ts("2026-11-23T10:15:00Z")
            }
        );
        assert_eq!(running.describe(now), "11m left");
        let met = response(p1, detected, Some(ts("2026-11-23T10:04:00Z")), now).unwrap();
        assert_eq!(met.describe(now), "met in 4m");
        let late = response(p1, detected, Some(ts("2026-11-23T10:20:00Z")), now).unwrap();
        assert_eq!(late.describe(now), "acknowledged late, after 20m");
        let later = ts("2026-11-23T11:15:00Z");
        let breached = response(p1, detected, None, later).unwrap();
        assert_eq!(breached.describe(later), "breached 1h ago");
        // P4 has a day; no priority, no clock.
        assert_eq!(
            ResponseTimes::default().due(Priority::P4, detected),
            ts("2026-11-24T10:00:00Z")
        );
        assert_eq!(response(None, detected, None, now), None);
    }

    #[test]
    fn a_server_may_set_its_own_response_times() {
        let times = ResponseTimes::with(["P1=5m", "Low=2d", "p1=10m"]).unwrap();
        assert_eq!(times.of(Priority::P1), SignedDuration::from_mins(10));
        assert_eq!(times.of(Priority::P2), SignedDuration::from_hours(1));
        assert_eq!(times.of(Priority::P4), SignedDuration::from_hours(48));
        assert_eq!(times.to_string(), "P1=10m, P2=1h, P3=4h, P4=2d");
        for bad in ["P1", "P5=1h", "P1=0s", "P1=-5m", "P2=soon"] {
            let error = ResponseTimes::with([bad]).unwrap_err();
            assert!(error.to_string().contains("P1=15m"), "{error}");
        }
    }
}
