//! What every sender's payload comes down to: signals about alerts, each naming the
//! alert (its dedup key) and the group it belongs to, and saying it fires, resolved or
//! was acknowledged. The store acts on signals; it never sees a sender's format.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::incident::SUMMARY_MAX_CHARS;

use super::AlertSeverity;

/// One statement about one alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// The alert's identity within its integration.
    pub dedup_key: String,
    /// The sender's grouping (Alertmanager's `groupKey`, PagerDuty's dedup key); alerts
    /// of one group open one incident.
    pub group_key: String,
    pub action: SignalAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SignalAction {
    /// The alert fires: new, or again (senders repeat themselves).
    Fire(AlertBody),
    /// The alert has resolved, at the sender's end time when it gives one.
    Resolve { ends_at: Option<Timestamp> },
    /// Someone is working on it (PagerDuty's `acknowledge`).
    Acknowledge,
}

/// What a firing alert says about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertBody {
    /// One line for people.
    pub summary: String,
    /// Where it comes from: the host or component (PagerDuty's `source`), or the
    /// sending system's name.
    pub source: String,
    pub severity: Option<AlertSeverity>,
    pub labels: BTreeMap<String, String>,
    /// Annotations, custom details: free-form.
    pub details: Map<String, Value>,
    /// Addresses that help: the generator, a dashboard, a runbook.
    pub links: Vec<String>,
    /// When the problem started, if the sender knows.
    pub starts_at: Option<Timestamp>,
    /// The sender's own description of this alert, stored as received.
    pub raw: Value,
}

/// A summary fit for an incident: one line, at most the incident summary's length
/// (cut on a character boundary with an ellipsis).
pub fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_MAX_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(SUMMARY_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// A sender's time, where "not set" is spelled as Go's zero time (`0001-01-01T00:00:00Z`)
/// or left out.
pub fn sender_time(text: Option<&str>) -> Result<Option<Timestamp>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let at: Timestamp = text
        .parse()
        .map_err(|_| format!("'{text}' is not an RFC 3339 time such as 2026-11-22T21:52:40Z"))?;
    // Go's zero time, and anything else before 1970, is nobody's real start time.
    Ok((at >= Timestamp::UNIX_EPOCH).then_some(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_become_one_bounded_line() {
        assert_eq!(one_line("  Disk   full\non db01 "), "Disk full on db01");
        let long = "x".repeat(400);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), SUMMARY_MAX_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn go_zero_time_means_unset() {
        assert_eq!(sender_time(Some("0001-01-01T00:00:00Z")).unwrap(), None);
        assert_eq!(sender_time(None).unwrap(), None);
        let at = sender_time(Some("2026-11-22T21:52:40.89205398Z"))
            .unwrap()
            .unwrap();
        assert_eq!(at.as_second(), 1_795_384_360);
        assert!(
            sender_time(Some("yesterday"))
                .unwrap_err()
                .contains("RFC 3339")
        );
    }
}
