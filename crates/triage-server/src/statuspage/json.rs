//! The status page as JSON in the shapes of Atlassian Statuspage's public API
//! (`/api/v2/summary.json` and its siblings), so status widgets and aggregators that read
//! a Statuspage page read Triage's. Only public wording leaves here: never the internal
//! incident, its key or its people.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use triage_core::status_page::{ComponentStatus, PublicStatus};
use triage_store::{PublicIncident, StatusComponent};

use super::page::{OPEN_MAINTENANCE, Page};

/// The page's id in every answer (Triage serves one page).
pub(super) const PAGE_ID: &str = "triage";
/// The most incidents a list answers, as Statuspage does.
const LIST_LIMIT: usize = 50;

fn time(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn time_opt(at: Option<Timestamp>) -> Value {
    at.map_or(Value::Null, |t| json!(time(t)))
}

/// Statuspage's `page` object.
fn page_object(page: &Page) -> Value {
    json!({
        "id": PAGE_ID,
        "name": page.settings.name,
        "url": page.url,
        "time_zone": "Etc/UTC",
        "updated_at": time(page.updated_at()),
    })
}

fn status(page: &Page) -> Value {
    let overall = page.overall();
    json!({ "indicator": overall.indicator, "description": overall.description })
}

fn maintenances_in(page: &Page, statuses: &[PublicStatus]) -> Vec<Value> {
    page.maintenances_in(statuses)
        .map(|m| incident(page, m))
        .collect()
}

/// Components as Statuspage lists them: each group is a component of its own
/// (`group: true`, its members' ids, the worst of their statuses), and members name
/// it in `group_id`.
fn components(page: &Page) -> Vec<Value> {
    let mut groups: BTreeMap<&str, (i64, ComponentStatus, Vec<String>)> = BTreeMap::new();
    for c in &page.components {
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
    let mut listed: Vec<(i64, Value)> = page
        .components
        .iter()
        .map(|c| (c.position, component(c)))
        .collect();
    for (name, (position, status, members)) in &groups {
        listed.push((
            *position,
            json!({
                "id": group_id(name),
                "name": name,
                "status": status.as_str(),
                "created_at": time(page.now),
                "updated_at": time(page.updated_at()),
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

fn component(c: &StatusComponent) -> Value {
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

pub(super) fn incident(page: &Page, i: &PublicIncident) -> Value {
    let id = i.id.to_string();
    let affected: Vec<Value> = i
        .components
        .iter()
        .filter_map(|a| page.components.iter().find(|c| c.id == a.id))
        .map(component)
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
                "affected_components": affected_components(u),
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
        "shortlink": page.incident_url(i.id),
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

fn affected_components(update: &triage_store::PublicUpdate) -> Value {
    if update.changes.is_empty() {
        return Value::Null;
    }
    update
        .changes
        .iter()
        .map(|c| {
            json!({
                "code": c.id.to_string(),
                "name": c.name,
                "old_status": c.old_status.as_str(),
                "new_status": c.new_status.as_str(),
            })
        })
        .collect()
}

pub fn summary(page: &Page) -> Value {
    let incidents: Vec<Value> = page.unresolved().map(|i| incident(page, i)).collect();
    json!({
        "page": page_object(page),
        "components": components(page),
        "incidents": incidents,
        "scheduled_maintenances": maintenances_in(page, &OPEN_MAINTENANCE),
        "status": status(page),
    })
}

pub fn status_only(page: &Page) -> Value {
    json!({ "page": page_object(page), "status": status(page) })
}

pub fn components_only(page: &Page) -> Value {
    json!({ "page": page_object(page), "components": components(page) })
}

pub fn incidents(page: &Page) -> Value {
    let incidents: Vec<Value> = page
        .incidents
        .iter()
        .take(LIST_LIMIT)
        .map(|i| incident(page, i))
        .collect();
    json!({ "page": page_object(page), "incidents": incidents })
}

pub fn unresolved(page: &Page) -> Value {
    let incidents: Vec<Value> = page.unresolved().map(|i| incident(page, i)).collect();
    json!({ "page": page_object(page), "incidents": incidents })
}

pub fn maintenances(page: &Page) -> Value {
    let all: Vec<Value> = page
        .maintenances
        .iter()
        .take(LIST_LIMIT)
        .map(|m| incident(page, m))
        .collect();
    json!({ "page": page_object(page), "scheduled_maintenances": all })
}

pub fn upcoming(page: &Page) -> Value {
    let listed = maintenances_in(page, &[PublicStatus::Scheduled]);
    json!({ "page": page_object(page), "scheduled_maintenances": listed })
}

pub fn active(page: &Page) -> Value {
    let listed = maintenances_in(page, &[PublicStatus::InProgress, PublicStatus::Verifying]);
    json!({ "page": page_object(page), "scheduled_maintenances": listed })
}
