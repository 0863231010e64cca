//! A component's uptime, day by day, from the public incidents that affected it: what
//! the status page's history bars show. As on Atlassian Statuspage, a major outage
//! counts fully as downtime, a partial outage at 30 %, degraded performance and
//! maintenance not at all; overlapping incidents count once, at the worse status.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::ComponentStatus;

/// A stretch of time during which an incident held a component at a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stretch {
    pub from: Timestamp,
    pub until: Timestamp,
    pub status: ComponentStatus,
}

/// One day of one component's history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub date: Date,
    /// False for days before the component existed, and for days still to come.
    pub observed: bool,
    /// The worst status any incident held the component at that day.
    pub worst: ComponentStatus,
    /// Seconds of downtime, weighted by status.
    pub downtime: f64,
    /// Seconds observed that day (a whole day, less for today and the day it began).
    pub seconds: f64,
}

impl Day {
    /// The share of the day the component was up, 0 to 1.
    pub fn uptime(&self) -> f64 {
        if self.seconds <= 0.0 {
            1.0
        } else {
            1.0 - self.downtime / self.seconds
        }
    }
}

/// How much of a stretch at `status` counts as downtime.
pub fn weight(status: ComponentStatus) -> f64 {
    match status {
        ComponentStatus::MajorOutage => 1.0,
        ComponentStatus::PartialOutage => 0.3,
        _ => 0.0,
    }
}

/// The last `days` UTC days up to and including the one holding `now`, oldest first,
/// for a component that exists since `since`.
pub fn daily(stretches: &[Stretch], since: Timestamp, days: u32, now: Timestamp) -> Vec<Day> {
    let today = now.to_zoned(TimeZone::UTC).date();
    (0..days)
        .rev()
        .map(|back| {
            let date = today
                .checked_sub(SignedDuration::from_hours(24 * i64::from(back)))
                .unwrap_or(today);
            day(stretches, since, date, now)
        })
        .collect()
}

fn day(stretches: &[Stretch], since: Timestamp, date: Date, now: Timestamp) -> Day {
    let start = date
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(now);
    let end = (start + SignedDuration::from_hours(24)).min(now);
    let begin = start.max(since);
    let mut result = Day {
        date,
        observed: begin < end,
        worst: ComponentStatus::Operational,
        downtime: 0.0,
        seconds: 0.0,
    };
    if !result.observed {
        return result;
    }
    result.seconds = end.duration_since(begin).as_secs_f64();
    // Every moment where some stretch starts or ends cuts the day into pieces; each piece
    // counts at the worst status held during it.
    let inside: Vec<Stretch> = stretches
        .iter()
        .filter(|s| s.from < end && s.until > begin)
        .map(|s| Stretch {
            from: s.from.max(begin),
            until: s.until.min(end),
            status: s.status,
        })
        .collect();
    let mut cuts: Vec<Timestamp> = inside.iter().flat_map(|s| [s.from, s.until]).collect();
    cuts.sort();
    cuts.dedup();
    for piece in cuts.windows(2) {
        let (from, until) = (piece[0], piece[1]);
        let held = inside
            .iter()
            .filter(|s| s.from <= from && s.until >= until)
            .map(|s| s.status)
            .max();
        if let Some(status) = held {
            result.worst = result.worst.max(status);
            result.downtime += weight(status) * until.duration_since(from).as_secs_f64();
        }
    }
    result
}

/// The uptime over the observed days, 0 to 1.
pub fn overall_uptime(days: &[Day]) -> f64 {
    let seconds: f64 = days.iter().map(|d| d.seconds).sum();
    let downtime: f64 = days.iter().map(|d| d.downtime).sum();
    if seconds <= 0.0 {
        1.0
    } else {
        1.0 - downtime / seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComponentStatus::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn stretch(from: &str, until: &str, status: ComponentStatus) -> Stretch {
        Stretch {
            from: at(from),
            until: at(until),
            status,
        }
    }

    #[test]
    fn a_quiet_component_is_up_every_day_it_existed() {
        let now = at("2026-11-23T12:00:00Z");
        let days = daily(&[], at("2026-11-21T06:00:00Z"), 5, now);
        assert_eq!(days.len(), 5);
        assert_eq!(days[0].date.to_string(), "2026-11-19");
        assert_eq!(days[4].date.to_string(), "2026-11-23");
        assert!(!days[0].observed && !days[1].observed);
        assert!(days[2].observed);
        assert_eq!(days[2].seconds, 18.0 * 3600.0, "from its creation");
        assert_eq!(days[4].seconds, 12.0 * 3600.0, "up to now");
        assert_eq!(overall_uptime(&days), 1.0);
    }

    #[test]
    fn outages_weigh_by_status_and_overlaps_count_once() {
        let now = at("2026-11-23T00:00:00Z");
        let since = at("2026-01-01T00:00:00Z");
        let stretches = [
            // 2h major, of which 1h overlaps a partial outage: counts 2h.
            stretch("2026-11-22T10:00:00Z", "2026-11-22T12:00:00Z", MajorOutage),
            stretch(
                "2026-11-22T11:00:00Z",
                "2026-11-22T14:00:00Z",
                PartialOutage,
            ),
            // Degraded: no downtime, but the worst of the day before.
            stretch(
                "2026-11-21T01:00:00Z",
                "2026-11-21T05:00:00Z",
                DegradedPerformance,
            ),
        ];
        // Today has only begun: nothing of it is observed yet.
        let days = daily(&stretches, since, 3, now);
        assert!(!days[2].observed);
        assert_eq!(days[0].worst, DegradedPerformance);
        assert_eq!(days[0].downtime, 0.0);
        assert_eq!(days[1].worst, MajorOutage);
        assert_eq!(days[1].downtime, 2.0 * 3600.0 + 0.3 * 2.0 * 3600.0);
        let expected = 1.0 - (2.6 * 3600.0) / (48.0 * 3600.0);
        assert!((overall_uptime(&days) - expected).abs() < 1e-9);
    }

    #[test]
    fn a_stretch_over_midnight_is_split_between_the_days() {
        let now = at("2026-11-23T06:00:00Z");
        let since = at("2026-01-01T00:00:00Z");
        let stretches = [stretch(
            "2026-11-22T23:00:00Z",
            "2026-11-23T01:00:00Z",
            MajorOutage,
        )];
        let days = daily(&stretches, since, 2, now);
        assert_eq!(days[0].downtime, 3600.0);
        assert_eq!(days[1].downtime, 3600.0);
        assert!((days[1].uptime() - (1.0 - 1.0 / 6.0)).abs() < 1e-9);
    }
}
