//! One rotation layer: users taking turns, each for a shift of fixed length in local
//! time, starting from a first hand-off.

use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use super::ScheduleError;
use super::restriction::Restriction;

/// How long each turn lasts, in local time: hours, days or weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftLength {
    Hours(u32),
    Days(u32),
    Weeks(u32),
}

/// The longest shift that can be written: a year.
const MAX_HOURS: u32 = 24 * 366;

impl ShiftLength {
    /// Reads `12h`, `1d`, `1w`, `2w`.
    pub fn parse(text: &str) -> Result<ShiftLength, ScheduleError> {
        let bad = || ScheduleError::BadShiftLength(text.to_string());
        let text = text.trim();
        let unit = text.chars().last().ok_or_else(bad)?;
        let amount: u32 = text[..text.len() - unit.len_utf8()]
            .parse()
            .map_err(|_| bad())?;
        let length = match unit {
            'h' => ShiftLength::Hours(amount),
            'd' => ShiftLength::Days(amount),
            'w' => ShiftLength::Weeks(amount),
            _ => return Err(bad()),
        };
        if amount == 0 || length.nominal_hours() > i64::from(MAX_HOURS) {
            return Err(bad());
        }
        Ok(length)
    }

    /// Its length when no clock change falls inside it.
    fn nominal_hours(self) -> i64 {
        match self {
            ShiftLength::Hours(n) => i64::from(n),
            ShiftLength::Days(n) => i64::from(n) * 24,
            ShiftLength::Weeks(n) => i64::from(n) * 24 * 7,
        }
    }

    /// `k` shifts, as a span of local time.
    fn times(self, k: i64) -> Span {
        match self {
            ShiftLength::Hours(n) => Span::new().hours(i64::from(n) * k),
            ShiftLength::Days(n) => Span::new().days(i64::from(n) * k),
            ShiftLength::Weeks(n) => Span::new().weeks(i64::from(n) * k),
        }
    }
}

impl fmt::Display for ShiftLength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShiftLength::Hours(n) => write!(f, "{n}h"),
            ShiftLength::Days(n) => write!(f, "{n}d"),
            ShiftLength::Weeks(n) => write!(f, "{n}w"),
        }
    }
}

/// A rotation: `users` in turn, each for one `shift`, the first from `start` (local time
/// in the schedule's zone). Nobody is on call in it before `start`, nor outside its
/// `restrictions` when it has any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub name: String,
    pub users: Vec<String>,
    pub shift: ShiftLength,
    pub start: DateTime,
    pub restrictions: Vec<Restriction>,
}

/// A turn in one layer, before restrictions: who, from when, until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Turn {
    pub index: i64,
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Layer {
    /// Reads a layer start written as local date and time: `2026-11-23T09:00`.
    pub fn parse_start(text: &str) -> Result<DateTime, ScheduleError> {
        text.trim()
            .parse::<DateTime>()
            .map_err(|_| ScheduleError::BadStart(text.to_string()))
    }

    pub(super) fn check(&self) -> Result<(), ScheduleError> {
        if self.users.is_empty() {
            return Err(ScheduleError::EmptyLayer(self.name.clone()));
        }
        Ok(())
    }

    /// The user of turn `index`.
    pub(super) fn user(&self, index: i64) -> &str {
        let n = self.users.len() as i64;
        &self.users[index.rem_euclid(n) as usize]
    }

    /// When turn `k` begins: the start plus `k` shifts in local time, placed in the zone
    /// (a local time skipped by a clock change moves forward past the gap; one that
    /// happens twice is the first).
    pub(super) fn hand_off(&self, zone: &TimeZone, k: i64) -> Timestamp {
        let local = self
            .start
            .checked_add(self.shift.times(k))
            .unwrap_or(if k < 0 { DateTime::MIN } else { DateTime::MAX });
        zone.to_ambiguous_zoned(local)
            .compatible()
            .map(|zoned| zoned.timestamp())
            .unwrap_or(if k < 0 {
                Timestamp::MIN
            } else {
                Timestamp::MAX
            })
    }

    /// The turn in force at `at`; none before the layer starts.
    pub(super) fn turn_at(&self, zone: &TimeZone, at: Timestamp) -> Option<Turn> {
        let first = self.hand_off(zone, 0);
        if at < first {
            return None;
        }
        let nominal = self.shift.nominal_hours() * 3600;
        let mut k = (at.as_second() - first.as_second()) / nominal;
        // Clock changes move hand-offs by an hour or two at most: step to the right turn.
        while self.hand_off(zone, k) > at {
            k -= 1;
        }
        while self.hand_off(zone, k + 1) <= at {
            k += 1;
        }
        Some(Turn {
            index: k,
            start: self.hand_off(zone, k),
            end: self.hand_off(zone, k + 1),
        })
    }

    /// Every instant in `[from, to)` at which this layer's on-call person may change:
    /// hand-offs, the layer's start and its restriction windows' edges.
    pub(super) fn changes(
        &self,
        zone: &TimeZone,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<Timestamp> {
        let mut changes = Vec::new();
        let first = self.hand_off(zone, 0);
        let mut turn = match self.turn_at(zone, from) {
            Some(turn) => turn,
            None if first < to => Turn {
                index: 0,
                start: first,
                end: self.hand_off(zone, 1),
            },
            None => return changes,
        };
        loop {
            if turn.start >= from {
                changes.push(turn.start);
            }
            if turn.end >= to {
                break;
            }
            turn = Turn {
                index: turn.index + 1,
                start: turn.end,
                end: self.hand_off(zone, turn.index + 2),
            };
        }
        for restriction in &self.restrictions {
            changes.extend(restriction.edges(zone, from, to));
        }
        changes
    }

    /// Who is on call in this layer at `at`, if anyone.
    pub(super) fn on_call_at(&self, zone: &TimeZone, at: Timestamp) -> Option<&str> {
        let turn = self.turn_at(zone, at)?;
        if !self.restrictions.is_empty() && !self.restrictions.iter().any(|r| r.covers(zone, at)) {
            return None;
        }
        Some(self.user(turn.index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_lengths_read_as_written() {
        assert_eq!(ShiftLength::parse("12h").unwrap(), ShiftLength::Hours(12));
        assert_eq!(ShiftLength::parse("1d").unwrap(), ShiftLength::Days(1));
        assert_eq!(ShiftLength::parse(" 2w ").unwrap(), ShiftLength::Weeks(2));
        assert_eq!(ShiftLength::Weeks(2).to_string(), "2w");
        for bad in ["", "h", "0d", "-1d", "1.5d", "3m", "100w", "1 d"] {
            assert_eq!(
                ShiftLength::parse(bad),
                Err(ScheduleError::BadShiftLength(bad.to_string())),
                "{bad}"
            );
        }
    }

    fn weekly(start: &str) -> Layer {
        Layer {
            name: "primary".to_string(),
            users: vec!["ann".to_string(), "bob".to_string(), "cy".to_string()],
            shift: ShiftLength::Weeks(1),
            start: Layer::parse_start(start).unwrap(),
            restrictions: Vec::new(),
        }
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn turns_follow_the_rotation_and_nobody_is_on_call_before_it_starts() {
        let zone = TimeZone::UTC;
        let layer = weekly("2026-01-05T09:00");
        assert_eq!(layer.on_call_at(&zone, ts("2026-01-05T08:59:59Z")), None);
        assert_eq!(
            layer.on_call_at(&zone, ts("2026-01-05T09:00:00Z")),
            Some("ann")
        );
        assert_eq!(
            layer.on_call_at(&zone, ts("2026-01-12T08:59:59Z")),
            Some("ann")
        );
        assert_eq!(
            layer.on_call_at(&zone, ts("2026-01-12T09:00:00Z")),
            Some("bob")
        );
        assert_eq!(
            layer.on_call_at(&zone, ts("2026-01-19T09:00:00Z")),
            Some("cy")
        );
        assert_eq!(
            layer.on_call_at(&zone, ts("2026-01-26T09:00:00Z")),
            Some("ann")
        );
        // Far ahead, the arithmetic still lands on the right turn.
        let later = layer.turn_at(&zone, ts("2031-06-02T10:00:00Z")).unwrap();
        assert_eq!(later.start, ts("2031-06-02T09:00:00Z"));
        assert_eq!(later.end, ts("2031-06-09T09:00:00Z"));
    }
}
