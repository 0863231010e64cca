//! Priorities P1–P4 and the response-time SLA each one carries.
//!
//! Parsed once at the edge from any of the spellings people and tools use ("P1",
//! "Critical", "Critical (P1)", "1"), printed as "Critical (P1)".

use std::fmt;
use std::str::FromStr;

use jiff::SignedDuration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown priority '{0}': use P1, P2, P3 or P4 (or Critical, High, Medium, Low, or \"Critical (P1)\")"
)]
pub struct UnknownPriority(pub String);

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// 1 for P1 … 4 for P4; the order in which incidents are sorted by urgency.
    pub fn rank(self) -> u8 {
        match self {
            Priority::P1 => 1,
            Priority::P2 => 2,
            Priority::P3 => 3,
            Priority::P4 => 4,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| i64::from(p.rank()) == rank)
    }

    /// "P1" … "P4".
    pub fn code(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    /// "Critical", "High", "Medium", "Low".
    pub fn name(self) -> &'static str {
        match self {
            Priority::P1 => "Critical",
            Priority::P2 => "High",
            Priority::P3 => "Medium",
            Priority::P4 => "Low",
        }
    }

    /// Time to acknowledgement the priority promises.
    pub fn response_sla(self) -> SignedDuration {
        match self {
            Priority::P1 => SignedDuration::from_mins(15),
            Priority::P2 => SignedDuration::from_hours(1),
            Priority::P3 => SignedDuration::from_hours(4),
            Priority::P4 => SignedDuration::from_hours(24),
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownPriority> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        // "Critical (P1)": trust the code in the parentheses, but only if the name agrees.
        if let Some(open) = lower.rfind('(')
            && lower.ends_with(')')
        {
            let name = lower[..open].trim();
            let code = &lower[open + 1..lower.len() - 1];
            let by_code = Self::parse_single(code.trim());
            let by_name = Self::parse_single(name);
            return match (by_code, by_name) {
                (Some(a), Some(b)) if a == b => Ok(a),
                _ => Err(UnknownPriority(trimmed.to_string())),
            };
        }
        Self::parse_single(&lower).ok_or_else(|| UnknownPriority(trimmed.to_string()))
    }

    fn parse_single(lower: &str) -> Option<Self> {
        Some(match lower {
            "p1" | "1" | "critical" => Priority::P1,
            "p2" | "2" | "high" => Priority::P2,
            "p3" | "3" | "medium" => Priority::P3,
            "p4" | "4" | "low" => Priority::P4,
            _ => return None,
        })
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

impl FromStr for Priority {
    type Err = UnknownPriority;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// On the wire a priority is its code, "P1"; any accepted spelling is read.
impl Serialize for Priority {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Priority {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Priority::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        for (text, expected) in [
            ("P1", Priority::P1),
            ("p2", Priority::P2),
            ("Critical", Priority::P1),
            ("high", Priority::P2),
            (" Medium ", Priority::P3),
            ("Low", Priority::P4),
            ("Critical (P1)", Priority::P1),
            ("low (p4)", Priority::P4),
            ("3", Priority::P3),
        ] {
            assert_eq!(Priority::parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn refuses_unknown_and_contradictory_spellings() {
        for text in ["P5", "", "urgent", "Critical (P2)", "(P1)"] {
            let error = Priority::parse(text).unwrap_err();
            assert!(
                error.to_string().contains("use P1, P2, P3 or P4"),
                "{error}"
            );
        }
    }

    #[test]
    fn prints_name_and_code() {
        assert_eq!(Priority::P1.to_string(), "Critical (P1)");
        assert_eq!(Priority::P4.to_string(), "Low (P4)");
    }

    #[test]
    fn display_round_trips() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(&p.to_string()), Ok(p));
            assert_eq!(Priority::from_rank(i64::from(p.rank())), Some(p));
        }
    }

    #[test]
    fn sla_per_design() {
        assert_eq!(Priority::P1.response_sla(), SignedDuration::from_mins(15));
        assert_eq!(Priority::P4.response_sla(), SignedDuration::from_hours(24));
    }
}
