//! The dashboard: what is on fire at a glance — active incidents by priority with their
//! age and status colour, counts by severity, who has nobody on it, what was resolved
//! lately.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};
use triage_store::{Incident, IncidentFilter, ListRequest, SortField, SortOrder};

use super::error::PageError;
use super::session::{Nav, SignedIn};
use super::view::Row;
use crate::AppState;

/// Most active incidents the dashboard reads.
const MAX_ACTIVE: usize = 1_000;

pub struct PriorityGroup {
    pub label: String,
    pub rows: Vec<Row>,
}

pub struct Count {
    pub label: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    nav: Nav,
    /// What the live stream compares with (read before the lists, so no change is missed).
    mark: String,
    active: usize,
    /// More active incidents than the dashboard reads: it shows the most urgent.
    truncated: bool,
    groups: Vec<PriorityGroup>,
    severities: Vec<Count>,
    unassigned: Vec<Row>,
    resolved: Vec<Row>,
}

/// Every active incident (To Do or In Progress), most urgent first, up to [`MAX_ACTIVE`].
async fn active_incidents(state: &AppState) -> Result<Vec<Incident>, PageError> {
    let mut incidents = Vec::new();
    let mut cursor = None;
    loop {
        let request = ListRequest {
            filter: IncidentFilter {
                categories: vec![Category::ToDo, Category::InProgress],
                ..IncidentFilter::default()
            },
            sort: SortField::Priority,
            order: SortOrder::Asc,
            limit: triage_store::MAX_PAGE,
            cursor,
        };
        let page = state.store.list_incidents(request).await?;
        incidents.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() || incidents.len() >= MAX_ACTIVE {
            return Ok(incidents);
        }
    }
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    let now = state.now();
    let mark = state.store.incidents_mark().await?;
    let active = active_incidents(&state).await?;
    let mut groups: Vec<PriorityGroup> = Priority::ALL
        .iter()
        .map(|p| PriorityGroup {
            label: p.to_string(),
            rows: Vec::new(),
        })
        .chain(std::iter::once(PriorityGroup {
            label: "No priority".to_string(),
            rows: Vec::new(),
        }))
        .collect();
    let mut severity_counts = [0usize; 5];
    let mut unassigned = Vec::new();
    for incident in &active {
        let group = incident.priority.map_or(4, |p| usize::from(p.rank()) - 1);
        groups[group].rows.push(Row::new(incident, now));
        severity_counts[incident.severity.map_or(4, |s| usize::from(s.rank()) - 1)] += 1;
        if incident.assignee.is_none() {
            unassigned.push(Row::new(incident, now));
        }
    }
    let severities = Severity::ALL
        .iter()
        .map(|s| s.to_string())
        .chain(std::iter::once("No severity".to_string()))
        .zip(severity_counts)
        .map(|(label, count)| Count { label, count })
        .collect();
    let resolved = state
        .store
        .list_incidents(ListRequest {
            filter: IncidentFilter {
                categories: vec![Category::Done],
                ..IncidentFilter::default()
            },
            sort: SortField::Updated,
            order: SortOrder::Desc,
            limit: 10,
            cursor: None,
        })
        .await?
        .items;
    let page = Dashboard {
        nav: signed_in.nav(),
        mark,
        active: active.len(),
        truncated: active.len() >= MAX_ACTIVE,
        groups: groups.into_iter().filter(|g| !g.rows.is_empty()).collect(),
        severities,
        unassigned,
        resolved: resolved.iter().map(|i| Row::new(i, now)).collect(),
    };
    Ok(Html(page.render()?))
}
