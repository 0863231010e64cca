//! Windows of the week when a layer is on call, in local time: `mon-fri 09:00-17:00`
//! (business hours), `sat,sun 00:00-24:00`, `daily 22:00-06:00` (overnight: a window
//! that ends at or before its start ends the next day).

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

use super::ScheduleError;

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MINUTES_A_DAY: u16 = 24 * 60;

/// The days (Monday first) on which a window opens, and its local start and end as
/// minutes after midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restriction {
    days: [bool; 7],
    start: u16,
    end: u16,
}

impl Restriction {
    /// Reads `<days> <HH:MM>-<HH:MM>`; days are `daily`, or names and ranges separated
    /// by commas (`mon-fri`, `sat,sun`, `fri-mon`).
    pub fn parse(text: &str) -> Result<Restriction, ScheduleError> {
        let bad = || ScheduleError::BadRestriction(text.to_string());
        let (days_text, hours) = text.trim().split_once(' ').ok_or_else(bad)?;
        let (start, end) = hours.trim().split_once('-').ok_or_else(bad)?;
        let (start, end) = (
            minutes(start).ok_or_else(bad)?,
            minutes(end).ok_or_else(bad)?,
        );
        if start == MINUTES_A_DAY || start == end && end != 0 {
            return Err(bad());
        }
        let mut days = [false; 7];
        if days_text.trim().eq_ignore_ascii_case("daily") {
            days = [true; 7];
        } else {
            for part in days_text.split(',') {
                let (first, last) = part.split_once('-').unwrap_or((part, part));
                let (first, last) = (day(first).ok_or_else(bad)?, day(last).ok_or_else(bad)?);
                let mut d = first;
                loop {
                    days[d] = true;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
        }
        Ok(Restriction { days, start, end })
    }

    /// The window opening on local date `date`, if it opens that day.
    fn window(&self, zone: &TimeZone, date: Date) -> Option<(Timestamp, Timestamp)> {
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        if !self.days[weekday] {
            return None;
        }
        let ends_next_day = self.end <= self.start;
        let end_date = if ends_next_day {
            date.tomorrow().ok()?
        } else {
            date
        };
        Some((
            instant(zone, date, self.start)?,
            instant(zone, end_date, self.end)?,
        ))
    }

    /// Whether the window covers `at`.
    pub(super) fn covers(&self, zone: &TimeZone, at: Timestamp) -> bool {
        let today = zone.to_datetime(at).date();
        [today.yesterday().ok(), Some(today)]
            .into_iter()
            .flatten()
            .filter_map(|date| self.window(zone, date))
            .any(|(start, end)| start <= at && at < end)
    }

    /// Where windows open or close in `[from, to)`.
    pub(super) fn edges(&self, zone: &TimeZone, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut edges = Vec::new();
        let Ok(mut date) = zone.to_datetime(from).date().yesterday() else {
            return edges;
        };
        let last = zone.to_datetime(to).date();
        while date <= last {
            if let Some((start, end)) = self.window(zone, date) {
                edges.extend([start, end].into_iter().filter(|t| from <= *t && *t < to));
            }
            let Ok(next) = date.tomorrow() else { break };
            date = next;
        }
        edges
    }
}

/// The instant of local `minutes` after midnight on `date` (24:00 is the next midnight).
fn instant(zone: &TimeZone, date: Date, minutes: u16) -> Option<Timestamp> {
    let (date, minutes) = if minutes == MINUTES_A_DAY {
        (date.tomorrow().ok()?, 0)
    } else {
        (date, minutes)
    };
    let time = Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?;
    zone.to_ambiguous_zoned(date.to_datetime(time))
        .compatible()
        .ok()
        .map(|zoned| zoned.timestamp())
}

fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= MINUTES_A_DAY).then_some(total)
}

/// A day's index (Monday 0) from its name or a start of it of three letters or more:
/// `mon`, `tues`, `Wednesday`.
fn day(text: &str) -> Option<usize> {
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let text = text.trim().to_ascii_lowercase();
    if text.len() < 3 {
        return None;
    }
    FULL.iter().position(|full| full.starts_with(&text))
}

impl fmt::Display for Restriction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.days == [true; 7] {
            write!(f, "daily")?;
        } else {
            let mut runs: Vec<String> = Vec::new();
            let mut d = 0;
            while d < 7 {
                if !self.days[d] {
                    d += 1;
                    continue;
                }
                let first = d;
                while d + 1 < 7 && self.days[d + 1] {
                    d += 1;
                }
                runs.push(match d - first {
                    0 => DAY_NAMES[first].to_string(),
                    1 => format!("{},{}", DAY_NAMES[first], DAY_NAMES[d]),
                    _ => format!("{}-{}", DAY_NAMES[first], DAY_NAMES[d]),
                });
                d += 1;
            }
            write!(f, "{}", runs.join(","))?;
        }
        write!(
            f,
            " {:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn restrictions_read_and_print_back() {
        for (text, printed) in [
            ("mon-fri 09:00-17:00", "mon-fri 09:00-17:00"),
            ("Saturday,sunday 00:00-24:00", "sat,sun 00:00-24:00"),
            ("daily 22:00-06:00", "daily 22:00-06:00"),
            ("fri-mon 18:00-09:00", "mon,fri-sun 18:00-09:00"),
            ("wed 00:00-00:00", "wed 00:00-00:00"),
        ] {
            assert_eq!(
                Restriction::parse(text).unwrap().to_string(),
                printed,
                "{text}"
            );
        }
        for bad in [
            "",
            "mon-fri",
            "mon-fri 9:00-17:00",
            "mon-fri 09:00-25:00",
            "mon-fri 09:60-10:00",
            "funday 09:00-17:00",
            "mon 10:00-10:00",
            "mon 24:00-10:00",
            "mo 09:00-17:00",
        ] {
            assert_eq!(
                Restriction::parse(bad),
                Err(ScheduleError::BadRestriction(bad.to_string())),
                "{bad}"
            );
        }
    }

    #[test]
    fn business_hours_cover_weekdays_in_local_time() {
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        let hours = Restriction::parse("mon-fri 09:00-17:00").unwrap();
        // Monday 2026-11-23: 09:00 in Berlin is 08:00 UTC.
        assert!(!hours.covers(&zone, ts("2026-11-23T07:59:59Z")));
        assert!(hours.covers(&zone, ts("2026-11-23T08:00:00Z")));
        assert!(!hours.covers(&zone, ts("2026-11-23T16:00:00Z")));
        // Saturday.
        assert!(!hours.covers(&zone, ts("2026-11-28T10:00:00Z")));
        assert_eq!(
            hours.edges(
                &zone,
                ts("2026-11-23T00:00:00Z"),
                ts("2026-11-24T00:00:00Z")
            ),
            vec![ts("2026-11-23T08:00:00Z"), ts("2026-11-23T16:00:00Z")]
        );
    }

    #[test]
    fn overnight_windows_end_the_next_day() {
        let zone = TimeZone::UTC;
        let nights = Restriction::parse("fri 22:00-06:00").unwrap();
        // Friday 2026-11-27 22:00 to Saturday 06:00.
        assert!(nights.covers(&zone, ts("2026-11-28T05:59:00Z")));
        assert!(!nights.covers(&zone, ts("2026-11-28T06:00:00Z")));
        assert!(!nights.covers(&zone, ts("2026-11-26T23:00:00Z")));
        let whole = Restriction::parse("wed 00:00-00:00").unwrap();
        assert!(whole.covers(&zone, ts("2026-11-25T23:59:59Z")));
        assert!(!whole.covers(&zone, ts("2026-11-26T00:00:00Z")));
    }
}
