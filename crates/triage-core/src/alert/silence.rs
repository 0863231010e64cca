//! Silences and maintenance windows: alerts that match are recorded but open no
//! incident and page nobody. A silence is a time window, optionally limited to one
//! service, with Alertmanager-style label matchers — `name=value`, `name!=value`,
//! `name=~regex`, `name!~regex` — all of which must hold. A maintenance window is a
//! silence on a service with no matchers: every alert of the service.
//!
//! Regular expressions are anchored at both ends, as Alertmanager's are: `=~"db.*"`
//! matches `db01`, not `mydb01`. A label that is absent matches as the empty value.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }
}

/// One condition on one label.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    /// The anchored expression, for the regex operators.
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        (&self.name, self.op, &self.value) == (&other.name, other.op, &other.value)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error(
        "matcher '{0}' is not allowed: write name=value, name!=value, name=~regex or name!~regex"
    )]
    Syntax(String),
    #[error("matcher '{text}' has a bad regular expression: {reason}")]
    Regex { text: String, reason: String },
    #[error(
        "label name '{0}' is not allowed: use letters, digits and _, not starting with a digit"
    )]
    Name(String),
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, MatcherError> {
        let name = name.trim();
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(MatcherError::Name(name.to_string()));
        }
        let regex = match op {
            MatchOp::Regex | MatchOp::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$")).map_err(|e| MatcherError::Regex {
                    text: format!("{name}{}{value}", op.as_str()),
                    reason: e.to_string(),
                })?,
            ),
            MatchOp::Equal | MatchOp::NotEqual => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            op,
            value: value.to_string(),
            regex,
        })
    }

    /// Reads `name=value`, `name!="value"`, `name=~regex`, `name!~regex`; quotes around
    /// the value are optional.
    pub fn parse(text: &str) -> Result<Matcher, MatcherError> {
        let text = text.trim();
        let bad = || MatcherError::Syntax(text.to_string());
        let split = text.find(['=', '!']).ok_or_else(bad)?;
        let (name, rest) = text.split_at(split);
        let (op, value) = if let Some(value) = rest.strip_prefix("=~") {
            (MatchOp::Regex, value)
        } else if let Some(value) = rest.strip_prefix("!~") {
            (MatchOp::NotRegex, value)
        } else if let Some(value) = rest.strip_prefix("!=") {
            (MatchOp::NotEqual, value)
        } else if let Some(value) = rest.strip_prefix('=') {
            (MatchOp::Equal, value)
        } else {
            return Err(bad());
        };
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        Matcher::new(name, op, value)
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels
            .get(&self.name)
            .map(String::as_str)
            .unwrap_or_default();
        match (&self.op, &self.regex) {
            (MatchOp::Equal, _) => value == self.value,
            (MatchOp::NotEqual, _) => value != self.value,
            (MatchOp::Regex, Some(regex)) => regex.is_match(value),
            (MatchOp::NotRegex, Some(regex)) => !regex.is_match(value),
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// Whether every matcher holds for `labels` (no matchers: always).
pub fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_four_operators_as_alertmanager_has_them() {
        let set = labels(&[("alertname", "DiskFull"), ("instance", "db01")]);
        for (text, expected) in [
            ("alertname=DiskFull", true),
            ("alertname=\"DiskFull\"", true),
            ("alertname!=DiskFull", false),
            ("instance=~db.*", true),
            ("instance=~\"b0.\"", false), // anchored
            ("instance!~web.*", true),
            ("team=", true), // absent is empty
            ("team!=", false),
        ] {
            let matcher = Matcher::parse(text).unwrap();
            assert_eq!(matcher.matches(&set), expected, "{text}");
        }
        assert_eq!(
            Matcher::parse("instance =~ db.*").unwrap().to_string(),
            "instance=~\"db.*\""
        );
    }

    #[test]
    fn bad_matchers_say_what_is_allowed() {
        assert!(
            Matcher::parse("alertname")
                .unwrap_err()
                .to_string()
                .contains("name=value")
        );
        assert!(
            Matcher::parse("a=~(")
                .unwrap_err()
                .to_string()
                .contains("bad regular expression")
        );
        assert!(matches!(Matcher::parse("1x=y"), Err(MatcherError::Name(_))));
    }

    #[test]
    fn every_matcher_must_hold() {
        let set = labels(&[("alertname", "DiskFull"), ("cluster", "prod")]);
        let both = [
            Matcher::parse("alertname=DiskFull").unwrap(),
            Matcher::parse("cluster=staging").unwrap(),
        ];
        assert!(!all_match(&both, &set));
        assert!(all_match(&both[..1], &set));
        assert!(all_match(&[], &set));
    }
}
