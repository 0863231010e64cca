//! What a date in a query means: `"2026-11-01"`, `"2026/11/01 14:30"`, a time relative
//! to now (`-1d`, `"-2w 3d"`, `4h`, `-30m`), or a function (`now()`, `startOfDay()`,
//! `endOfWeek(-1)` …). Calendar dates and functions are read in UTC.

use jiff::civil::{Date, DateTime};
use jiff::{Span, Timestamp, ToSpan, Zoned, tz::TimeZone};

use super::Value;

/// What dates in a query may be, for errors that say so.
pub const DATE_FORMATS: &str = "\"yyyy-MM-dd\", \"yyyy/MM/dd\", \"yyyy-MM-dd HH:mm\", a time \
    relative to now such as -1d, -2w, 4h or -30m, or now(), startOfDay(), endOfDay(), \
    startOfWeek(), endOfWeek(), startOfMonth(), endOfMonth(), startOfYear(), endOfYear()";

/// The instant `value` names, `now` being the time of the search.
pub fn instant(value: &Value, now: Timestamp) -> Result<Timestamp, String> {
    match value {
        Value::Text(text) => text_instant(text.trim(), now),
        Value::Function { name, args } => function_instant(name, args, now),
    }
    .ok_or_else(|| {
        let written = match value {
            Value::Text(text) => text.clone(),
            function => function.to_string(),
        };
        format!("Date value '{written}' is invalid: use {DATE_FORMATS}.")
    })
}

fn text_instant(text: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(shifted) = shift(now.to_zoned(TimeZone::UTC), text) {
        return Some(shifted.timestamp());
    }
    let normalized = text.replace('/', "-");
    let datetime = match normalized.split_once(' ') {
        Some((day, time)) => {
            let date: Date = day.parse().ok()?;
            let (hour, minute) = time.trim().split_once(':')?;
            date.at(hour.parse().ok()?, minute.parse().ok()?, 0, 0)
        }
        None => normalized
            .parse::<Date>()
            .ok()?
            .to_datetime(jiff::civil::Time::midnight()),
    };
    utc(datetime)
}

fn utc(datetime: DateTime) -> Option<Timestamp> {
    datetime.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// `zoned` moved by a relative time: `-1d`, `+4h`, `2w`, `-1w 2d` (every part with the
/// sign of the first).
fn shift(zoned: Zoned, text: &str) -> Option<Zoned> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut shifted = zoned;
    let mut any = false;
    for part in rest.split_whitespace() {
        let split = part.find(|c: char| !c.is_ascii_digit())?;
        let (number, unit) = part.split_at(split);
        let number: i64 = number.parse().ok()?;
        let number = if negative { -number } else { number };
        let span = match unit {
            "y" => number.years(),
            "M" => number.months(),
            "w" => number.weeks(),
            "d" => number.days(),
            "h" => number.hours(),
            "m" => number.minutes(),
            _ => return None,
        };
        shifted = shifted.checked_add(span).ok()?;
        any = true;
    }
    any.then_some(shifted)
}

fn function_instant(name: &str, args: &[String], now: Timestamp) -> Option<Timestamp> {
    let now = now.to_zoned(TimeZone::UTC);
    let zoned = match args {
        [] => now,
        [one] => shift(now, one.trim())?,
        _ => return None,
    };
    let day = zoned.date();
    let start_of_week = day
        .checked_sub((day.weekday().to_monday_zero_offset()).days())
        .ok()?;
    let start = match name.to_ascii_lowercase().as_str() {
        "now" => return Some(zoned.timestamp()),
        "startofday" => day,
        "endofday" => return end_of(day, 1.day()),
        "startofweek" => start_of_week,
        "endofweek" => return end_of(start_of_week, 1.week()),
        "startofmonth" => day.first_of_month(),
        "endofmonth" => return end_of(day.first_of_month(), 1.month()),
        "startofyear" => day.first_of_year(),
        "endofyear" => return end_of(day.first_of_year(), 1.year()),
        _ => return None,
    };
    utc(start.to_datetime(jiff::civil::Time::midnight()))
}

/// The last millisecond before `start + length`.
fn end_of(start: Date, length: Span) -> Option<Timestamp> {
    let next = utc(start
        .checked_add(length)
        .ok()?
        .to_datetime(jiff::civil::Time::midnight()))?;
    next.checked_sub(jiff::SignedDuration::from_millis(1)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(value: &str) -> String {
        let now: Timestamp = "2026-11-25T15:30:00Z".parse().unwrap();
        let value = match value.split_once('(') {
            Some((name, rest)) => Value::Function {
                name: name.to_string(),
                args: rest
                    .trim_end_matches(')')
                    .split(',')
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            None => Value::Text(value.to_string()),
        };
        match instant(&value, now) {
            Ok(t) => t.to_string(),
            Err(e) => e,
        }
    }

    #[test]
    fn dates_relative_times_and_functions() {
        assert_eq!(at("2026-11-01"), "2026-11-01T00:00:00Z");
        assert_eq!(at("2026/11/01 14:05"), "2026-11-01T14:05:00Z");
        assert_eq!(at("-1d"), "2026-11-24T15:30:00Z");
        assert_eq!(at("-1w 2d"), "2026-11-16T15:30:00Z");
        assert_eq!(at("4h"), "2026-11-25T19:30:00Z");
        assert_eq!(at("-30m"), "2026-11-25T15:00:00Z");
        assert_eq!(at("now()"), "2026-11-25T15:30:00Z");
        assert_eq!(at("startOfDay()"), "2026-11-25T00:00:00Z");
        assert_eq!(at("startOfDay(-1d)"), "2026-11-24T00:00:00Z");
        assert_eq!(at("endOfDay()"), "2026-11-25T23:59:59.999Z");
        assert_eq!(at("startOfWeek()"), "2026-11-23T00:00:00Z", "a Monday");
        assert_eq!(at("endOfMonth()"), "2026-11-30T23:59:59.999Z");
        assert_eq!(at("startOfYear()"), "2026-01-01T00:00:00Z");
    }

    #[test]
    fn a_bad_date_says_what_is_allowed() {
        assert!(
            at("yesterday").starts_with("Date value 'yesterday' is invalid: use \"yyyy-MM-dd\"")
        );
        assert!(at("-1x").contains("is invalid"));
        assert!(at("startOfDay(1d, 2d)").contains("is invalid"));
        assert!(at("2026-13-01").contains("is invalid"));
    }
}
