//! Alerts from monitoring: their identity and how their severity maps onto incidents.
//!
//! An alert's identity must be exactly what its sender computes, so that a retry or a
//! re-notification from the sender lands on the alert Triage already has. For
//! Alertmanager (and Grafana, which uses the same function) that is the label set's
//! fingerprint: FNV-1a 64 over the label names in sorted order, each name and value
//! followed by the byte 0xFF, written as 16 lowercase hex digits.

pub mod alertmanager;
pub mod pagerduty;
mod policy;
mod signal;
pub mod silence;
pub mod webhook;

use std::collections::BTreeMap;
use std::fmt;

use crate::{Priority, Severity};

pub use policy::{AlertPolicy, DEFAULT_FLAP_WINDOW, OnResolved, PolicyError, SeverityMapping};
pub use signal::{AlertBody, Signal, SignalAction, one_line};

const FNV_OFFSET: u64 = 14_695_981_039_346_656_037;
const FNV_PRIME: u64 = 1_099_511_628_211;
/// A byte that cannot occur in UTF-8, so `a=bc` and `ab=c` hash differently.
const SEPARATOR: u8 = 0xFF;

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The Alertmanager fingerprint of a label set (`BTreeMap` keeps names sorted bytewise,
/// as Go's `sort.Strings` does).
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    let hash = labels.iter().fold(FNV_OFFSET, |hash, (name, value)| {
        let hash = fnv1a(hash, name.as_bytes());
        let hash = fnv1a(hash, &[SEPARATOR]);
        let hash = fnv1a(hash, value.as_bytes());
        fnv1a(hash, &[SEPARATOR])
    });
    format!("{hash:016x}")
}

/// Whether an alert is firing or has resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    Firing,
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertStatus::Firing => "firing",
            AlertStatus::Resolved => "resolved",
        }
    }
}

impl fmt::Display for AlertStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The severities monitoring systems send, in PagerDuty's four levels (Alertmanager and
/// Grafana carry the same words in a `severity` label by convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertSeverity {
    Critical,
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown alert severity '{0}': use critical, error, warning or info")]
pub struct UnknownAlertSeverity(pub String);

impl AlertSeverity {
    pub const ALL: [AlertSeverity; 4] = [
        AlertSeverity::Critical,
        AlertSeverity::Error,
        AlertSeverity::Warning,
        AlertSeverity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Critical => "critical",
            AlertSeverity::Error => "error",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Info => "info",
        }
    }

    /// Reads the level, any case, with the spellings senders commonly use.
    pub fn parse(text: &str) -> Result<Self, UnknownAlertSeverity> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "fatal" | "emergency" | "disaster" => {
                AlertSeverity::Critical
            }
            "error" | "err" | "major" | "high" => AlertSeverity::Error,
            "warning" | "warn" | "minor" | "average" | "medium" => AlertSeverity::Warning,
            "info" | "informational" | "information" | "low" | "notice" | "none" => {
                AlertSeverity::Info
            }
            _ => return Err(UnknownAlertSeverity(text.to_string())),
        })
    }

    /// The incident priority and severity an alert of this level opens with, by default
    /// (critical → P1/SEV1 … info → P4/SEV4).
    pub fn default_mapping(self) -> (Priority, Severity) {
        match self {
            AlertSeverity::Critical => (Priority::P1, Severity::Sev1),
            AlertSeverity::Error => (Priority::P2, Severity::Sev2),
            AlertSeverity::Warning => (Priority::P3, Severity::Sev3),
            AlertSeverity::Info => (Priority::P4, Severity::Sev4),
        }
    }
}

impl fmt::Display for AlertSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a service's alerts come from: each kind has its own endpoint and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationKind {
    /// Prometheus Alertmanager's webhook receiver.
    Alertmanager,
    /// PagerDuty Events API v2 (the key is the `routing_key`).
    PagerDuty,
    /// Grafana alerting's webhook contact point.
    Grafana,
    /// Triage's own JSON webhook.
    Webhook,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown integration kind '{0}': use alertmanager, pagerduty, grafana or webhook")]
pub struct UnknownIntegrationKind(pub String);

impl IntegrationKind {
    pub const ALL: [IntegrationKind; 4] = [
        IntegrationKind::Alertmanager,
        IntegrationKind::PagerDuty,
        IntegrationKind::Grafana,
        IntegrationKind::Webhook,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationKind::Alertmanager => "alertmanager",
            IntegrationKind::PagerDuty => "pagerduty",
            IntegrationKind::Grafana => "grafana",
            IntegrationKind::Webhook => "webhook",
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownIntegrationKind> {
        let wanted = text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_', ' '], "");
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted)
            .ok_or_else(|| UnknownIntegrationKind(text.to_string()))
    }
}

impl fmt::Display for IntegrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fingerprints_match_alertmanager() {
        // Vectors taken from a real Alertmanager's webhook payloads (PROTOCOLS.md).
        assert_eq!(
            fingerprint(&labels(&[
                ("alertname", "DiskFull"),
                ("cluster", "prod"),
                ("instance", "db01"),
                ("severity", "warning"),
            ])),
            "f3ad1c19f869c412"
        );
        assert_eq!(
            fingerprint(&labels(&[
                ("alertname", "APIDown"),
                ("service", "api"),
                ("severity", "critical"),
            ])),
            "43ffc5ee05de7225"
        );
        assert_eq!(fingerprint(&BTreeMap::new()), "cbf29ce484222325");
    }

    #[test]
    fn the_separator_keeps_names_and_values_apart() {
        assert_ne!(
            fingerprint(&labels(&[("a", "bc")])),
            fingerprint(&labels(&[("ab", "c")]))
        );
    }

    #[test]
    fn severities_map_to_priorities_and_read_common_spellings() {
        assert_eq!(
            AlertSeverity::parse("CRITICAL").unwrap().default_mapping(),
            (Priority::P1, Severity::Sev1)
        );
        assert_eq!(
            AlertSeverity::parse("warn").unwrap(),
            AlertSeverity::Warning
        );
        assert_eq!(
            AlertSeverity::parse(" info ").unwrap().default_mapping().0,
            Priority::P4
        );
        let error = AlertSeverity::parse("spicy").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown alert severity 'spicy': use critical, error, warning or info"
        );
        for level in AlertSeverity::ALL {
            assert_eq!(AlertSeverity::parse(level.as_str()).unwrap(), level);
        }
    }

    #[test]
    fn integration_kinds_read_back() {
        for kind in IntegrationKind::ALL {
            assert_eq!(IntegrationKind::parse(kind.as_str()).unwrap(), kind);
        }
        assert_eq!(
            IntegrationKind::parse("PagerDuty").unwrap(),
            IntegrationKind::PagerDuty
        );
        assert!(
            IntegrationKind::parse("nagios")
                .unwrap_err()
                .to_string()
                .contains("use alertmanager")
        );
    }

    proptest! {
        #[test]
        fn a_fingerprint_is_sixteen_hex_digits_and_depends_on_every_label(
            set in proptest::collection::btree_map("[a-z_]{1,8}", "[ -~]{0,12}", 1..6),
            extra in "[a-z_]{9,12}",
        ) {
            let print = fingerprint(&set);
            prop_assert_eq!(print.len(), 16);
            prop_assert!(print.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            let mut more = set.clone();
            more.insert(extra, "x".to_string());
            prop_assert_ne!(fingerprint(&more), print);
        }
    }
}
