//! The review checklist: five questions a post-incident review asks of every incident,
//! answered from what Triage recorded — never ticked by hand. Each answer carries its
//! evidence (times, counts) or says what is missing.

use jiff::Timestamp;
use serde::Serialize;

use crate::duration::format_minutes;

/// How one question was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Met,
    Missing,
    /// The question does not apply (a false alarm has nothing to follow up).
    NotApplicable,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Met => "met",
            Answer::Missing => "missing",
            Answer::NotApplicable => "not_applicable",
        }
    }
}

/// One question of the checklist, answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Detection, Response, Communication, Mitigation or Follow-up.
    pub name: &'static str,
    pub answer: Answer,
    /// The evidence, or what is missing.
    pub evidence: String,
    /// Where on the incident's page the evidence is: `timeline`, `updates`, …
    pub anchor: &'static str,
}

/// An action item as the checklist sees it.
#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub id: i64,
    pub has_owner: bool,
    pub has_due: bool,
    pub done: bool,
    pub verified: bool,
}

/// What the checklist is computed from.
#[derive(Debug, Clone)]
pub struct Facts {
    /// `monitoring` or `user_report`.
    pub detection_source: String,
    pub detected_at: Timestamp,
    /// Alerts attached to it, and when the first started.
    pub alerts: usize,
    pub first_alert: Option<Timestamp>,
    /// `P1` …; none without a priority.
    pub priority: Option<String>,
    pub response_due_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
    /// When each stakeholder update was posted, oldest first; how many went to the
    /// status page.
    pub updates: Vec<Timestamp>,
    pub public_updates: usize,
    /// Update intervals kept and missed under the severity's cadence.
    pub updates_kept: u32,
    pub updates_missed: u32,
    /// When it first reached Monitoring (service restored), if it did.
    pub monitoring_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// When the root cause was first written up (a comment or transition naming it).
    pub root_cause_at: Option<Timestamp>,
    pub action_items: Vec<ItemFacts>,
    /// Resolved as a false alarm: nothing to restore or follow up.
    pub false_alarm: bool,
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

fn after(facts: &Facts, at: Timestamp) -> String {
    format_minutes(at.duration_since(facts.detected_at))
}

fn check(name: &'static str, anchor: &'static str, met: bool, evidence: String) -> Check {
    Check {
        name,
        answer: if met { Answer::Met } else { Answer::Missing },
        evidence,
        anchor,
    }
}

fn detection(f: &Facts) -> Check {
    let evidence = match (f.detection_source.as_str(), f.first_alert) {
        ("monitoring", Some(first)) => format!(
            "Detected by monitoring: {} alert{}, the first firing at {}",
            f.alerts,
            if f.alerts == 1 { "" } else { "s" },
            utc(first)
        ),
        ("monitoring", None) => format!(
            "Recorded as detected by monitoring at {}, with no alert attached",
            utc(f.detected_at)
        ),
        _ => format!("Reported by a user at {}", utc(f.detected_at)),
    };
    let anchor = if f.first_alert.is_some() {
        "alerts"
    } else {
        "timeline"
    };
    check("Detection", anchor, true, evidence)
}

fn response(f: &Facts) -> Check {
    let name = "Response";
    let (Some(priority), Some(due)) = (&f.priority, f.response_due_at) else {
        return check(
            name,
            "timeline",
            false,
            "No priority was set, so no response time applied".to_string(),
        );
    };
    let allowed = format_minutes(due.duration_since(f.detected_at));
    match f.acknowledged_at {
        Some(at) if at <= due => check(
            name,
            "timeline",
            true,
            format!(
                "Acknowledged at {}, {} after detection, within {priority}'s {allowed}",
                utc(at),
                after(f, at)
            ),
        ),
        Some(at) => check(
            name,
            "timeline",
            false,
            format!(
                "Acknowledged at {}, {} after detection: {priority} allows {allowed}",
                utc(at),
                after(f, at)
            ),
        ),
        None => check(
            name,
            "timeline",
            false,
            format!(
                "Never acknowledged: {priority} asked for it by {}",
                utc(due)
            ),
        ),
    }
}

fn communication(f: &Facts) -> Check {
    let name = "Communication";
    let Some(first) = f.updates.first() else {
        return check(
            name,
            "updates",
            false,
            "No status-page or stakeholder update was posted".to_string(),
        );
    };
    let mut evidence = format!(
        "{} update{} posted, the first at {} ({} after detection)",
        f.updates.len(),
        if f.updates.len() == 1 { "" } else { "s" },
        utc(*first),
        after(f, *first)
    );
    if f.public_updates > 0 {
        evidence.push_str(&format!(", {} on the status page", f.public_updates));
    }
    let intervals = f.updates_kept + f.updates_missed;
    if f.updates_missed > 0 {
        evidence.push_str(&format!(
            "; the cadence was missed {} time{} (kept {} of {intervals})",
            f.updates_missed,
            if f.updates_missed == 1 { "" } else { "s" },
            f.updates_kept
        ));
    } else if intervals > 0 {
        evidence.push_str(&format!(
            "; the cadence was kept ({intervals} of {intervals})"
        ));
    }
    check(name, "updates", f.updates_missed == 0, evidence)
}

fn mitigation(f: &Facts) -> Check {
    let name = "Mitigation";
    if f.false_alarm {
        return Check {
            name,
            answer: Answer::NotApplicable,
            evidence: "A false alarm: there was nothing to restore".to_string(),
            anchor: "timeline",
        };
    }
    let restored = f.monitoring_at.or(f.resolved_at);
    let how = if f.monitoring_at.is_some() {
        "Service restored (Monitoring)"
    } else {
        "Resolved without Monitoring"
    };
    match (restored, f.root_cause_at) {
        (None, _) => check(
            name,
            "timeline",
            false,
            "Service is not restored yet: Monitoring was not reached".to_string(),
        ),
        (Some(at), Some(cause)) if cause < at => check(
            name,
            "timeline",
            false,
            format!(
                "The root cause was written up at {}, before service was restored at {}: \
                 restore first, explain after",
                utc(cause),
                utc(at)
            ),
        ),
        (Some(at), cause) => {
            let mut evidence = format!("{how} at {}, {} after detection", utc(at), after(f, at));
            if let Some(cause) = cause {
                evidence.push_str(&format!("; the root cause written up at {}", utc(cause)));
            }
            check(name, "timeline", true, evidence)
        }
    }
}

fn follow_up(f: &Facts) -> Check {
    let name = "Follow-up";
    if f.action_items.is_empty() {
        if f.false_alarm {
            return Check {
                name,
                answer: Answer::NotApplicable,
                evidence: "A false alarm: no action items needed".to_string(),
                anchor: "action-items-heading",
            };
        }
        return check(
            name,
            "action-items-heading",
            false,
            "No action items were recorded".to_string(),
        );
    }
    let mut gaps = Vec::new();
    for item in &f.action_items {
        let lacks: Vec<&str> = [(!item.has_owner, "no owner"), (!item.has_due, "no due day")]
            .into_iter()
            .filter_map(|(lacking, what)| lacking.then_some(what))
            .collect();
        if !lacks.is_empty() {
            gaps.push(format!("#{} has {}", item.id, lacks.join(" and ")));
        }
    }
    let done = f.action_items.iter().filter(|i| i.done).count();
    let verified = f.action_items.iter().filter(|i| i.verified).count();
    let count = f.action_items.len();
    let tally = format!(
        "{count} action item{}: {done} done, {verified} verified",
        if count == 1 { "" } else { "s" }
    );
    if gaps.is_empty() {
        let evidence = format!("{tally}; each has an owner and a due day");
        check(name, "action-items-heading", true, evidence)
    } else {
        let evidence = format!("{tally}; {}", gaps.join("; "));
        check(name, "action-items-heading", false, evidence)
    }
}

/// The checklist for an incident: Detection, Response, Communication, Mitigation and
/// Follow-up, in that order.
pub fn checklist(facts: &Facts) -> Vec<Check> {
    vec![
        detection(facts),
        response(facts),
        communication(facts),
        mitigation(facts),
        follow_up(facts),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn at(minute: i64) -> Timestamp {
        "2026-11-22T10:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(minute)
    }

    fn item(id: i64, has_owner: bool, has_due: bool, done: bool) -> ItemFacts {
        ItemFacts {
            id,
            has_owner,
            has_due,
            done,
            verified: false,
        }
    }

    /// A P1 detected by monitoring at 10:00, acknowledged in 5 minutes, updated every
    /// half hour, restored at 10:40, its root cause written at 11:00, two tracked items.
    fn textbook() -> Facts {
        Facts {
            detection_source: "monitoring".to_string(),
            detected_at: at(0),
            alerts: 2,
            first_alert: Some(at(0)),
            priority: Some("P1".to_string()),
            response_due_at: Some(at(15)),
            acknowledged_at: Some(at(5)),
            updates: vec![at(10), at(40)],
            public_updates: 1,
            updates_kept: 2,
            updates_missed: 0,
            monitoring_at: Some(at(40)),
            resolved_at: Some(at(120)),
            root_cause_at: Some(at(60)),
            action_items: vec![item(1, true, true, true), item(2, true, true, false)],
            false_alarm: false,
        }
    }

    fn answers(facts: &Facts) -> Vec<(&'static str, Answer)> {
        checklist(facts)
            .iter()
            .map(|c| (c.name, c.answer))
            .collect()
    }

    #[test]
    fn a_textbook_response_meets_every_item_with_its_evidence() {
        let list = checklist(&textbook());
        assert!(list.iter().all(|c| c.answer == Answer::Met), "{list:?}");
        let evidence: Vec<&str> = list.iter().map(|c| c.evidence.as_str()).collect();
        assert_eq!(
            evidence,
            [
                "Detected by monitoring: 2 alerts, the first firing at 2026-11-22 10:00 UTC",
                "Acknowledged at 2026-11-22 10:05 UTC, 5m after detection, within P1's 15m",
                "2 updates posted, the first at 2026-11-22 10:10 UTC (10m after detection), 1 on the status page; the cadence was kept (2 of 2)",
                "Service restored (Monitoring) at 2026-11-22 10:40 UTC, 40m after detection; the root cause written up at 2026-11-22 11:00 UTC",
                "2 action items: 1 done, 0 verified; each has an owner and a due day",
            ]
        );
    }

    #[test]
    fn histories_with_known_gaps_miss_exactly_those_items() {
        use Answer::{Met, Missing, NotApplicable};
        // Acknowledged late, no update, root cause before restoration, an item unowned.
        let mut late = textbook();
        late.acknowledged_at = Some(at(20));
        late.updates.clear();
        late.public_updates = 0;
        late.root_cause_at = Some(at(30));
        late.action_items[1].has_owner = false;
        late.action_items[1].has_due = false;
        assert_eq!(
            answers(&late),
            [
                ("Detection", Met),
                ("Response", Missing),
                ("Communication", Missing),
                ("Mitigation", Missing),
                ("Follow-up", Missing),
            ]
        );
        let list = checklist(&late);
        assert_eq!(
            list[1].evidence,
            "Acknowledged at 2026-11-22 10:20 UTC, 20m after detection: P1 allows 15m"
        );
        assert_eq!(
            list[3].evidence,
            "The root cause was written up at 2026-11-22 10:30 UTC, before service was restored at 2026-11-22 10:40 UTC: restore first, explain after"
        );
        assert_eq!(
            list[4].evidence,
            "2 action items: 1 done, 0 verified; #2 has no owner and no due day"
        );

        // A user report, never acknowledged, the cadence missed, still being worked.
        let mut open = textbook();
        open.detection_source = "user_report".to_string();
        open.alerts = 0;
        open.first_alert = None;
        open.acknowledged_at = None;
        open.updates_kept = 1;
        open.updates_missed = 2;
        open.monitoring_at = None;
        open.resolved_at = None;
        open.root_cause_at = None;
        open.action_items.clear();
        let list = checklist(&open);
        assert_eq!(
            answers(&open),
            [
                ("Detection", Met),
                ("Response", Missing),
                ("Communication", Missing),
                ("Mitigation", Missing),
                ("Follow-up", Missing),
            ]
        );
        assert_eq!(
            list[0].evidence,
            "Reported by a user at 2026-11-22 10:00 UTC"
        );
        assert_eq!(
            list[1].evidence,
            "Never acknowledged: P1 asked for it by 2026-11-22 10:15 UTC"
        );
        assert!(
            list[2]
                .evidence
                .ends_with("the cadence was missed 2 times (kept 1 of 3)")
        );

        // No priority; a false alarm has nothing to restore or follow up.
        let mut false_alarm = open.clone();
        false_alarm.priority = None;
        false_alarm.response_due_at = None;
        false_alarm.false_alarm = true;
        assert_eq!(
            answers(&false_alarm),
            [
                ("Detection", Met),
                ("Response", Missing),
                ("Communication", Missing),
                ("Mitigation", NotApplicable),
                ("Follow-up", NotApplicable),
            ]
        );

        // Resolved straight away, never through Monitoring: resolution is restoration.
        let mut skipped = textbook();
        skipped.monitoring_at = None;
        skipped.root_cause_at = None;
        assert_eq!(checklist(&skipped)[3].answer, Met);
        assert_eq!(
            checklist(&skipped)[3].evidence,
            "Resolved without Monitoring at 2026-11-22 12:00 UTC, 2h after detection"
        );
    }
}
