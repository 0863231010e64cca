//! On-call schedules in the console: who is on call in each, a schedule's week as a
//! calendar in its own time zone, overrides, and the calendar feed address. Everyone
//! signed in reads; responders create schedules, cover for each other and make feeds.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use triage_core::duration::parse_duration;
use triage_core::role::Role;
use triage_store::{FeedOf, NewOverride, NewSchedule, Schedule, ScheduleLayer, StoreError};

use super::error::{PageError, refused_status};
use super::services::base_url;
use super::session::{Nav, SignedIn};
use crate::AppState;
use crate::api::schedules::{ShiftView, on_call_at};

/// A date or time the calendar could not place (far outside any real range).
fn time_error(error: jiff::Error) -> StoreError {
    StoreError::Invalid(format!("that date or time cannot be shown: {error}"))
}

/// Days the calendar shows at once.
const DAYS_SHOWN: i64 = 7;

pub struct ScheduleLine {
    pub name: String,
    pub time_zone: String,
    pub on_call: Option<ShiftView>,
    pub until: String,
}

#[derive(Template)]
#[template(path = "schedules.html")]
struct SchedulesPage {
    nav: Nav,
    error: Option<String>,
    schedules: Vec<ScheduleLine>,
    users: Vec<String>,
}

/// A time in the schedule's zone, as the calendar writes it.
fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%a %d %b %H:%M %Z")
        .to_string()
}

/// When a shift found at `now` ends, in words: a person alone in a rotation has no
/// hand-off within the horizon looked at.
fn until(end: Timestamp, now: Timestamp, zone: &TimeZone) -> String {
    if end >= now + crate::api::schedules::SHIFT_HORIZON {
        "no hand-off within 31 days".to_string()
    } else {
        local(end, zone)
    }
}

async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<String, PageError> {
    let now = state.now();
    let mut schedules = Vec::new();
    for schedule in state
        .store
        .schedules(now - crate::api::schedules::SHIFT_HORIZON)
        .await?
    {
        let zone = TimeZone::get(&schedule.time_zone).unwrap_or(TimeZone::UTC);
        let on_call = on_call_at(&schedule, now)?;
        schedules.push(ScheduleLine {
            until: on_call
                .as_ref()
                .map(|s| until(s.end, now, &zone))
                .unwrap_or_default(),
            name: schedule.name,
            time_zone: schedule.time_zone,
            on_call,
        });
    }
    let page = SchedulesPage {
        nav: signed_in.nav(),
        error,
        schedules,
        users: state
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| u.email)
            .collect(),
    };
    Ok(page.render()?)
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    Ok(Html(render_list(&state, &signed_in, None).await?))
}

#[derive(Deserialize, Default)]
pub struct ScheduleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    /// E-mail addresses separated by commas or new lines.
    #[serde(default)]
    users: String,
    #[serde(default)]
    shift: String,
    /// `2026-11-23T09:00`, as a `datetime-local` input sends it.
    #[serde(default)]
    start: String,
    #[serde(default)]
    restriction: String,
}

/// Creates a one-layer schedule (responders); more layers come through the API or CLI.
pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins describe schedules")?;
    let new = NewSchedule {
        name: form.name.clone(),
        description: String::new(),
        time_zone: form.time_zone,
        layers: vec![ScheduleLayer {
            name: String::new(),
            users: form
                .users
                .split([',', '\n'])
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect(),
            shift: form.shift,
            start: form.start,
            restrictions: vec![form.restriction],
        }],
    };
    match state.store.create_schedule(new, state.now()).await {
        Ok(schedule) => Ok(Redirect::to(&format!("/schedules/{}", schedule.name)).into_response()),
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = render_list(&state, &signed_in, Some(error.to_string())).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

/// Part of a day in the calendar: who, from when to when (local), and its share of
/// the day's width.
pub struct Segment {
    pub who: String,
    pub from: String,
    pub to: String,
    pub percent: String,
    pub layer: String,
}

pub struct Day {
    pub label: String,
    pub segments: Vec<Segment>,
}

pub struct OverrideLine {
    pub id: i64,
    pub user: String,
    pub start: String,
    pub end: String,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    nav: Nav,
    error: Option<String>,
    schedule: Schedule,
    on_call: Option<ShiftView>,
    on_call_until: String,
    days: Vec<Day>,
    overrides: Vec<OverrideLine>,
    previous: String,
    next: String,
    users: Vec<String>,
    /// A feed address just made, shown once.
    feed: Option<String>,
}

/// The calendar's days from local date `first`, each cut from the shifts.
fn calendar(schedule: &Schedule, zone: &TimeZone, first: Date) -> Result<Vec<Day>, PageError> {
    let midnight = |date: Date| -> Result<Timestamp, PageError> {
        Ok(date.to_zoned(zone.clone()).map_err(time_error)?.timestamp())
    };
    let from = midnight(first)?;
    let last = first
        .checked_add(jiff::Span::new().days(DAYS_SHOWN))
        .map_err(time_error)?;
    let to = midnight(last)?;
    let shifts: Vec<ShiftView> = schedule
        .model()?
        .shifts(from, to)
        .map_err(|e| StoreError::Invalid(e.to_string()))?
        .into_iter()
        .map(|shift| ShiftView::of(shift, schedule))
        .collect();
    let mut days = Vec::new();
    let mut date = first;
    while date < last {
        let next = date.tomorrow().map_err(time_error)?;
        let (start, end) = (midnight(date)?, midnight(next)?);
        let length = end.duration_since(start).as_secs_f64();
        let segments = shifts
            .iter()
            .filter(|s| s.start < end && s.end > start)
            .map(|s| {
                let (a, b) = (s.start.max(start), s.end.min(end));
                let hm = |t: Timestamp| {
                    if t == end {
                        "24:00".to_string()
                    } else {
                        t.to_zoned(zone.clone()).strftime("%H:%M").to_string()
                    }
                };
                Segment {
                    who: s.user.clone(),
                    from: hm(a),
                    to: hm(b),
                    percent: format!("{:.2}", b.duration_since(a).as_secs_f64() * 100.0 / length),
                    layer: s.from.clone(),
                }
            })
            .collect();
        days.push(Day {
            label: date.strftime("%a %d %b").to_string(),
            segments,
        });
        date = next;
    }
    Ok(days)
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    /// The calendar's first day, local: `2026-11-23`.
    from: Option<Date>,
}

async fn render_page(
    state: &AppState,
    signed_in: &SignedIn,
    name: &str,
    from: Option<Date>,
    error: Option<String>,
    feed: Option<String>,
) -> Result<String, PageError> {
    let now = state.now();
    let schedule = state
        .store
        .schedule(name, now - crate::api::schedules::SHIFT_HORIZON)
        .await?;
    let zone = TimeZone::get(&schedule.time_zone).unwrap_or(TimeZone::UTC);
    let first = from.unwrap_or_else(|| now.to_zoned(zone.clone()).date());
    let days = calendar(&schedule, &zone, first)?;
    let week = |days: i64| {
        first
            .checked_add(jiff::Span::new().days(days))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let on_call = on_call_at(&schedule, now)?;
    let page = SchedulePage {
        nav: signed_in.nav(),
        error,
        on_call_until: on_call
            .as_ref()
            .map(|s| until(s.end, now, &zone))
            .unwrap_or_default(),
        on_call,
        days,
        overrides: schedule
            .overrides
            .iter()
            .filter(|o| o.end > now)
            .map(|o| OverrideLine {
                id: o.id,
                user: o.user.clone(),
                start: local(o.start, &zone),
                end: local(o.end, &zone),
            })
            .collect(),
        previous: week(-DAYS_SHOWN),
        next: week(DAYS_SHOWN),
        users: state
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| u.email)
            .collect(),
        schedule,
        feed,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(name): Path<String>,
    Query(query): Query<WeekQuery>,
) -> Result<Html<String>, PageError> {
    Ok(Html(
        render_page(&state, &signed_in, &name, query.from, None, None).await?,
    ))
}

#[derive(Deserialize, Default)]
pub struct OverrideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    /// Local time in the schedule's zone, from a `datetime-local` input.
    #[serde(default)]
    start: String,
    #[serde(default)]
    duration: String,
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The instant of local time `text` (`2026-11-23T09:00`) in the schedule's zone.
fn local_instant(text: &str, time_zone: &str) -> Result<Timestamp, StoreError> {
    let local: DateTime = text.trim().parse().map_err(|_| {
        StoreError::Invalid(format!(
            "'{text}' is not a local date and time: write it like 2026-11-23T09:00"
        ))
    })?;
    let zone = TimeZone::get(time_zone).map_err(time_error)?;
    Ok(zone
        .to_ambiguous_zoned(local)
        .compatible()
        .map_err(time_error)?
        .timestamp())
}

/// Covers a window of the schedule (responders).
pub async fn add_override(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(name): Path<String>,
    Form(form): Form<OverrideForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins cover shifts")?;
    let now = state.now();
    let result = async {
        let schedule = state.store.schedule(&name, now).await?;
        let start = local_instant(&form.start, &schedule.time_zone)?;
        let length: SignedDuration =
            parse_duration(&form.duration).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let new = NewOverride {
            user: form.user,
            start,
            end: start + length,
        };
        state
            .store
            .add_override(&name, new, &signed_in.actor, now)
            .await
    }
    .await
    .map(|_| ());
    finish(&state, &signed_in, &name, result).await
}

/// Removes an override (responders).
pub async fn remove_override(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((name, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins remove overrides")?;
    let result = state.store.remove_override(&name, id, state.now()).await;
    finish(&state, &signed_in, &name, result).await
}

/// Makes a new calendar feed address for the schedule, shown once (responders).
pub async fn create_feed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Responder, "responders and admins make calendar feeds")?;
    match state
        .store
        .create_feed(
            FeedOf::Schedule(name.clone()),
            &signed_in.actor,
            state.now(),
        )
        .await
    {
        Ok(feed) => {
            let address = format!("{}/calendar/{}.ics", base_url(&headers), feed.token);
            let body = render_page(&state, &signed_in, &name, None, None, Some(address)).await?;
            Ok(Html(body).into_response())
        }
        Err(error) => finish(&state, &signed_in, &name, Err(error)).await,
    }
}

async fn finish(
    state: &AppState,
    signed_in: &SignedIn,
    name: &str,
    result: Result<(), StoreError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/schedules/{name}")).into_response()),
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body =
                render_page(state, signed_in, name, None, Some(error.to_string()), None).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}
