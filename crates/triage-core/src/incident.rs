//! Incident values parsed at the edge: keys, detection sources, and the text fields with
//! their limits.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest summary we accept, in characters (Jira's limit).
pub const SUMMARY_MAX_CHARS: usize = 255;
/// The longest description or comment we accept, in characters.
pub const TEXT_MAX_CHARS: usize = 65_536;
/// The longest service or label name.
pub const NAME_MAX_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("summary must not be empty")]
    EmptySummary,
    #[error("{field} is {actual} characters long; at most {max} are allowed")]
    TooLong {
        field: &'static str,
        actual: usize,
        max: usize,
    },
    #[error(
        "{field} '{value}' is not allowed: use letters, digits, '-', '_', '.', ':' or '/', without spaces"
    )]
    BadName { field: &'static str, value: String },
    #[error("'{0}' is not an incident key: a key looks like INC-42")]
    BadKey(String),
    #[error("unknown detection source '{0}': use monitoring or user_report")]
    BadDetectionSource(String),
    #[error("key prefix '{0}' is not allowed: use 1 to 10 upper-case letters, e.g. INC")]
    BadPrefix(String),
}

/// A summary: one line, not empty, at most [`SUMMARY_MAX_CHARS`].
pub fn parse_summary(text: &str) -> Result<String, FieldError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(FieldError::EmptySummary);
    }
    check_length("summary", trimmed, SUMMARY_MAX_CHARS)?;
    Ok(trimmed.replace(['\r', '\n'], " "))
}

/// A description or comment body: free text up to [`TEXT_MAX_CHARS`].
pub fn parse_text(field: &'static str, text: &str) -> Result<String, FieldError> {
    check_length(field, text, TEXT_MAX_CHARS)?;
    Ok(text.to_string())
}

/// A service or label name: a short token without spaces.
pub fn parse_name(field: &'static str, text: &str) -> Result<String, FieldError> {
    let trimmed = text.trim();
    check_length(field, trimmed, NAME_MAX_CHARS)?;
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '/');
    if trimmed.is_empty() || !trimmed.chars().all(allowed) {
        return Err(FieldError::BadName {
            field,
            value: trimmed.to_string(),
        });
    }
    Ok(trimmed.to_string())
}

/// Parses every name of a list, dropping duplicates and keeping the first order.
pub fn parse_names(field: &'static str, names: &[String]) -> Result<Vec<String>, FieldError> {
    let mut parsed: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = parse_name(field, name)?;
        if !parsed.contains(&name) {
            parsed.push(name);
        }
    }
    Ok(parsed)
}

fn check_length(field: &'static str, text: &str, max: usize) -> Result<(), FieldError> {
    let actual = text.chars().count();
    if actual > max {
        return Err(FieldError::TooLong { field, actual, max });
    }
    Ok(())
}

/// `INC-42`: a prefix of upper-case letters and a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IncidentKey {
    pub prefix: String,
    pub number: i64,
}

impl IncidentKey {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let bad = || FieldError::BadKey(text.to_string());
        let (prefix, number) = text.trim().split_once('-').ok_or_else(bad)?;
        let prefix = parse_prefix(&prefix.to_ascii_uppercase()).map_err(|_| bad())?;
        let number: i64 = number.parse().map_err(|_| bad())?;
        if number < 1 {
            return Err(bad());
        }
        Ok(Self { prefix, number })
    }
}

impl fmt::Display for IncidentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.prefix, self.number)
    }
}

/// The configurable key prefix: 1 to 10 upper-case ASCII letters.
pub fn parse_prefix(text: &str) -> Result<String, FieldError> {
    if (1..=10).contains(&text.len()) && text.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(text.to_string())
    } else {
        Err(FieldError::BadPrefix(text.to_string()))
    }
}

/// How the incident came to our attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectionSource {
    Monitoring,
    UserReport,
}

impl DetectionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DetectionSource::Monitoring => "monitoring",
            DetectionSource::UserReport => "user_report",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "monitoring" => Ok(DetectionSource::Monitoring),
            "user_report" => Ok(DetectionSource::UserReport),
            _ => Err(FieldError::BadDetectionSource(text.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        let key = IncidentKey::parse("inc-456").unwrap();
        assert_eq!(key.to_string(), "INC-456");
        for bad in ["INC", "INC-", "INC-0", "INC-x", "-4", "1NC-4", "INC-4-5"] {
            assert!(IncidentKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn summaries_are_one_trimmed_line() {
        assert_eq!(parse_summary("  DB down\n").unwrap(), "DB down");
        assert_eq!(parse_summary("   "), Err(FieldError::EmptySummary));
        let long = "x".repeat(256);
        assert_eq!(
            parse_summary(&long).unwrap_err().to_string(),
            "summary is 256 characters long; at most 255 are allowed"
        );
    }

    #[test]
    fn names_are_tokens() {
        assert_eq!(
            parse_name("service", " checkout-api ").unwrap(),
            "checkout-api"
        );
        assert!(parse_name("label", "two words").is_err());
        assert!(parse_name("label", "").is_err());
        assert_eq!(
            parse_names("label", &["a".into(), "b".into(), "a".into()]).unwrap(),
            vec!["a", "b"]
        );
    }

    #[test]
    fn detection_sources() {
        assert_eq!(
            DetectionSource::parse("user-report"),
            Ok(DetectionSource::UserReport)
        );
        assert!(DetectionSource::parse("pager").is_err());
    }
}
