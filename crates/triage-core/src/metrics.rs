//! Response metrics over a set of incidents, exactly as `docs/metrics.md` defines them:
//! the mean and nearest-rank percentiles of the times from the signal's start to
//! creation (MTTD), acknowledgement (MTTA), restoration (MTTM) and resolution (MTTR);
//! response-SLA compliance per priority; update-cadence compliance; incidents by
//! severity and by week; recurrence and false-alarm rates.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use crate::{Priority, Severity};

/// A report's window that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadWindow {
    #[error(
        "{0} '{1}' is not allowed: write a duration back from now (30d, 12h), a day \
         (2026-11-01, from 00:00 UTC) or a time (2026-11-01T09:00:00Z)"
    )]
    Unreadable(&'static str, String),
    #[error("the window is empty: since {since} is not before until {until}")]
    Empty { since: Timestamp, until: Timestamp },
}

/// A moment as a report's bounds are written: a duration back from `now`, a day (its
/// start, UTC) or an RFC 3339 time.
fn moment(what: &'static str, text: &str, now: Timestamp) -> Result<Timestamp, BadWindow> {
    let text = text.trim();
    if let Ok(back) = crate::duration::parse_duration(text) {
        return now
            .checked_sub(back)
            .map_err(|_| BadWindow::Unreadable(what, text.to_string()));
    }
    if let Ok(day) = text.parse::<Date>()
        && let Ok(start) = day.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(start.timestamp());
    }
    text.parse::<Timestamp>()
        .map_err(|_| BadWindow::Unreadable(what, text.to_string()))
}

/// The window `[since, until]` as written (`until` is `now` unless given).
pub fn window(
    since: &str,
    until: Option<&str>,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), BadWindow> {
    let start = moment("since", since, now)?;
    let end = match until {
        Some(until) => moment("until", until, now)?,
        None => now,
    };
    if start >= end {
        return Err(BadWindow::Empty {
            since: start,
            until: end,
        });
    }
    Ok((start, end))
}

/// One incident as the metrics read it.
#[derive(Debug, Clone)]
pub struct IncidentFacts {
    /// When the signal started (the first alert, or when it was noticed).
    pub detected_at: Timestamp,
    pub created_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    /// When service was first restored (Monitoring, or a Done status without it).
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub priority: Option<Priority>,
    pub severity: Option<Severity>,
    pub response_due_at: Option<Timestamp>,
    pub false_alarm: bool,
    pub recurrence: bool,
    pub updates_kept: u32,
    pub updates_missed: u32,
    /// The services it is on.
    pub services: Vec<String>,
}

/// A distribution of durations, in whole seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// How many incidents it is measured over.
    pub count: usize,
    /// The arithmetic mean, rounded to the nearest second.
    pub mean_seconds: Option<i64>,
    /// Nearest-rank percentiles: the value at rank ⌈p·n/100⌉ of the sorted values.
    pub p50_seconds: Option<i64>,
    pub p90_seconds: Option<i64>,
}

/// A share: `part` of `whole`, and as a percentage rounded to one decimal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratio {
    pub part: u64,
    pub whole: u64,
    pub percent: Option<f64>,
}

impl Ratio {
    pub fn of(part: u64, whole: u64) -> Ratio {
        let percent = (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0);
        Ratio {
            part,
            whole,
            percent,
        }
    }
}

/// Response-SLA compliance of one priority.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaLine {
    pub priority: String,
    /// Acknowledged by the deadline.
    pub met: u64,
    /// Acknowledged late, or not acknowledged and the deadline has passed (an incident
    /// finished before its deadline, unacknowledged, counts neither way).
    pub breached: u64,
    /// Not acknowledged, the deadline still ahead: not counted yet.
    pub pending: u64,
    /// `met` of `met + breached`.
    pub compliance: Ratio,
}

/// A count under a name (a severity, a service, a week's Monday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub name: String,
    pub incidents: u64,
}

/// Every figure the incidents give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub incidents: u64,
    pub mttd: Summary,
    pub mtta: Summary,
    pub mttm: Summary,
    pub mttr: Summary,
    pub response_sla: Vec<SlaLine>,
    pub update_cadence: Ratio,
    pub by_severity: Vec<Count>,
    pub by_week: Vec<Count>,
    /// Incidents per service, most first (an incident on two services counts in both).
    pub by_service: Vec<Count>,
    pub recurrence: Ratio,
    pub false_alarms: Ratio,
}

/// The summary of `seconds` (negative values count as 0). Percentiles are selected in
/// place, not sorted for: a window of a million incidents is summarized in linear time.
pub fn summarize(mut seconds: Vec<i64>) -> Summary {
    if seconds.is_empty() {
        return Summary::default();
    }
    for s in &mut seconds {
        *s = (*s).max(0);
    }
    let n = seconds.len();
    let total: i128 = seconds.iter().map(|s| i128::from(*s)).sum();
    let count = n as i128;
    let mean = i64::try_from((2 * total + count) / (2 * count)).unwrap_or(i64::MAX);
    let index = |p: usize| (p * n).div_ceil(100).max(1) - 1;
    // The 90th first: what it leaves below it holds the 50th.
    let (below, p90, _) = seconds.select_nth_unstable(index(90));
    let p90 = *p90;
    let p50 = if index(50) == index(90) {
        p90
    } else {
        *below.select_nth_unstable(index(50)).1
    };
    Summary {
        count: n,
        mean_seconds: Some(mean),
        p50_seconds: Some(p50),
        p90_seconds: Some(p90),
    }
}

fn seconds(from: Timestamp, to: Timestamp) -> i64 {
    to.duration_since(from).as_secs()
}

/// The Monday (UTC) of the week `at` falls in.
fn week_of(at: Timestamp) -> Date {
    let day = at.to_zoned(jiff::tz::TimeZone::UTC).date();
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// Adds each count of `from` to the same key's in `into`.
fn add_counts<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (key, n) in from {
        *into.entry(key).or_default() += n;
    }
}

/// Response-SLA outcomes of one priority: met, breached, pending.
type SlaCounts = [u64; 3];

/// What a set of incidents adds up to, in a form that can be stored and merged: the
/// store tallies each day's incidents once and keeps the tally, and a window of whole
/// days is the merge of its days' tallies. Merging then finishing gives exactly the
/// figures of tallying every incident at once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    incidents: u64,
    /// Seconds from the signal's start to creation, acknowledgement, restoration and
    /// resolution; false alarms are left out of the last two.
    mttd: Vec<i64>,
    mtta: Vec<i64>,
    mttm: Vec<i64>,
    mttr: Vec<i64>,
    /// By priority rank.
    sla: BTreeMap<u8, SlaCounts>,
    kept: u64,
    missed: u64,
    /// By severity rank, `u8::MAX` for none.
    severities: BTreeMap<u8, u64>,
    /// By the Monday of the week they were created in.
    weeks: BTreeMap<Date, u64>,
    services: BTreeMap<String, u64>,
    recurrences: u64,
    false_alarms: u64,
}

impl Tally {
    /// The tally of `incidents`, SLA deadlines judged at `now`.
    pub fn of(incidents: &[IncidentFacts], now: Timestamp) -> Tally {
        let mut tally = Tally::default();
        for incident in incidents {
            tally.add(incident, now);
        }
        tally
    }

    /// Counts one incident in, its SLA deadline judged at `now`.
    pub fn add(&mut self, i: &IncidentFacts, now: Timestamp) {
        self.incidents += 1;
        self.mttd.push(seconds(i.detected_at, i.created_at));
        if let Some(at) = i.acknowledged_at {
            self.mtta.push(seconds(i.detected_at, at));
        }
        if i.false_alarm {
            self.false_alarms += 1;
        } else {
            if let Some(at) = i.mitigated_at {
                self.mttm.push(seconds(i.detected_at, at));
            }
            if let Some(at) = i.resolved_at {
                self.mttr.push(seconds(i.detected_at, at));
            }
        }
        if let (Some(priority), Some(due)) = (i.priority, i.response_due_at) {
            let line = self.sla.entry(priority.rank()).or_default();
            match i.acknowledged_at {
                Some(at) if at <= due => line[0] += 1,
                Some(_) => line[1] += 1,
                // Finished before anyone had to answer: nothing was owed.
                None if i.resolved_at.is_some_and(|r| r <= due) => {}
                None if due <= now => line[1] += 1,
                None => line[2] += 1,
            }
        }
        self.kept += u64::from(i.updates_kept);
        self.missed += u64::from(i.updates_missed);
        *self
            .severities
            .entry(i.severity.map_or(u8::MAX, |s| s.rank()))
            .or_default() += 1;
        *self.weeks.entry(week_of(i.created_at)).or_default() += 1;
        for service in &i.services {
            *self.services.entry(service.clone()).or_default() += 1;
        }
        self.recurrences += u64::from(i.recurrence);
    }

    /// Adds `other`'s incidents to these.
    pub fn merge(&mut self, other: Tally) {
        self.incidents += other.incidents;
        self.mttd.extend(other.mttd);
        self.mtta.extend(other.mtta);
        self.mttm.extend(other.mttm);
        self.mttr.extend(other.mttr);
        for (rank, counts) in other.sla {
            let line = self.sla.entry(rank).or_default();
            for (mine, theirs) in line.iter_mut().zip(counts) {
                *mine += theirs;
            }
        }
        self.kept += other.kept;
        self.missed += other.missed;
        add_counts(&mut self.severities, other.severities);
        add_counts(&mut self.weeks, other.weeks);
        add_counts(&mut self.services, other.services);
        self.recurrences += other.recurrences;
        self.false_alarms += other.false_alarms;
    }

    /// No response deadline is still ahead: the tally no longer depends on when it is
    /// read, only on the incidents.
    pub fn settled(&self) -> bool {
        self.sla.values().all(|line| line[2] == 0)
    }

    /// The figures, with the weeks from `since` to `until` (each week with its count,
    /// none left out).
    pub fn figures(self, since: Timestamp, until: Timestamp) -> Figures {
        let response_sla = self
            .sla
            .into_iter()
            .filter_map(|(rank, [met, breached, pending])| {
                Some(SlaLine {
                    priority: Priority::from_rank(i64::from(rank))?.code().to_string(),
                    met,
                    breached,
                    pending,
                    compliance: Ratio::of(met, met + breached),
                })
            })
            .collect();
        let by_severity = self
            .severities
            .into_iter()
            .map(|(rank, incidents)| Count {
                name: Severity::from_rank(i64::from(rank))
                    .map_or_else(|| "none".to_string(), |s| s.code().to_string()),
                incidents,
            })
            .collect();
        let mut weeks = self.weeks;
        let last = week_of(until);
        let mut monday = week_of(since);
        while monday <= last {
            weeks.entry(monday).or_default();
            monday = monday.checked_add(7.days()).unwrap_or(Date::MAX);
        }
        let by_week = weeks
            .into_iter()
            .map(|(monday, incidents)| Count {
                name: monday.to_string(),
                incidents,
            })
            .collect();
        let mut by_service: Vec<Count> = self
            .services
            .into_iter()
            .map(|(name, incidents)| Count { name, incidents })
            .collect();
        by_service.sort_by(|a, b| b.incidents.cmp(&a.incidents).then(a.name.cmp(&b.name)));
        let total = self.incidents;
        Figures {
            incidents: total,
            mttd: summarize(self.mttd),
            mtta: summarize(self.mtta),
            mttm: summarize(self.mttm),
            mttr: summarize(self.mttr),
            response_sla,
            update_cadence: Ratio::of(self.kept, self.kept + self.missed),
            by_severity,
            by_week,
            by_service,
            recurrence: Ratio::of(self.recurrences, total),
            false_alarms: Ratio::of(self.false_alarms, total),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn mins(m: i64) -> SignedDuration {
        SignedDuration::from_mins(m)
    }

    struct Story {
        detected: &'static str,
        created: i64,
        acknowledged: Option<i64>,
        mitigated: Option<i64>,
        resolved: Option<i64>,
        priority: Option<Priority>,
        severity: Option<Severity>,
        false_alarm: bool,
        recurrence: bool,
        kept: u32,
        missed: u32,
        services: &'static [&'static str],
    }

    fn facts(s: Story) -> IncidentFacts {
        let detected = at(s.detected);
        let after = |m: Option<i64>| m.map(|m| detected + mins(m));
        IncidentFacts {
            detected_at: detected,
            created_at: detected + mins(s.created),
            acknowledged_at: after(s.acknowledged),
            mitigated_at: after(s.mitigated),
            resolved_at: after(s.resolved),
            priority: s.priority,
            severity: s.severity,
            response_due_at: s
                .priority
                .map(|p| detected + crate::sla::ResponseTimes::default().of(p)),
            false_alarm: s.false_alarm,
            recurrence: s.recurrence,
            updates_kept: s.kept,
            updates_missed: s.missed,
            services: s.services.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Five incidents over three weeks, the answers worked out by hand.
    fn seeded() -> Vec<IncidentFacts> {
        use Priority::{P1, P2, P3};
        use Severity::{Sev1, Sev2, Sev3};
        let base = Story {
            detected: "",
            created: 0,
            acknowledged: None,
            mitigated: None,
            resolved: None,
            priority: None,
            severity: None,
            false_alarm: false,
            recurrence: false,
            kept: 0,
            missed: 0,
            services: &["api"],
        };
        [
            Story {
                detected: "2026-11-02T10:00:00Z",
                created: 2,
                acknowledged: Some(10),
                mitigated: Some(30),
                resolved: Some(90),
                priority: Some(P1),
                severity: Some(Sev1),
                kept: 3,
                missed: 1,
                ..base
            },
            Story {
                detected: "2026-11-03T10:00:00Z",
                acknowledged: Some(20),
                mitigated: Some(60),
                resolved: Some(120),
                priority: Some(P1),
                severity: Some(Sev2),
                recurrence: true,
                kept: 1,
                ..base
            },
            Story {
                detected: "2026-11-10T09:00:00Z",
                created: 5,
                priority: Some(P2),
                severity: Some(Sev2),
                ..base
            },
            Story {
                detected: "2026-11-22T23:00:00Z",
                created: 1,
                priority: Some(P3),
                ..base
            },
            Story {
                detected: "2026-11-16T12:00:00Z",
                created: 4,
                acknowledged: Some(6),
                mitigated: Some(8),
                resolved: Some(8),
                priority: Some(P2),
                severity: Some(Sev3),
                false_alarm: true,
                ..base
            },
        ]
        .into_iter()
        .map(facts)
        .collect()
    }

    fn summary(count: usize, mean: i64, p50: i64, p90: i64) -> Summary {
        Summary {
            count,
            mean_seconds: Some(mean),
            p50_seconds: Some(p50),
            p90_seconds: Some(p90),
        }
    }

    #[test]
    fn the_seeded_incidents_give_the_hand_computed_figures() {
        let (since, until) = (at("2026-11-02T00:00:00Z"), at("2026-11-22T23:59:59Z"));
        let f = Tally::of(&seeded(), until).figures(since, until);
        assert_eq!(f.incidents, 5);
        // MTTD: 2, 0, 5, 1, 4 minutes → sorted 0, 60, 120, 240, 300 s.
        assert_eq!(f.mttd, summary(5, 144, 120, 300));
        // MTTA: 10, 20, 6 minutes (the unacknowledged do not count).
        assert_eq!(f.mtta, summary(3, 720, 600, 1200));
        // MTTM and MTTR leave the false alarm out.
        assert_eq!(f.mttm, summary(2, 2700, 1800, 3600));
        assert_eq!(f.mttr, summary(2, 6300, 5400, 7200));
        assert_eq!(
            f.response_sla,
            [
                SlaLine {
                    priority: "P1".into(),
                    met: 1,
                    breached: 1,
                    pending: 0,
                    compliance: Ratio::of(1, 2),
                },
                SlaLine {
                    priority: "P2".into(),
                    met: 1,
                    breached: 1,
                    pending: 0,
                    compliance: Ratio::of(1, 2),
                },
                SlaLine {
                    priority: "P3".into(),
                    met: 0,
                    breached: 0,
                    pending: 1,
                    compliance: Ratio::of(0, 0),
                },
            ]
        );
        assert_eq!(f.response_sla[0].compliance.percent, Some(50.0));
        assert_eq!(f.response_sla[2].compliance.percent, None);
        assert_eq!(f.update_cadence.percent, Some(80.0));
        let counts = |c: &[Count]| -> Vec<(String, u64)> {
            c.iter().map(|c| (c.name.clone(), c.incidents)).collect()
        };
        assert_eq!(
            counts(&f.by_severity),
            [("SEV1", 1), ("SEV2", 2), ("SEV3", 1), ("none", 1)].map(|(n, c)| (n.to_string(), c))
        );
        assert_eq!(
            counts(&f.by_week),
            [("2026-11-02", 2), ("2026-11-09", 1), ("2026-11-16", 2)]
                .map(|(n, c)| (n.to_string(), c))
        );
        assert_eq!(f.recurrence, Ratio::of(1, 5));
        assert_eq!(f.recurrence.percent, Some(20.0));
        assert_eq!(f.false_alarms.percent, Some(20.0));
    }

    #[test]
    fn tallies_merged_after_a_round_trip_give_the_figures_of_all_at_once() {
        let (since, until) = (at("2026-11-02T00:00:00Z"), at("2026-11-22T23:59:59Z"));
        let mut incidents = seeded();
        incidents[0].services.push("web".to_string());
        let whole = Tally::of(&incidents, until);
        let mut merged = Tally::default();
        for incident in &incidents {
            let mut day = Tally::default();
            day.add(incident, until);
            let stored = serde_json::to_string(&day).unwrap();
            merged.merge(serde_json::from_str(&stored).unwrap());
        }
        assert_eq!(
            merged.clone().figures(since, until),
            whole.figures(since, until)
        );
        let by_service = merged.figures(since, until).by_service;
        assert_eq!(
            by_service,
            [
                Count {
                    name: "api".into(),
                    incidents: 5
                },
                Count {
                    name: "web".into(),
                    incidents: 1
                }
            ]
        );
    }

    #[test]
    fn a_tally_is_settled_once_no_deadline_is_ahead() {
        let incidents = seeded();
        // The P3 incident of 22 November, unacknowledged, answers within 4 hours.
        assert!(!Tally::of(&incidents, at("2026-11-22T23:30:00Z")).settled());
        assert!(Tally::of(&incidents, at("2026-11-23T09:00:00Z")).settled());
    }

    proptest::proptest! {
        #[test]
        fn selected_percentiles_are_the_sorted_ranks(
            values in proptest::collection::vec(-10i64..100_000, 1..300),
        ) {
            let mut sorted: Vec<i64> = values.iter().map(|v| (*v).max(0)).collect();
            sorted.sort_unstable();
            let rank = |p: usize| sorted[(p * sorted.len()).div_ceil(100).max(1) - 1];
            let summary = summarize(values);
            proptest::prop_assert_eq!(summary.p50_seconds, Some(rank(50)));
            proptest::prop_assert_eq!(summary.p90_seconds, Some(rank(90)));
        }
    }

    #[test]
    fn windows_read_as_people_write_them() {
        let now = at("2026-11-22T10:00:00Z");
        assert_eq!(
            window("30d", None, now),
            Ok((at("2026-10-23T10:00:00Z"), now))
        );
        assert_eq!(
            window("2026-11-01", Some("2026-11-08T12:00:00Z"), now),
            Ok((at("2026-11-01T00:00:00Z"), at("2026-11-08T12:00:00Z")))
        );
        assert_eq!(
            window("last month", None, now).unwrap_err().to_string(),
            "since 'last month' is not allowed: write a duration back from now (30d, 12h), a day (2026-11-01, from 00:00 UTC) or a time (2026-11-01T09:00:00Z)"
        );
        assert!(matches!(
            window("2026-11-23", None, now),
            Err(BadWindow::Empty { .. })
        ));
    }

    #[test]
    fn percentiles_are_nearest_rank_and_means_round_half_up() {
        assert_eq!(summarize(vec![]), Summary::default());
        assert_eq!(summarize(vec![1, 2]), summary(2, 2, 1, 2));
        assert_eq!(summarize(vec![-5]), summary(1, 0, 0, 0));
        let hundred: Vec<i64> = (1..=100).rev().collect();
        assert_eq!(summarize(hundred), summary(100, 51, 50, 90));
        assert_eq!(Ratio::of(2, 3).percent, Some(66.7));
        // A window of no incidents still lists its weeks.
        let f = Tally::default().figures(at("2026-11-04T00:00:00Z"), at("2026-11-12T00:00:00Z"));
        assert_eq!(f.by_week.len(), 2);
        assert_eq!(f.by_week[0].name, "2026-11-02");
        assert_eq!(f.mtta, Summary::default());
    }
}
