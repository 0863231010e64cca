//! `/api/v1/schedules` and `/api/v1/oncall`: on-call schedules, their overrides, and who
//! is on call now, at an instant or over a range. Responders describe schedules and
//! cover for each other; everyone reads them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use triage_core::duration::parse_duration;
use triage_core::oncall::{Shift, ShiftSource};
use triage_store::{
    FeedOf, NewFeed, NewOverride, NewSchedule, Schedule, ScheduleLayer, StoreResult,
};

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiQuery};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schedules", get(list).post(create))
        .route("/schedules/{name}", get(show).put(replace).delete(remove))
        .route("/schedules/{name}/shifts", get(shifts))
        .route("/schedules/{name}/oncall", get(on_call))
        .route("/schedules/{name}/overrides", post(add_override))
        .route("/schedules/{name}/overrides/{id}", delete(remove_override))
        .route(
            "/schedules/{name}/feed",
            post(create_schedule_feed).delete(revoke_schedule_feed),
        )
        .route("/me/feed", post(create_my_feed).delete(revoke_my_feed))
        .route("/oncall", get(everyone_on_call))
}

/// How far either side of an instant its shift is looked for: a person alone in a
/// rotation is on call without end, shown as ending this far ahead at most.
pub const SHIFT_HORIZON: SignedDuration = SignedDuration::from_hours(24 * 31);

/// A shift as the API and console show it.
#[derive(Debug, Clone, Serialize)]
pub struct ShiftView {
    pub user: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The layer's name, or `override`.
    pub from: String,
}

impl ShiftView {
    pub fn of(shift: Shift, schedule: &Schedule) -> ShiftView {
        let from = match shift.source {
            ShiftSource::Override => "override".to_string(),
            ShiftSource::Layer(i) => schedule
                .layers
                .get(i)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
        };
        ShiftView {
            user: shift.user,
            start: shift.start,
            end: shift.end,
            from,
        }
    }
}

/// Who is on call in `schedule` at `at`, if anyone.
pub fn on_call_at(schedule: &Schedule, at: Timestamp) -> StoreResult<Option<ShiftView>> {
    let model = schedule.model()?;
    Ok(model
        .shift_at(at, SHIFT_HORIZON)
        .map(|shift| ShiftView::of(shift, schedule)))
}

async fn list(State(state): State<AppState>, Viewer(_): Viewer) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let mut listed = Vec::new();
    for schedule in state.store.schedules(now - SHIFT_HORIZON).await? {
        let on_call = on_call_at(&schedule, now)?;
        listed.push(json!({ "schedule": schedule, "on_call": on_call }));
    }
    Ok(Json(json!({ "schedules": listed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    /// Required to create; must match the path to replace (or be left out).
    name: Option<String>,
    #[serde(default)]
    description: String,
    time_zone: String,
    layers: Vec<ScheduleLayer>,
}

impl ScheduleBody {
    fn into_new(self, name: String) -> NewSchedule {
        NewSchedule {
            name,
            description: self.description,
            time_zone: self.time_zone,
            layers: self.layers,
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Responder(_): Responder,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<impl IntoResponse> {
    let name = body
        .name
        .clone()
        .ok_or_else(|| ApiError::invalid("a schedule needs a name"))?;
    let schedule = state
        .store
        .create_schedule(body.into_new(name), state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(schedule)))
}

async fn show(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let schedule = state.store.schedule(&name, now - SHIFT_HORIZON).await?;
    let on_call = on_call_at(&schedule, now)?;
    Ok(Json(json!({ "schedule": schedule, "on_call": on_call })))
}

async fn replace(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<impl IntoResponse> {
    if let Some(other) = body.name.as_deref().filter(|n| n.trim() != name.trim()) {
        return Err(ApiError::invalid(format!(
            "the body names schedule '{other}' but the path '{name}'; schedules cannot be renamed"
        )));
    }
    let schedule = state
        .store
        .update_schedule(&name, body.into_new(name.clone()), state.now())
        .await?;
    Ok(Json(schedule))
}

async fn remove(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state.store.delete_schedule(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeQuery {
    /// Now unless given.
    from: Option<Timestamp>,
    /// A week after `from` unless given (or `days`).
    to: Option<Timestamp>,
    /// The range's length in days, instead of `to`.
    days: Option<u32>,
}

async fn shifts(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<RangeQuery>,
) -> ApiResult<impl IntoResponse> {
    let from = query.from.unwrap_or_else(|| state.now());
    let to = match (query.to, query.days) {
        (Some(_), Some(_)) => return Err(ApiError::invalid("give to or days, not both")),
        (Some(to), None) => to,
        (None, days) => from + SignedDuration::from_hours(24 * i64::from(days.unwrap_or(7))),
    };
    let schedule = state.store.schedule(&name, from).await?;
    let shifts = schedule
        .model()?
        .shifts(from, to)
        .map_err(|e| ApiError::invalid(e.to_string()))?
        .into_iter()
        .map(|shift| ShiftView::of(shift, &schedule))
        .collect::<Vec<_>>();
    Ok(Json(json!({
        "schedule": schedule.name,
        "time_zone": schedule.time_zone,
        "from": from,
        "to": to,
        "shifts": shifts,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtQuery {
    /// Now unless given.
    at: Option<Timestamp>,
}

async fn on_call(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(name): Path<String>,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> ApiResult<impl IntoResponse> {
    let at = query.at.unwrap_or_else(|| state.now());
    let schedule = state.store.schedule(&name, at - SHIFT_HORIZON).await?;
    let on_call = on_call_at(&schedule, at)?;
    Ok(Json(
        json!({ "schedule": schedule.name, "at": at, "on_call": on_call }),
    ))
}

async fn everyone_on_call(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    ApiQuery(query): ApiQuery<AtQuery>,
) -> ApiResult<impl IntoResponse> {
    let at = query.at.unwrap_or_else(|| state.now());
    let mut listed = Vec::new();
    for schedule in state.store.schedules(at - SHIFT_HORIZON).await? {
        let on_call = on_call_at(&schedule, at)?;
        listed.push(json!({ "schedule": schedule.name, "on_call": on_call }));
    }
    Ok(Json(json!({ "at": at, "schedules": listed })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideBody {
    user: String,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    /// How long from the start, instead of `end`: `4h`, `1d`.
    duration: Option<String>,
}

async fn add_override(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> ApiResult<impl IntoResponse> {
    let now = state.now();
    let start = body.start.unwrap_or(now);
    let end = match (body.end, body.duration.as_deref()) {
        (Some(end), None) => end,
        (None, Some(duration)) => {
            start + parse_duration(duration).map_err(|e| ApiError::invalid(e.to_string()))?
        }
        _ => {
            return Err(ApiError::invalid(
                "an override needs an end or a duration (one of them)",
            ));
        }
    };
    let new = NewOverride {
        user: body.user,
        start,
        end,
    };
    let added = state.store.add_override(&name, new, &actor, now).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

async fn remove_override(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path((name, id)): Path<(String, i64)>,
) -> ApiResult<impl IntoResponse> {
    state.store.remove_override(&name, id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new feed as answered: the token and the path calendar apps subscribe to.
fn feed_answer(feed: NewFeed) -> impl IntoResponse {
    let path = format!("/calendar/{}.ics", feed.token);
    (
        StatusCode::CREATED,
        Json(json!({ "token": feed.token, "path": path, "of": feed.of })),
    )
}

async fn create_schedule_feed(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let feed = state
        .store
        .create_feed(FeedOf::Schedule(name), &actor, state.now())
        .await?;
    Ok(feed_answer(feed))
}

async fn revoke_schedule_feed(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(name): Path<String>,
) -> ApiResult<impl IntoResponse> {
    state
        .store
        .revoke_feed(FeedOf::Schedule(name), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn create_my_feed(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
) -> ApiResult<impl IntoResponse> {
    let of = FeedOf::User(actor.email.clone());
    let feed = state.store.create_feed(of, &actor, state.now()).await?;
    Ok(feed_answer(feed))
}

async fn revoke_my_feed(
    State(state): State<AppState>,
    Viewer(actor): Viewer,
) -> ApiResult<impl IntoResponse> {
    state
        .store
        .revoke_feed(FeedOf::User(actor.email), state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
