//! E-mail addresses identify users. Parsed once: trimmed, lower-cased, plausibly shaped.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an e-mail address: write it like alice@example.com")]
pub struct BadEmail(pub String);

/// The longest address SMTP allows.
const MAX_LEN: usize = 254;

pub fn parse_email(text: &str) -> Result<String, BadEmail> {
    let email = text.trim().to_lowercase();
    let bad = || BadEmail(text.trim().to_string());
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let plausible = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= MAX_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible { Ok(email) } else { Err(bad()) }
}

/// A display name for someone who gave none: the part before the `@`.
pub fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalized() {
        assert_eq!(
            parse_email(" OnCall@Example.com ").unwrap(),
            "oncall@example.com"
        );
        for bad in [
            "",
            "alice",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@.com",
            "a@x@y.com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
        assert_eq!(default_name("alice@example.com"), "alice");
    }
}
