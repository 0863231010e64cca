//! A schedule: layers in a time zone, overrides on top, and the final answer to "who is
//! on call" at an instant or over a range.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::ScheduleError;
use super::layer::Layer;

/// The longest range asked of a schedule at once.
pub const MAX_RANGE_DAYS: i64 = 400;

/// Someone covering `[start, end)`, whoever the layers say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// Where a shift comes from: a layer (its position, 0 first) or an override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "layer", rename_all = "snake_case")]
pub enum ShiftSource {
    Layer(usize),
    Override,
}

/// Someone on call over `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shift {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub source: ShiftSource,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    zone: TimeZone,
    layers: Vec<Layer>,
    overrides: Vec<Override>,
}

impl Schedule {
    /// A schedule in the IANA time zone `time_zone`; refused if the zone is unknown, a
    /// layer names nobody, or overrides are inverted or overlap.
    pub fn new(
        time_zone: &str,
        layers: Vec<Layer>,
        mut overrides: Vec<Override>,
    ) -> Result<Schedule, ScheduleError> {
        let zone = zone(time_zone)?;
        if layers.is_empty() {
            return Err(ScheduleError::NoLayers);
        }
        for layer in &layers {
            layer.check()?;
        }
        overrides.sort_by_key(|o| o.start);
        for (i, o) in overrides.iter().enumerate() {
            check_override(&overrides[..i], o)?;
        }
        Ok(Schedule {
            zone,
            layers,
            overrides,
        })
    }

    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Who is on call at `at`, and from which layer or override; none when nobody is.
    pub fn on_call_at(&self, at: Timestamp) -> Option<(&str, ShiftSource)> {
        if let Some(o) = self.overrides.iter().find(|o| o.start <= at && at < o.end) {
            return Some((&o.user, ShiftSource::Override));
        }
        self.layers
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, layer)| Some((layer.on_call_at(&self.zone, at)?, ShiftSource::Layer(i))))
    }

    /// The shift in force at `at`, as far as `window` either side of it shows (a person
    /// alone in a rotation is on call without end).
    pub fn shift_at(&self, at: Timestamp, window: SignedDuration) -> Option<Shift> {
        let shifts = self.shifts(at - window, at + window).ok()?;
        shifts.into_iter().find(|s| s.start <= at && at < s.end)
    }

    /// Everyone on call in `[from, to)`, in order; times nobody is on call are left out.
    pub fn shifts(&self, from: Timestamp, to: Timestamp) -> Result<Vec<Shift>, ScheduleError> {
        if to <= from || to.duration_since(from) > SignedDuration::from_hours(24 * MAX_RANGE_DAYS) {
            return Err(ScheduleError::BadRange {
                max_days: MAX_RANGE_DAYS,
            });
        }
        let mut changes = vec![from, to];
        for o in &self.overrides {
            changes.extend(
                [o.start, o.end]
                    .into_iter()
                    .filter(|t| from < *t && *t < to),
            );
        }
        for layer in &self.layers {
            changes.extend(layer.changes(&self.zone, from, to));
        }
        changes.sort_unstable();
        changes.dedup();
        let mut shifts: Vec<Shift> = Vec::new();
        for pair in changes.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let Some((user, source)) = self.on_call_at(start) else {
                continue;
            };
            match shifts.last_mut() {
                Some(last) if last.end == start && last.user == user && last.source == source => {
                    last.end = end;
                }
                _ => shifts.push(Shift {
                    user: user.to_string(),
                    start,
                    end,
                    source,
                }),
            }
        }
        Ok(shifts)
    }
}

/// The IANA time zone `name`.
pub fn zone(name: &str) -> Result<TimeZone, ScheduleError> {
    TimeZone::get(name.trim()).map_err(|_| ScheduleError::UnknownTimeZone(name.to_string()))
}

/// Refuses an override that ends before it starts or overlaps one of `existing`.
pub fn check_override(existing: &[Override], new: &Override) -> Result<(), ScheduleError> {
    if new.end <= new.start {
        return Err(ScheduleError::InvertedOverride {
            start: new.start.to_string(),
            end: new.end.to_string(),
        });
    }
    if let Some(other) = existing
        .iter()
        .find(|o| o.start < new.end && new.start < o.end)
    {
        return Err(ScheduleError::OverlappingOverride {
            start: new.start.to_string(),
            end: new.end.to_string(),
            other_start: other.start.to_string(),
            other_end: other.end.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::{Restriction, ShiftLength};

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn layer(users: &[&str], shift: &str, start: &str) -> Layer {
        Layer {
            name: "layer".to_string(),
            users: users.iter().map(|u| u.to_string()).collect(),
            shift: ShiftLength::parse(shift).unwrap(),
            start: Layer::parse_start(start).unwrap(),
            restrictions: Vec::new(),
        }
    }

    fn brief(shifts: &[Shift]) -> Vec<(String, String, String)> {
        shifts
            .iter()
            .map(|s| (s.user.clone(), s.start.to_string(), s.end.to_string()))
            .collect()
    }

    fn row(user: &str, start: &str, end: &str) -> (String, String, String) {
        (user.to_string(), start.to_string(), end.to_string())
    }

    #[test]
    fn a_berlin_hand_off_stays_at_nine_local_across_both_clock_changes() {
        let berlin = Schedule::new(
            "Europe/Berlin",
            vec![layer(&["ann", "bob"], "1d", "2026-03-27T09:00")],
            Vec::new(),
        )
        .unwrap();
        // Clocks go forward on Sunday 2026-03-29: 09:00 is 08:00 UTC before, 07:00 after.
        let shifts = berlin
            .shifts(ts("2026-03-27T08:00:00Z"), ts("2026-03-31T07:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&shifts),
            vec![
                row("ann", "2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z"),
                row("bob", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"),
                row("ann", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"),
                row("bob", "2026-03-30T07:00:00Z", "2026-03-31T07:00:00Z"),
            ]
        );
        // Clocks go back on Sunday 2026-10-25: the shift over it lasts 25 hours.
        let shifts = berlin
            .shifts(ts("2026-10-24T07:00:00Z"), ts("2026-10-26T08:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&shifts),
            vec![
                row("bob", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z"),
                row("ann", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"),
            ]
        );
    }

    #[test]
    fn new_york_hand_offs_in_the_skipped_and_the_repeated_hour() {
        // 02:30 does not exist on 2026-03-08 in New York.
        let ny = Schedule::new(
            "America/New_York",
            vec![layer(&["ann", "bob"], "1d", "2026-03-07T02:30")],
            Vec::new(),
        )
        .unwrap();
        let shifts = ny
            .shifts(ts("2026-03-07T07:30:00Z"), ts("2026-03-09T06:30:00Z"))
            .unwrap();
        assert_eq!(
            brief(&shifts),
            vec![
                // 02:30 EST; then the skipped 02:30 moves past the gap to 03:30 EDT.
                row("ann", "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z"),
                row("bob", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"),
            ]
        );
        // 01:30 happens twice on 2026-11-01: the hand-off is at the first (EDT, 05:30
        // UTC), and the shift over the change lasts 25 hours.
        let ny = Schedule::new(
            "America/New_York",
            vec![layer(&["ann", "bob"], "1d", "2026-10-30T01:30")],
            Vec::new(),
        )
        .unwrap();
        let autumn = ny
            .shifts(ts("2026-10-31T05:30:00Z"), ts("2026-11-02T06:30:00Z"))
            .unwrap();
        assert_eq!(
            brief(&autumn),
            vec![
                row("bob", "2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z"),
                row("ann", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),
            ]
        );
        // No gap and no double coverage anywhere.
        for pair in autumn.windows(2) {
            assert_eq!(pair[0].end, pair[1].start);
        }
    }

    #[test]
    fn later_layers_win_where_they_have_someone_and_overrides_win_over_all() {
        let mut weekdays = layer(&["day"], "1w", "2026-11-02T00:00");
        weekdays.restrictions = vec![Restriction::parse("mon-fri 09:00-17:00").unwrap()];
        let schedule = Schedule::new(
            "UTC",
            vec![layer(&["night"], "1w", "2026-11-02T00:00"), weekdays],
            vec![Override {
                user: "cover".to_string(),
                start: ts("2026-11-23T16:00:00Z"),
                end: ts("2026-11-23T20:00:00Z"),
            }],
        )
        .unwrap();
        let monday = schedule
            .shifts(ts("2026-11-23T00:00:00Z"), ts("2026-11-24T00:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&monday),
            vec![
                row("night", "2026-11-23T00:00:00Z", "2026-11-23T09:00:00Z"),
                row("day", "2026-11-23T09:00:00Z", "2026-11-23T16:00:00Z"),
                row("cover", "2026-11-23T16:00:00Z", "2026-11-23T20:00:00Z"),
                row("night", "2026-11-23T20:00:00Z", "2026-11-24T00:00:00Z"),
            ]
        );
        assert_eq!(monday[2].source, ShiftSource::Override);
        assert_eq!(monday[1].source, ShiftSource::Layer(1));
        assert_eq!(
            schedule.on_call_at(ts("2026-11-28T12:00:00Z")),
            Some(("night", ShiftSource::Layer(0)))
        );
    }

    #[test]
    fn an_override_across_a_hand_off_covers_both_turns() {
        let schedule = Schedule::new(
            "Europe/Berlin",
            vec![layer(&["ann", "bob"], "1d", "2026-11-20T09:00")],
            vec![Override {
                user: "cy".to_string(),
                start: ts("2026-11-23T06:00:00Z"),
                end: ts("2026-11-23T10:00:00Z"),
            }],
        )
        .unwrap();
        let shifts = schedule
            .shifts(ts("2026-11-22T08:00:00Z"), ts("2026-11-24T08:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&shifts),
            vec![
                row("ann", "2026-11-22T08:00:00Z", "2026-11-23T06:00:00Z"),
                row("cy", "2026-11-23T06:00:00Z", "2026-11-23T10:00:00Z"),
                row("bob", "2026-11-23T10:00:00Z", "2026-11-24T08:00:00Z"),
            ]
        );
    }

    #[test]
    fn nobody_is_on_call_before_a_rotation_starts_or_outside_its_windows() {
        let mut hours = layer(&["ann"], "1w", "2026-11-23T00:00");
        hours.restrictions = vec![Restriction::parse("mon-fri 09:00-17:00").unwrap()];
        let schedule = Schedule::new("UTC", vec![hours], Vec::new()).unwrap();
        assert_eq!(schedule.on_call_at(ts("2026-11-22T12:00:00Z")), None);
        assert_eq!(schedule.on_call_at(ts("2026-11-23T08:00:00Z")), None);
        let shifts = schedule
            .shifts(ts("2026-11-20T00:00:00Z"), ts("2026-11-25T00:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&shifts),
            vec![
                row("ann", "2026-11-23T09:00:00Z", "2026-11-23T17:00:00Z"),
                row("ann", "2026-11-24T09:00:00Z", "2026-11-24T17:00:00Z"),
            ]
        );
        let current = schedule
            .shift_at(ts("2026-11-24T10:00:00Z"), SignedDuration::from_hours(48))
            .unwrap();
        assert_eq!(current.end, ts("2026-11-24T17:00:00Z"));
    }

    #[test]
    fn bad_schedules_are_refused_with_what_is_allowed() {
        let ok = || vec![layer(&["ann"], "1d", "2026-11-23T09:00")];
        assert_eq!(
            Schedule::new("Mars/Olympus", ok(), Vec::new()),
            Err(ScheduleError::UnknownTimeZone("Mars/Olympus".to_string()))
        );
        assert_eq!(
            Schedule::new("UTC", Vec::new(), Vec::new()),
            Err(ScheduleError::NoLayers)
        );
        assert_eq!(
            Schedule::new(
                "UTC",
                vec![layer(&[], "1d", "2026-11-23T09:00")],
                Vec::new()
            ),
            Err(ScheduleError::EmptyLayer("layer".to_string()))
        );
        let window = |start: &str, end: &str| Override {
            user: "cy".to_string(),
            start: ts(start),
            end: ts(end),
        };
        assert!(matches!(
            Schedule::new(
                "UTC",
                ok(),
                vec![window("2026-11-23T10:00:00Z", "2026-11-23T09:00:00Z")]
            ),
            Err(ScheduleError::InvertedOverride { .. })
        ));
        assert!(matches!(
            Schedule::new(
                "UTC",
                ok(),
                vec![
                    window("2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"),
                    window("2026-11-23T11:00:00Z", "2026-11-23T13:00:00Z"),
                ]
            ),
            Err(ScheduleError::OverlappingOverride { .. })
        ));
        // Touching windows do not overlap.
        assert!(
            Schedule::new(
                "UTC",
                ok(),
                vec![
                    window("2026-11-23T10:00:00Z", "2026-11-23T12:00:00Z"),
                    window("2026-11-23T12:00:00Z", "2026-11-23T13:00:00Z"),
                ]
            )
            .is_ok()
        );
        let schedule = Schedule::new("UTC", ok(), Vec::new()).unwrap();
        assert!(matches!(
            schedule.shifts(ts("2026-11-23T10:00:00Z"), ts("2026-11-23T10:00:00Z")),
            Err(ScheduleError::BadRange { .. })
        ));
        assert!(matches!(
            schedule.shifts(ts("2026-01-01T00:00:00Z"), ts("2027-06-01T00:00:00Z")),
            Err(ScheduleError::BadRange { .. })
        ));
    }

    proptest::proptest! {
        /// Whatever the rotation, zone and range: shifts follow one another without
        /// overlap, and at every instant the listed shift is who is on call.
        #[test]
        fn shifts_agree_with_who_is_on_call(
            zone_index in 0usize..3,
            length in 1u32..72,
            unit in 0usize..3,
            start_hours in 0i64..(24 * 400),
            users in 1usize..4,
            with_hours in proptest::bool::ANY,
            from_hours in 0i64..(24 * 400),
            span_hours in 1i64..(24 * 20),
            probes in proptest::collection::vec(0i64..3600, 8),
        ) {
            let zone_name = ["Europe/Berlin", "America/New_York", "UTC"][zone_index];
            let shift = ["h", "d", "w"][unit];
            let base = jiff::civil::date(2026, 1, 1).at(0, 0, 0, 0);
            let start = base.checked_add(jiff::Span::new().hours(start_hours).minutes(30)).unwrap();
            let names = ["ann", "bob", "cy"];
            let mut first = layer(&names[..users], &format!("{}{shift}", length.min(if unit == 2 { 4 } else { 72 })), "2026-01-01T00:00");
            first.start = start;
            if with_hours {
                first.restrictions = vec![Restriction::parse("mon-fri 09:00-17:00").unwrap()];
            }
            let schedule = Schedule::new(zone_name, vec![first], Vec::new()).unwrap();
            let from = ts("2026-01-01T00:00:00Z") + SignedDuration::from_hours(from_hours);
            let to = from + SignedDuration::from_hours(span_hours);
            let shifts = schedule.shifts(from, to).unwrap();
            for pair in shifts.windows(2) {
                proptest::prop_assert!(pair[0].end <= pair[1].start);
            }
            for (i, probe) in probes.iter().enumerate() {
                let at = from + SignedDuration::from_secs(probe * (i as i64 + 1) * span_hours / 8 );
                if at >= to { continue; }
                let listed = shifts.iter().find(|s| s.start <= at && at < s.end).map(|s| s.user.as_str());
                proptest::prop_assert_eq!(listed, schedule.on_call_at(at).map(|(u, _)| u));
            }
        }
    }
}
