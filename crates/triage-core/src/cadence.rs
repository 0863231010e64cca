//! The update cadence: while an incident is being worked (its status is in the In
//! Progress category), its stakeholders hear from the commander at least every so often
//! — by default every 30 minutes for SEV1 and SEV2, as incident.io and most SRE runbooks
//! have it. A server may set its own table; a severity may have no cadence.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::Severity;
use crate::duration::{format_duration, format_minutes, parse_duration};

/// The longest wait between updates each severity allows; none where it asks for none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence([Option<SignedDuration>; 4]);

impl Default for Cadence {
    /// SEV1 and SEV2 every 30 minutes; SEV3 and SEV4 whenever there is news.
    fn default() -> Self {
        let half_hour = Some(SignedDuration::from_mins(30));
        Self([half_hour, half_hour, None, None])
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "update cadence '{0}' is not allowed: write SEVERITY=DURATION or SEVERITY=off, e.g. \
     SEV1=15m or SEV3=1h, for SEV1 to SEV4"
)]
pub struct BadCadence(pub String);

impl Cadence {
    /// The longest wait between updates `severity` allows; none without a cadence (or
    /// without a severity).
    pub fn of(&self, severity: Option<Severity>) -> Option<SignedDuration> {
        self.0[usize::from(severity?.rank() - 1)]
    }

    /// The default table with `settings` (`SEV1=15m`, `SEV2=off`) changed; a later
    /// setting of a severity wins.
    pub fn with<'a>(settings: impl IntoIterator<Item = &'a str>) -> Result<Cadence, BadCadence> {
        let mut cadence = Cadence::default();
        for setting in settings {
            let bad = || BadCadence(setting.to_string());
            let (severity, interval) = setting.split_once('=').ok_or_else(bad)?;
            let severity = Severity::parse(severity).map_err(|_| bad())?;
            let interval = match interval.trim() {
                "off" | "none" => None,
                text => Some(parse_duration(text).map_err(|_| bad())?),
            };
            if interval.is_some_and(|i| i <= SignedDuration::ZERO) {
                return Err(bad());
            }
            cadence.0[usize::from(severity.rank() - 1)] = interval;
        }
        Ok(cadence)
    }

    /// When the next update is due for an incident of `severity` last updated (or put
    /// to work) at `since`: the cadence's interval later, or sooner if the last update
    /// promised the next one sooner. A promise is kept even where the severity has no
    /// cadence; none when neither asks for an update.
    pub fn due(
        &self,
        severity: Option<Severity>,
        since: Timestamp,
        promised: Option<Timestamp>,
    ) -> Option<Timestamp> {
        let by_cadence = self.of(severity).map(|interval| since + interval);
        match (by_cadence, promised) {
            (Some(due), Some(promised)) => Some(due.min(promised)),
            (due, promised) => due.or(promised),
        }
    }
}

impl fmt::Display for Cadence {
    /// `SEV1=30m, SEV2=30m, SEV3=off, SEV4=off`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, severity) in Severity::ALL.into_iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            match self.of(Some(severity)) {
                Some(interval) => write!(f, "{}={}", severity.code(), format_duration(interval))?,
                None => write!(f, "{}=off", severity.code())?,
            }
        }
        Ok(())
    }
}

/// Where an incident stands against its cadence at `now`, as the console says it, and
/// whether an update is overdue: "due in 12m", "overdue by 25m"; none when no update is
/// asked for.
pub fn describe(
    due: Option<Timestamp>,
    overdue_since: Option<Timestamp>,
    now: Timestamp,
) -> Option<(String, bool)> {
    match (overdue_since, due) {
        (Some(since), _) => Some((
            format!("overdue by {}", format_minutes(now.duration_since(since))),
            true,
        )),
        (None, Some(due)) if due <= now => Some((
            format!("overdue by {}", format_minutes(now.duration_since(due))),
            true,
        )),
        (None, Some(due)) => Some((
            format!("due in {}", format_minutes(due.duration_since(now))),
            false,
        )),
        (None, None) => None,
    }
}

/// How an incident kept its cadence: updates posted on time, and intervals that passed
/// without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Kept {
    pub kept: u32,
    pub missed: u32,
}

impl Kept {
    /// The share of intervals kept, none before the first was due.
    pub fn ratio(&self) -> Option<f64> {
        let total = self.kept + self.missed;
        (total > 0).then(|| f64::from(self.kept) / f64::from(total))
    }

    /// "kept 3 of 4 (75 %)"; none before the first interval ended.
    pub fn describe(&self) -> Option<String> {
        let ratio = self.ratio()?;
        Some(format!(
            "kept {} of {} ({:.0} %)",
            self.kept,
            self.kept + self.missed,
            ratio * 100.0
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn sev1_and_sev2_are_updated_every_half_hour_by_default() {
        let cadence = Cadence::default();
        let since = ts("2026-11-23T10:00:00Z");
        assert_eq!(
            cadence.due(Some(Severity::Sev1), since, None),
            Some(ts("2026-11-23T10:30:00Z"))
        );
        assert_eq!(
            cadence.due(Some(Severity::Sev2), since, None),
            Some(ts("2026-11-23T10:30:00Z"))
        );
        assert_eq!(cadence.due(Some(Severity::Sev3), since, None), None);
        assert_eq!(cadence.due(None, since, None), None);
        assert_eq!(
            cadence.to_string(),
            "SEV1=30m, SEV2=30m, SEV3=off, SEV4=off"
        );
    }

    #[test]
    fn a_promise_brings_the_next_update_forward_but_never_back() {
        let cadence = Cadence::default();
        let since = ts("2026-11-23T10:00:00Z");
        let sooner = ts("2026-11-23T10:10:00Z");
        let later = ts("2026-11-23T11:00:00Z");
        assert_eq!(
            cadence.due(Some(Severity::Sev1), since, Some(sooner)),
            Some(sooner)
        );
        assert_eq!(
            cadence.due(Some(Severity::Sev1), since, Some(later)),
            Some(ts("2026-11-23T10:30:00Z"))
        );
        // Without a cadence the promise alone is due.
        assert_eq!(
            cadence.due(Some(Severity::Sev4), since, Some(later)),
            Some(later)
        );
    }

    #[test]
    fn a_server_sets_its_own_table() {
        let cadence = Cadence::with(["SEV1=15m", "sev3=1h", "SEV2=off"]).unwrap();
        assert_eq!(cadence.to_string(), "SEV1=15m, SEV2=off, SEV3=1h, SEV4=off");
        for bad in ["SEV1", "SEV5=1m", "SEV1=soon", "SEV1=0m", "P1=10m"] {
            let error = Cadence::with([bad]).unwrap_err();
            assert_eq!(error, BadCadence(bad.to_string()));
            assert!(error.to_string().contains("SEV1=15m"), "{error}");
        }
    }

    #[test]
    fn the_kept_ratio_counts_kept_against_missed() {
        assert_eq!(Kept::default().ratio(), None);
        assert_eq!(Kept::default().describe(), None);
        assert_eq!(Kept { kept: 3, missed: 1 }.ratio(), Some(0.75));
        assert_eq!(
            Kept { kept: 3, missed: 1 }.describe().unwrap(),
            "kept 3 of 4 (75 %)"
        );
        assert_eq!(Kept { kept: 0, missed: 2 }.ratio(), Some(0.0));
    }

    #[test]
    fn the_console_says_how_long_until_or_since_the_update_was_due() {
        let now = ts("2026-11-23T10:00:00Z");
        assert_eq!(describe(None, None, now), None);
        assert_eq!(
            describe(Some(ts("2026-11-23T10:12:30Z")), None, now),
            Some(("due in 12m".to_string(), false))
        );
        // Due and not yet recorded by the engine: overdue all the same.
        assert_eq!(
            describe(Some(ts("2026-11-23T09:55:00Z")), None, now),
            Some(("overdue by 5m".to_string(), true))
        );
        assert_eq!(
            describe(
                Some(ts("2026-11-23T10:20:00Z")),
                Some(ts("2026-11-23T09:35:00Z")),
                now
            ),
            Some(("overdue by 25m".to_string(), true))
        );
    }
}
