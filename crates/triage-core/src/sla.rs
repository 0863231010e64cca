//! The response-time SLA: from detection to acknowledgement, against the priority's
//! response time (DESIGN.md: P1 15 min, P2 1 h, P3 4 h, P4 24 h).

use jiff::{SignedDuration, Timestamp};

use crate::Priority;
use crate::duration::format_duration;

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

/// When the response is due for an incident of `priority` detected at `detected`.
pub fn due(priority: Priority, detected: Timestamp) -> Timestamp {
    detected + priority.response_sla()
}

/// The incident's response against its SLA at `now`; none without a priority.
pub fn response(
    priority: Option<Priority>,
    detected: Timestamp,
    acknowledged: Option<Timestamp>,
    now: Timestamp,
) -> Option<Response> {
    let priority = priority?;
    let due = due(priority, detected);
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
        let minutes = |d: SignedDuration| {
            format_duration(
                SignedDuration::from_secs(d.as_secs().max(0) / 60 * 60)
                    .max(SignedDuration::from_mins(1)),
            )
        };
        match *self {
            Response::Running { due } => format!("{} left", minutes(due.duration_since(now))),
            Response::Met {
                after,
                within: true,
            } => format!("met in {}", minutes(after)),
            Response::Met {
                after,
                within: false,
            } => format!("acknowledged late, after {}", minutes(after)),
            Response::Breached { due } => {
                format!("breached {} ago", minutes(now.duration_since(due)))
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
        let running = response(Some(Priority::P1), detected, None, now).unwrap();
        assert_eq!(
            running,
            Response::Running {
                due: ts("2026-11-23T10:15:00Z")
            }
        );
        assert_eq!(running.describe(now), "11m left");
        let met = response(
            Some(Priority::P1),
            detected,
            Some(ts("2026-11-23T10:04:00Z")),
            now,
        )
        .unwrap();
        assert_eq!(met.describe(now), "met in 4m");
        let late = response(
            Some(Priority::P1),
            detected,
            Some(ts("2026-11-23T10:20:00Z")),
            now,
        )
        .unwrap();
        assert_eq!(late.describe(now), "acknowledged late, after 20m");
        let later = ts("2026-11-23T11:15:00Z");
        let breached = response(Some(Priority::P1), detected, None, later).unwrap();
        assert_eq!(breached.describe(later), "breached 1h ago");
        // P4 has a day; no priority, no clock.
        assert_eq!(due(Priority::P4, detected), ts("2026-11-24T10:00:00Z"));
        assert_eq!(response(None, detected, None, now), None);
    }
}
