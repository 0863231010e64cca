//! Durations as people write them in commands and forms: `90s`, `30m`, `2h`, `1h30m`,
//! `1d`: silences, overrides, escalation delays.

use jiff::SignedDuration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("duration '{0}' is not allowed: write it like 30s, 30m, 2h, 1h30m or 1d")]
pub struct BadDuration(pub String);

/// Reads a positive duration made of `<number><unit>` parts, units `s`, `m`, `h`, `d`.
pub fn parse_duration(text: &str) -> Result<SignedDuration, BadDuration> {
    let bad = || BadDuration(text.to_string());
    let mut total = SignedDuration::ZERO;
    let mut digits = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let amount: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        let part = match c {
            's' => SignedDuration::from_secs(amount),
            'm' => SignedDuration::from_mins(amount),
            'h' => SignedDuration::from_hours(amount),
            'd' => SignedDuration::from_hours(amount.checked_mul(24).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    if !digits.is_empty() || total <= SignedDuration::ZERO {
        return Err(bad());
    }
    Ok(total)
}

/// A duration written back the way [`parse_duration`] reads it: `30s`, `5m`, `1h30m`,
/// `2d`.
pub fn format_duration(duration: SignedDuration) -> String {
    let mut seconds = duration.as_secs();
    if seconds <= 0 {
        return "0s".to_string();
    }
    let mut text = String::new();
    for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if seconds >= size {
            text.push_str(&format!("{}{unit}", seconds / size));
            seconds %= size;
        }
    }
    text
}

/// A wait as a deadline's countdown says it: whole minutes, at least one (`12m`, `1h5m`).
pub fn format_minutes(duration: SignedDuration) -> String {
    format_duration(
        SignedDuration::from_secs(duration.as_secs().max(0) / 60 * 60)
            .max(SignedDuration::from_mins(1)),
    )
}

/// A duration in the two largest units that matter: "45s", "12m", "3h 12m", "2d 4h".
pub fn format_age(elapsed: SignedDuration) -> String {
    let seconds = elapsed.as_secs().max(0);
    let (days, hours, minutes) = (seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_back_as_they_are_read() {
        for text in ["30s", "5m", "1h30m", "2d", "1d1h1m1s"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
        assert_eq!(format_duration(SignedDuration::from_mins(120)), "2h");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(
            parse_duration("90s").unwrap(),
            SignedDuration::from_secs(90)
        );
        assert_eq!(
            parse_duration("1h30m").unwrap(),
            SignedDuration::from_mins(90)
        );
        assert_eq!(
            parse_duration(" 2d ").unwrap(),
            SignedDuration::from_hours(48)
        );
        for bad in ["", "5", "5x", "h", "0m", "-5m"] {
            assert_eq!(
                parse_duration(bad),
                Err(BadDuration(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn ages_read_in_two_units() {
        assert_eq!(format_age(SignedDuration::from_secs(45)), "45s");
        assert_eq!(format_age(SignedDuration::from_mins(12)), "12m");
        assert_eq!(format_age(SignedDuration::from_mins(192)), "3h 12m");
        assert_eq!(format_age(SignedDuration::from_hours(52)), "2d 4h");
        assert_eq!(format_age(SignedDuration::from_secs(-5)), "0s");
    }
}
