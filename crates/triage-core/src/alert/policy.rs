//! What a service does with its alerts: how their severity maps onto an incident's
//! priority and severity, how they group, how long a resolved group may flap back into
//! its incident, and what happens to the incident once every alert has resolved.
//!
//! Each setting has a text form (what the API, the CLI and the database hold) that
//! [`AlertPolicy::parse`] reads with an error that says what is allowed.

use std::collections::BTreeMap;
use std::fmt;

use crate::{Priority, Severity};

use super::AlertSeverity;

/// What happens to an incident when the last of its alerts resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnResolved {
    /// Nothing but a timeline entry: people decide.
    #[default]
    Leave,
    /// Moved to Monitoring.
    Monitoring,
    /// Resolved with resolution Fixed.
    Resolve,
}

impl OnResolved {
    pub const ALL: [OnResolved; 3] = [
        OnResolved::Leave,
        OnResolved::Monitoring,
        OnResolved::Resolve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OnResolved::Leave => "leave",
            OnResolved::Monitoring => "monitoring",
            OnResolved::Resolve => "resolve",
        }
    }

    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| PolicyError::OnResolved(text.to_string()))
    }
}

impl fmt::Display for OnResolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("on_resolved '{0}' is not allowed: use leave, monitoring or resolve")]
    OnResolved(String),
    #[error(
        "alert mapping '{0}' is not allowed: write level=PRIORITY/SEVERITY pairs separated by \
         commas, e.g. critical=P1/SEV1,warning=P2/SEV3 (levels: critical, error, warning, info)"
    )]
    Mapping(String),
    #[error("flap window {0} is not allowed: use 0 to 86400 seconds")]
    FlapWindow(i64),
    #[error("group_by label '{0}' is not allowed: use label names (letters, digits, _)")]
    GroupBy(String),
}

/// How alert severities map onto incidents; levels not named keep the default
/// (critical → P1/SEV1, error → P2/SEV2, warning → P3/SEV3, info → P4/SEV4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeverityMapping {
    overrides: BTreeMap<AlertSeverity, (Priority, Severity)>,
}

impl SeverityMapping {
    /// Reads `critical=P1/SEV1,warning=P2/SEV3`; empty text is the default mapping.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let bad = || PolicyError::Mapping(text.to_string());
        let mut overrides = BTreeMap::new();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (level, target) = pair.split_once('=').ok_or_else(bad)?;
            let level = AlertSeverity::parse(level).map_err(|_| bad())?;
            let (priority, severity) = target.split_once('/').ok_or_else(bad)?;
            let priority = Priority::parse(priority).map_err(|_| bad())?;
            let severity = Severity::parse(severity).map_err(|_| bad())?;
            if level.default_mapping() != (priority, severity) {
                overrides.insert(level, (priority, severity));
            }
        }
        Ok(Self { overrides })
    }

    pub fn map(&self, level: AlertSeverity) -> (Priority, Severity) {
        self.overrides
            .get(&level)
            .copied()
            .unwrap_or_else(|| level.default_mapping())
    }
}

/// The stored form: only the levels that differ from the default.
impl fmt::Display for SeverityMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pairs: Vec<String> = self
            .overrides
            .iter()
            .map(|(level, (p, s))| format!("{level}={}/{}", p.code(), s.code()))
            .collect();
        f.write_str(&pairs.join(","))
    }
}

/// A service's alert settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertPolicy {
    pub mapping: SeverityMapping,
    pub on_resolved: OnResolved,
    /// Seconds after its last alert resolved during which a group that fires again goes
    /// back to the same incident (reopening it if it was resolved) instead of a new one.
    pub flap_window: i64,
    /// Labels whose values decide the group, for every sender; empty: the sender's own
    /// grouping.
    pub group_by: Vec<String>,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        Self {
            mapping: SeverityMapping::default(),
            on_resolved: OnResolved::Leave,
            flap_window: DEFAULT_FLAP_WINDOW,
            group_by: Vec::new(),
        }
    }
}

/// Thirty minutes.
pub const DEFAULT_FLAP_WINDOW: i64 = 1800;
const MAX_FLAP_WINDOW: i64 = 86_400;

impl AlertPolicy {
    /// Reads the stored or submitted forms of the four settings.
    pub fn parse(
        mapping: &str,
        on_resolved: &str,
        flap_window: i64,
        group_by: &str,
    ) -> Result<Self, PolicyError> {
        if !(0..=MAX_FLAP_WINDOW).contains(&flap_window) {
            return Err(PolicyError::FlapWindow(flap_window));
        }
        Ok(Self {
            mapping: SeverityMapping::parse(mapping)?,
            on_resolved: OnResolved::parse(on_resolved)?,
            flap_window,
            group_by: parse_group_by(group_by)?,
        })
    }

    /// The group an alert belongs to: the values of the `group_by` labels when the
    /// service sets them, else the sender's group.
    pub fn group_key(&self, sender_group: &str, labels: &BTreeMap<String, String>) -> String {
        if self.group_by.is_empty() {
            return sender_group.to_string();
        }
        let pairs: Vec<String> = self
            .group_by
            .iter()
            .map(|name| {
                let value = labels.get(name).map(String::as_str).unwrap_or_default();
                format!("{name}={value:?}")
            })
            .collect();
        format!("{{{}}}", pairs.join(", "))
    }

    /// The priority and severity an incident opened by alerts of this level gets; no
    /// level counts as a warning.
    pub fn incident_levels(&self, level: Option<AlertSeverity>) -> (Priority, Severity) {
        self.mapping.map(level.unwrap_or(AlertSeverity::Warning))
    }
}

fn parse_group_by(text: &str) -> Result<Vec<String>, PolicyError> {
    let mut names = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let valid = name.len() <= 100
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(PolicyError::GroupBy(name.to_string()));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_overrides_only_what_it_names() {
        let mapping = SeverityMapping::parse("warning = P2/SEV3, info=P4/SEV4").unwrap();
        assert_eq!(
            mapping.map(AlertSeverity::Warning),
            (Priority::P2, Severity::Sev3)
        );
        assert_eq!(
            mapping.map(AlertSeverity::Critical),
            (Priority::P1, Severity::Sev1)
        );
        // Stored without the pair that equals the default.
        assert_eq!(mapping.to_string(), "warning=P2/SEV3");
        assert_eq!(
            SeverityMapping::parse(&mapping.to_string()).unwrap(),
            mapping
        );
        for bad in ["warning", "warning=P2", "loud=P1/SEV1", "critical=P9/SEV1"] {
            let error = SeverityMapping::parse(bad).unwrap_err().to_string();
            assert!(error.contains("critical=P1/SEV1"), "{error}");
        }
    }

    #[test]
    fn settings_are_checked() {
        let policy = AlertPolicy::parse("", "Resolve", 600, "cluster, alertname").unwrap();
        assert_eq!(policy.on_resolved, OnResolved::Resolve);
        assert_eq!(policy.group_by, ["cluster", "alertname"]);
        assert!(AlertPolicy::parse("", "close", 600, "").is_err());
        assert!(AlertPolicy::parse("", "leave", -1, "").is_err());
        assert!(AlertPolicy::parse("", "leave", 60, "bad label").is_err());
    }

    #[test]
    fn group_by_labels_replace_the_senders_group() {
        let labels: BTreeMap<String, String> = [("cluster", "prod"), ("instance", "db01")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let default = AlertPolicy::default();
        assert_eq!(default.group_key("{}:{a=\"b\"}", &labels), "{}:{a=\"b\"}");
        let by_cluster = AlertPolicy::parse("", "leave", 0, "cluster,team").unwrap();
        assert_eq!(
            by_cluster.group_key("ignored", &labels),
            "{cluster=\"prod\", team=\"\"}"
        );
    }
}
