//! Severities SEV1–SEV4: how much of the business is hurt, separate from how fast we
//! must respond (priority).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity '{0}': use SEV1, SEV2, SEV3 or SEV4")]
pub struct UnknownSeverity(pub String);

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Sev1,
        Severity::Sev2,
        Severity::Sev3,
        Severity::Sev4,
    ];

    pub fn rank(self) -> u8 {
        match self {
            Severity::Sev1 => 1,
            Severity::Sev2 => 2,
            Severity::Sev3 => 3,
            Severity::Sev4 => 4,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|s| i64::from(s.rank()) == rank)
    }

    pub fn code(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Severity::Sev1 => "critical business impact",
            Severity::Sev2 => "major functionality affected",
            Severity::Sev3 => "minor functionality affected",
            Severity::Sev4 => "cosmetic or low impact",
        }
    }

    /// Accepts "SEV1", "sev-1", "S1", "1".
    pub fn parse(text: &str) -> Result<Self, UnknownSeverity> {
        let lower = text.trim().to_ascii_lowercase();
        let digits = lower
            .strip_prefix("sev")
            .or_else(|| lower.strip_prefix('s'))
            .unwrap_or(&lower)
            .trim_start_matches(['-', ' ']);
        match digits {
            "1" => Ok(Severity::Sev1),
            "2" => Ok(Severity::Sev2),
            "3" => Ok(Severity::Sev3),
            "4" => Ok(Severity::Sev4),
            _ => Err(UnknownSeverity(text.trim().to_string())),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Severity::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_spellings() {
        for (text, expected) in [
            ("SEV1", Severity::Sev1),
            ("sev2", Severity::Sev2),
            ("Sev-3", Severity::Sev3),
            ("S4", Severity::Sev4),
            ("1", Severity::Sev1),
        ] {
            assert_eq!(Severity::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_others_with_the_accepted_list() {
        let error = Severity::parse("SEV5").unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown severity 'SEV5': use SEV1, SEV2, SEV3 or SEV4"
        );
    }
}
