//! `GET /calendar/{token}.ics`: on-call shifts as an iCalendar feed for calendar apps,
//! which cannot send credentials, so the secret is the address itself (made with
//! `POST /api/v1/schedules/{name}/feed` or `POST /api/v1/me/feed`). From a week ago to a
//! year ahead.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use jiff::SignedDuration;
use triage_core::oncall::{CalendarShift, Shift, calendar};
use triage_store::FeedOf;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// What a feed covers, around now.
const PAST: SignedDuration = SignedDuration::from_hours(24 * 7);
const AHEAD: SignedDuration = SignedDuration::from_hours(24 * 365);

pub fn router() -> Router<AppState> {
    Router::new().route("/calendar/{file}", get(feed))
}

async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let unknown =
        || ApiError::NotFound("no such calendar feed: it is unknown or was replaced".to_string());
    let token = file.strip_suffix(".ics").ok_or_else(unknown)?;
    let of = state.store.feed(token).await?.ok_or_else(unknown)?;
    let now = state.now();
    let (from, to) = (now - PAST, now + AHEAD);
    let (name, schedules, person) = match &of {
        FeedOf::Schedule(name) => (
            format!("On call: {name}"),
            vec![state.store.schedule(name, from).await?],
            None,
        ),
        FeedOf::User(email) => (
            format!("On call: {email}"),
            state.store.schedules(from).await?,
            Some(email.as_str()),
        ),
    };
    let mut shifts: Vec<(&str, Shift)> = Vec::new();
    for schedule in &schedules {
        let model = schedule.model()?;
        let found = model
            .shifts(from, to)
            .map_err(|e| ApiError::invalid(e.to_string()))?;
        shifts.extend(
            found
                .into_iter()
                .filter(|s| person.is_none_or(|p| s.user == p))
                .map(|s| (schedule.name.as_str(), s)),
        );
    }
    shifts.sort_by_key(|(_, s)| s.start);
    let events: Vec<CalendarShift<'_>> = shifts
        .iter()
        .map(|(schedule, shift)| CalendarShift { schedule, shift })
        .collect();
    Ok((
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        calendar(&name, "triage", &events, now),
    ))
}
