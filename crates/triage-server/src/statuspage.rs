//! The status page as JSON, no sign-in, in the shapes of Atlassian Statuspage's public
//! API (`/api/v2/summary.json` and its siblings), so status widgets and aggregators that
//! read a Statuspage page read Triage's. Only public wording leaves here: never the
//! internal incident, its key or its people.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use triage_core::status_page::{ComponentStatus, Impact, PublicStatus, overall};
use triage_store::{PublicFilter, PublicIncident, StatusComponent};

use crate::AppState;
use crate::error::ApiResult;

/// The page's id in every answer (Triage serves one page).
const PAGE_ID: &str = "triage";
/// How far back incident lists reach.
const HISTORY_DAYS: i64 = 90;
/// The most incidents a list answers, as Statuspage does.
const LIST_LIMIT: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v2/summary.json", get(summary))
        .route("/api/v2/status.json", get(status))
        .route("/api/v2/components.json", get(components))
        .route("/api/v2/incidents.json", get(incidents))
        .route("/api/v2/incidents/unresolved.json", get(unresolved))
        .route("/api/v2/scheduled-maintenances.json", get(maintenances))
        .route(
            "/api/v2/scheduled-maintenances/upcoming.json",
            get(upcoming),
        )
        .route("/api/v2/scheduled-maintenances/active.json", get(active))
}

fn time(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn time_opt(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |t| json!(time(t)))
}

/// Everything the answers are made of, read once per request.
struct Page {
    url: String,
    components: Vec<StatusComponent>,
    incidents: Vec<PublicIncident>,
    maintenances: Vec<PublicIncident>,
    now: Timestamp,
}

impl Page {
    async fn read(state: &AppState) -> ApiResult<Page> {
        let now = state.now();
        let since = now - jiff::SignedDuration::from_hours(24 * HISTORY_DAYS);
        let store = &state.store;
        Ok(Page {
            url: state.outbound.public_url.clone().unwrap_or_default(),
            components: store.components(now).await?,
            incidents: store
                .public_incidents(PublicFilter::IncidentsSince(since), now)
                .await?,
            maintenances: store
                .public_incidents(PublicFilter::MaintenancesSince(since), now)
                .await?,
            now,
        })
    }

    fn updated_at(&self) -> Timestamp {
        self.components
            .iter()
            .map(|c| c.updated_at)
            .chain(self.incidents.iter().map(|i| i.updated_at))
            .chain(self.maintenances.iter().map(|m| m.updated_at))
            .max()
            .unwrap_or(self.now)
    }

    fn page(&self) -> Value {
        json!({
            "id": PAGE_ID,
            "name": "Status",
            "url": self.url,
            "time_zone": "Etc/UTC",
            "updated_at": time(self.updated_at()),
        })
    }

    fn status(&self) -> Value {
        let statuses: Vec<ComponentStatus> = self.components.iter().map(|c| c.status).collect();
        let impacts: Vec<Impact> = self.unresolved().map(|i| i.impact).collect();
        let overall = overall(&statuses, &impacts);
        json!({ "indicator": overall.indicator, "description": overall.description })
    }

    fn unresolved(&self) -> impl Iterator<Item = &PublicIncident> {
        self.incidents.iter().filter(|i| !i.status.is_final())
    }

    fn maintenances_in(&self, statuses: &[PublicStatus]) -> Vec<Value> {
        self.maintenances
            .iter()
            .filter(|m| statuses.contains(&m.status))
            .map(|m| self.incident(m))
            .collect()
    }

    /// Components as Statuspage lists them: each group is a component of its own
    /// (`group: true`, its members' ids, the worst of their statuses), and members name
    /// it in `group_id`.
    fn components(&self) -> Vec<Value> {
        let mut groups: BTreeMap<&str, (i64, ComponentStatus, Vec<String>)> = BTreeMap::new();
        for c in &self.components {
            if let Some(group) = &c.group {
                let entry = groups.entry(group.as_str()).or_insert((
                    c.position,
                    ComponentStatus::Operational,
                    Vec::new(),
                ));
                entry.0 = entry.0.min(c.position);
                entry.1 = entry.1.max(c.status);
                entry.2.push(c.id.to_string());
            }
        }
        let mut listed: Vec<(i64, Value)> = self
            .components
            .iter()
            .map(|c| (c.position, self.component(c)))
            .collect();
        for (name, (position, status, members)) in &groups {
            listed.push((
                *position,
                json!({
                    "id": group_id(name),
                    "name": name,
                    "status": status.as_str(),
                    "created_at": time(self.now),
                    "updated_at": time(self.updated_at()),
                    "position": position,
                    "description": null,
                    "showcase": false,
                    "start_date": null,
                    "group_id": null,
                    "page_id": PAGE_ID,
                    "group": true,
                    "only_show_if_degraded": false,
                    "components": members,
                }),
            ));
        }
        listed.sort_by_key(|(position, _)| *position);
        listed.into_iter().map(|(_, value)| value).collect()
    }

    fn component(&self, c: &StatusComponent) -> Value {
        json!({
            "id": c.id.to_string(),
            "name": c.name,
            "status": c.status.as_str(),
            "created_at": time(c.created_at),
            "updated_at": time(c.updated_at),
            "position": c.position,
            "description": if c.description.is_empty() { Value::Null } else { json!(c.description) },
            "showcase": true,
            "start_date": null,
            "group_id": c.group.as_deref().map(group_id),
            "page_id": PAGE_ID,
            "group": false,
            "only_show_if_degraded": false,
        })
    }

    fn incident(&self, i: &PublicIncident) -> Value {
        let id = i.id.to_string();
        let affected: Vec<Value> = i
            .components
            .iter()
            .filter_map(|a| self.components.iter().find(|c| c.id == a.id))
            .map(|c| self.component(c))
            .collect();
        let updates: Vec<Value> = i
            .updates
            .iter()
            .map(|u| {
                json!({
                    "id": u.id.to_string(),
                    "status": u.status.as_str(),
                    "body": u.body,
                    "incident_id": id,
                    "created_at": time(u.created_at),
                    "updated_at": time(u.created_at),
                    "display_at": time(u.created_at),
                    "affected_components": null,
                    "deliver_notifications": true,
                    "custom_tweet": null,
                    "tweet_id": null,
                })
            })
            .collect();
        let mut value = json!({
            "id": id,
            "name": i.name,
            "status": i.status.as_str(),
            "created_at": time(i.created_at),
            "updated_at": time(i.updated_at),
            "monitoring_at": time_opt(i.monitoring_at),
            "resolved_at": time_opt(i.resolved_at),
            "impact": i.impact.as_str(),
            "shortlink": format!("{}/status#incident-{id}", self.url),
            "started_at": time(i.created_at),
            "page_id": PAGE_ID,
            "incident_updates": updates,
            "components": affected,
        });
        if i.maintenance {
            value["scheduled_for"] = time_opt(i.scheduled_for);
            value["scheduled_until"] = time_opt(i.scheduled_until);
        }
        value
    }
}

/// A group's id: stable for its name.
fn group_id(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("group-{slug}")
}

/// Public answers may be cached briefly by browsers and proxies; never for long, since an
/// update must show at once.
fn public(value: Value) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "public, max-age=5"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        Json(value),
    )
}

async fn summary(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let incidents: Vec<Value> = page.unresolved().map(|i| page.incident(i)).collect();
    Ok(public(json!({
        "page": page.page(),
        "components": page.components(),
        "incidents": incidents,
        "scheduled_maintenances": page.maintenances_in(&[
            PublicStatus::Scheduled,
            PublicStatus::InProgress,
            PublicStatus::Verifying,
        ]),
        "status": page.status(),
    })))
}

async fn status(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    Ok(public(
        json!({ "page": page.page(), "status": page.status() }),
    ))
}

async fn components(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    Ok(public(
        json!({ "page": page.page(), "components": page.components() }),
    ))
}

async fn incidents(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let incidents: Vec<Value> = page
        .incidents
        .iter()
        .take(LIST_LIMIT)
        .map(|i| page.incident(i))
        .collect();
    Ok(public(
        json!({ "page": page.page(), "incidents": incidents }),
    ))
}

async fn unresolved(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let incidents: Vec<Value> = page.unresolved().map(|i| page.incident(i)).collect();
    Ok(public(
        json!({ "page": page.page(), "incidents": incidents }),
    ))
}

async fn maintenances(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let all: Vec<Value> = page
        .maintenances
        .iter()
        .take(LIST_LIMIT)
        .map(|m| page.incident(m))
        .collect();
    Ok(public(
        json!({ "page": page.page(), "scheduled_maintenances": all }),
    ))
}

async fn upcoming(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let listed = page.maintenances_in(&[PublicStatus::Scheduled]);
    Ok(public(
        json!({ "page": page.page(), "scheduled_maintenances": listed }),
    ))
}

async fn active(State(state): State<AppState>) -> ApiResult<impl IntoResponse> {
    let page = Page::read(&state).await?;
    let listed = page.maintenances_in(&[PublicStatus::InProgress, PublicStatus::Verifying]);
    Ok(public(
        json!({ "page": page.page(), "scheduled_maintenances": listed }),
    ))
}
