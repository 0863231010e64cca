//! On-call shifts as an iCalendar feed (RFC 5545) that calendar apps subscribe to: CRLF
//! line ends, UTC times, lines folded at 75 octets, TEXT values escaped, and a `UID` per
//! shift that stays the same when the feed is fetched again (so a shift that grows, say
//! by an override, is updated in place rather than duplicated).

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::Timestamp;

use super::schedule::Shift;
use crate::alert::fingerprint;

/// The longest line, in octets, before it is folded.
const LINE_OCTETS: usize = 75;

/// One shift of one schedule, as a calendar event.
pub struct CalendarShift<'a> {
    pub schedule: &'a str,
    pub shift: &'a Shift,
}

/// The calendar `name` holding `shifts`, made at `stamp`; `host` ends every UID.
pub fn calendar(name: &str, host: &str, shifts: &[CalendarShift<'_>], stamp: Timestamp) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Triage//On call//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    for entry in shifts {
        let shift = entry.shift;
        let identity = BTreeMap::from([
            ("schedule".to_string(), entry.schedule.to_string()),
            ("user".to_string(), shift.user.clone()),
            ("start".to_string(), shift.start.as_second().to_string()),
        ]);
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}@{host}", fingerprint(&identity)));
        line(&mut out, &format!("DTSTAMP:{}", utc(stamp)));
        line(&mut out, &format!("DTSTART:{}", utc(shift.start)));
        line(&mut out, &format!("DTEND:{}", utc(shift.end)));
        line(
            &mut out,
            &format!(
                "SUMMARY:{}",
                text(&format!("On call: {} ({})", entry.schedule, shift.user))
            ),
        );
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

/// `20261123T090000Z`.
fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, semicolon, comma and newlines escaped.
fn text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// Writes a content line, folded so that no line exceeds 75 octets (continuations begin
/// with a space), never inside a character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let octets = c.len_utf8();
        if width + octets > LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += octets;
    }
    let _ = write!(out, "\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::ShiftSource;

    fn shift(user: &str, start: &str, end: &str) -> Shift {
        Shift {
            user: user.to_string(),
            start: start.parse().unwrap(),
            end: end.parse().unwrap(),
            source: ShiftSource::Layer(0),
        }
    }

    #[test]
    fn feeds_are_crlf_utc_folded_and_stable() {
        let first = shift(
            "ann@example.com",
            "2026-11-23T08:00:00Z",
            "2026-11-30T08:00:00Z",
        );
        let long = "Storage, primary; with a very long name that goes on and on and on — ünïcödé";
        let shifts = [CalendarShift {
            schedule: long,
            shift: &first,
        }];
        let stamp: Timestamp = "2026-11-22T10:00:00Z".parse().unwrap();
        let feed = calendar("Ann's shifts", "triage.example.com", &shifts, stamp);
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        assert!(!feed.replace("\r\n", "").contains('\n'));
        for l in feed.split("\r\n") {
            assert!(l.len() <= LINE_OCTETS, "{l:?}");
        }
        assert!(feed.contains("DTSTART:20261123T080000Z\r\n"));
        assert!(feed.contains("DTEND:20261130T080000Z\r\n"));
        assert!(feed.contains("DTSTAMP:20261122T100000Z\r\n"));
        let unfolded = feed.replace("\r\n ", "");
        assert!(
            unfolded.contains("SUMMARY:On call: Storage\\, primary\\; with a very long name"),
            "{unfolded}"
        );
        assert!(unfolded.contains("ünïcödé (ann@example.com)"));
        // The same shift, fetched later and grown by an hour: the same UID.
        let grown = shift(
            "ann@example.com",
            "2026-11-23T08:00:00Z",
            "2026-11-30T09:00:00Z",
        );
        let again = calendar(
            "Ann's shifts",
            "triage.example.com",
            &[CalendarShift {
                schedule: long,
                shift: &grown,
            }],
            stamp,
        );
        let uid = |feed: &str| {
            feed.lines()
                .find(|l| l.starts_with("UID:"))
                .unwrap()
                .to_string()
        };
        assert_eq!(uid(&feed), uid(&again));
        assert!(uid(&feed).ends_with("@triage.example.com"));
    }
}
