//! Who is on call: schedules made of rotation layers, each handing off at a local time
//! in the schedule's time zone, optionally restricted to windows of the week (business
//! hours), with overrides on top (someone covers a window). Later layers win where they
//! have someone; an override wins over every layer.
//!
//! Hand-offs are computed in local (civil) time and then placed in the time zone, so a
//! 09:00 Europe/Berlin hand-off stays at 09:00 across daylight-saving changes (the shift
//! that spans the change is an hour shorter or longer). Every shift ends at the instant
//! the next begins, so there is never a gap or double coverage at a hand-off.

mod ical;
mod layer;
mod restriction;
mod schedule;

pub use ical::{CalendarShift, calendar};
pub use layer::{Layer, ShiftLength};
pub use restriction::Restriction;
pub use schedule::{MAX_RANGE_DAYS, Override, Schedule, Shift, ShiftSource, check_override, zone};

/// What is wrong with a schedule's description; nothing is saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "time zone '{0}' is unknown: use an IANA name such as Europe/Berlin, America/New_York or UTC"
    )]
    UnknownTimeZone(String),
    #[error(
        "shift length '{0}' is not allowed: write it like 12h, 1d, 1w or 2w (a whole number of hours, days or weeks, at least 1)"
    )]
    BadShiftLength(String),
    #[error("layer '{0}' has nobody in its rotation: name at least one user")]
    EmptyLayer(String),
    #[error("layer start '{0}' is not a local date and time: write it like 2026-11-23T09:00")]
    BadStart(String),
    #[error(
        "restriction '{0}' is not allowed: write days and hours like 'mon-fri 09:00-17:00' or 'sat,sun 00:00-24:00'"
    )]
    BadRestriction(String),
    #[error("an override must end after it starts ({start} is not before {end})")]
    InvertedOverride { start: String, end: String },
    #[error(
        "the override {start} – {end} overlaps another one ({other_start} – {other_end}); change or remove that one first"
    )]
    OverlappingOverride {
        start: String,
        end: String,
        other_start: String,
        other_end: String,
    },
    #[error("a schedule needs at least one layer")]
    NoLayers,
    #[error("the time range must end after it starts, and span at most {max_days} days")]
    BadRange { max_days: i64 },
}
