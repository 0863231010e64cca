//! The incident page: everything about one incident and its timeline, and the actions a
//! responder takes on it. Only the transitions allowed now are offered; the others show
//! why not. Every action posts the version the page showed, so an edit made on a stale
//! page is refused with a message instead of overwriting someone else's change.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use serde::Deserialize;
use triage_core::action::{ActionKind, ActionStatus};
use triage_core::role::Role;
use triage_core::{Priority, Severity};
use triage_store::{
    ActionFilter, ActionItem, AvailableTransition, Incident, IncidentChanges, NewActionItem,
    NewStakeholder, NewStakeholderUpdate, PublicFilter, Review, Stakeholder, StoreError,
    TransitionInput, incident_mark,
};

use super::error::{PageError, refused_status};
use super::session::{Nav, SignedIn};
use super::view::{
    AlertLine, ChangeLine, Choice, Time, category_class, choices, optional, options,
    priority_choices, severity_choices,
};
use crate::AppState;

/// Alerts an incident page lists (firing first); the API has them all.
const ALERTS_LISTED: usize = 200;

pub struct EventLine {
    pub text: String,
    pub at: Time,
}

pub struct UpdateLine {
    pub at: Time,
    pub author: String,
    pub message: String,
    pub impact: Option<String>,
    pub recipients: String,
    pub public: bool,
}

pub struct LinkLine {
    pub relation: String,
    pub key: String,
    pub summary: String,
    pub status: String,
    pub category: &'static str,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    nav: Nav,
    error: Option<String>,
    incident: Incident,
    category: &'static str,
    detected: Time,
    opened: Time,
    /// What the live stream compares: version and latest timeline entry.
    mark: String,
    /// The response-time SLA in words ("11m left", "met in 4m"), and whether it is
    /// breached; none without a priority.
    response: Option<(String, bool)>,
    /// The next stakeholder update in words ("due in 12m", "overdue by 5m"), and whether
    /// it is overdue; none when no update is asked for.
    cadence: Option<(String, bool)>,
    /// "kept 3 of 4 (75 %)", once an interval has ended.
    kept: Option<String>,
    updates: Vec<UpdateLine>,
    stakeholders: Vec<Stakeholder>,
    /// Whether the incident is on the status page now, so an update may go there too.
    published: bool,
    /// Its post-mortem's status and revision, if it has one.
    postmortem: Option<(String, u32)>,
    action_items: Vec<ActionItem>,
    /// The earlier incident this one recurs, with its finished action items (which did
    /// not prevent it).
    recurrence: Option<(String, Vec<ActionItem>)>,
    review: Review,
    /// Where a change to an action item returns: this page.
    back: String,
    kinds: Vec<Choice>,
    owners: Vec<Choice>,
    links: Vec<LinkLine>,
    alerts: Vec<AlertLine>,
    /// Changes on the incident's services from a day before it was detected.
    changes: Vec<ChangeLine>,
    events: Vec<EventLine>,
    transitions: Vec<AvailableTransition>,
    resolutions: Vec<String>,
    assignees: Vec<Choice>,
    priorities: Vec<Choice>,
    severities: Vec<Choice>,
}

/// The page for `key`, with `error` shown above the actions when an action was refused.
async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    key: &str,
    error: Option<String>,
) -> Result<String, PageError> {
    let incident = state.store.incident(key).await?;
    let events = state.store.timeline(key).await?;
    let mark = incident_mark(
        incident.version,
        events.iter().map(|e| e.id).max().unwrap_or(0),
    );
    let transitions = state
        .store
        .available_transitions(key, &signed_in.actor)
        .await?;
    let users: Vec<(String, String)> = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.email.clone(), format!("{} <{}>", u.name, u.email)))
        .collect();
    let owners = choices(users.clone(), None, "Nobody yet");
    let assignees = choices(
        users,
        incident.assignee.as_ref().map(|a| a.email.clone()),
        "Nobody",
    );
    let kinds = options(
        ActionKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), k.as_str().to_string()))
            .collect(),
        Some(ActionKind::Fix.as_str()),
    );
    let priorities = priority_choices(incident.priority);
    let severities = severity_choices(incident.severity);
    let links = incident
        .links
        .iter()
        .map(|link| LinkLine {
            relation: link.relation.clone(),
            key: link.incident.key.clone(),
            summary: link.incident.summary.clone(),
            status: link.incident.status.clone(),
            category: category_class(link.incident.status_category),
        })
        .collect();
    let alerts = state
        .store
        .incident_alerts(key)
        .await?
        .iter()
        .take(ALERTS_LISTED)
        .map(AlertLine::new)
        .collect();
    let mut changes = Vec::new();
    let since = incident.detected_at - SignedDuration::from_hours(24);
    for service in &incident.services {
        changes.extend(state.store.service_changes(service, since, 10).await?);
    }
    changes.sort_by_key(|c| std::cmp::Reverse(c.at));
    let now = state.now();
    let response = triage_core::sla::response(
        incident.response_due_at,
        incident.detected_at,
        incident.acknowledged_at,
        now,
    )
    .map(|r| {
        let missed = matches!(
            r,
            triage_core::sla::Response::Breached { .. }
                | triage_core::sla::Response::Met { within: false, .. }
        );
        (r.describe(now), missed)
    });
    let cadence =
        triage_core::cadence::describe(incident.update_due_at, incident.update_overdue_at, now);
    let updates = state
        .store
        .updates(key)
        .await?
        .into_iter()
        .rev()
        .map(|u| UpdateLine {
            at: Time::new(u.created_at),
            author: u.author.map_or_else(|| "someone".to_string(), |a| a.name),
            message: u.message,
            impact: u.impact,
            recipients: u.recipients.join(", "),
            public: u.public_update_id.is_some(),
        })
        .collect();
    let published = state
        .store
        .public_incidents(PublicFilter::IncidentsSince(now), now)
        .await?
        .iter()
        .any(|p| p.resolved_at.is_none() && p.incident.as_deref() == Some(&incident.key));
    let postmortem = match state.store.postmortem(key).await {
        Ok(p) => Some((p.status.to_string(), p.revision)),
        Err(StoreError::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let filter = ActionFilter::of_incident(incident.key.clone());
    let action_items = state.store.action_items(filter, now).await?;
    let recurrence = match &incident.recurrence_of {
        Some(earlier) => {
            let filter = ActionFilter {
                incident: Some(earlier.clone()),
                status: Some(ActionStatus::Done.as_str().to_string()),
                ..ActionFilter::default()
            };
            let finished = state.store.action_items(filter, now).await?;
            Some((earlier.clone(), finished))
        }
        None => None,
    };
    let review = state.store.review_of(&incident, &action_items).await?;
    let page = IncidentPage {
        review,
        recurrence,
        postmortem,
        action_items,
        back: format!("/incidents/{}", incident.key),
        kinds,
        owners,
        cadence,
        kept: incident.update_cadence.describe(),
        updates,
        stakeholders: state.store.stakeholders(key).await?,
        published,
        mark,
        nav: signed_in.nav(),
        error,
        response,
        alerts,
        changes: changes.into_iter().map(ChangeLine::new).collect(),
        category: category_class(incident.status_category),
        detected: Time::new(incident.detected_at),
        opened: Time::new(incident.created_at),
        links,
        events: events
            .into_iter()
            .map(|e| EventLine {
                text: e.text,
                at: Time::new(e.at),
            })
            .collect(),
        transitions,
        resolutions: state.store.workflow().resolutions.clone(),
        assignees,
        priorities,
        severities,
        incident,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(key): Path<String>,
) -> Result<Html<String>, PageError> {
    Ok(Html(render(&state, &signed_in, &key, None).await?))
}

/// What every action form carries.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    csrf: String,
    /// The incident's version when the page was shown.
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    transition: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    resolution: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    other: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    next_update_in: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    public: Option<String>,
    #[serde(default)]
    public_status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    stakeholder: Option<i64>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    item_kind: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    ticket_url: String,
}

/// Runs one action; a refusal shows the page again with the reason and changes nothing.
pub async fn act(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((key, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(
        Role::Responder,
        "responders and admins may change incidents",
    )?;
    let actor = &signed_in.actor;
    let now = state.now();
    let store = &state.store;
    let result = match action.as_str() {
        "transition" => {
            let input = TransitionInput {
                name: Some(form.transition.clone()),
                comment: optional(&form.comment),
                resolution: optional(&form.resolution),
            };
            store
                .transition_incident(&key, input, form.version, actor, now)
                .await
                .map(|_| ())
        }
        "assign" => store
            .assign_incident(&key, optional(&form.assignee), form.version, actor, now)
            .await
            .map(|_| ()),
        "fields" => {
            let priority = optional(&form.priority)
                .map(|p| Priority::parse(&p))
                .transpose()
                .map_err(|e| StoreError::Invalid(e.to_string()));
            let severity = optional(&form.severity)
                .map(|s| Severity::parse(&s))
                .transpose()
                .map_err(|e| StoreError::Invalid(e.to_string()));
            match (priority, severity) {
                (Ok(priority), Ok(severity)) => {
                    let changes = IncidentChanges {
                        priority: Some(priority),
                        severity: Some(severity),
                        ..IncidentChanges::default()
                    };
                    store
                        .update_incident(&key, changes, form.version, actor, now)
                        .await
                        .map(|_| ())
                }
                (Err(error), _) | (_, Err(error)) => Err(error),
            }
        }
        "comment" => store
            .add_comment(&key, &form.comment, actor, now)
            .await
            .map(|_| ()),
        "link" => store
            .link_incidents(&key, &form.other, &form.relation, actor, now)
            .await
            .map(|_| ()),
        "acknowledge" => store.acknowledge(&key, actor, None, now).await.map(|_| ()),
        "escalate" => store.escalate(&key, actor, now).await.map(|_| ()),
        "update" => {
            let new = NewStakeholderUpdate {
                message: form.message.clone(),
                impact: optional(&form.impact),
                next_update_in: optional(&form.next_update_in),
                public: form.public.is_some(),
                public_status: optional(&form.public_status),
            };
            store.post_update(&key, new, actor, now).await.map(|_| ())
        }
        "stakeholders" => {
            let new = NewStakeholder {
                kind: form.kind.clone(),
                target: form.target.clone(),
            };
            store
                .add_stakeholder(&key, new, actor, now)
                .await
                .map(|_| ())
        }
        "unstakeholder" => match form.stakeholder {
            Some(id) => store.remove_stakeholder(&key, id, actor, now).await,
            None => Err(StoreError::Invalid(
                "the form named no stakeholder: reload the page and try again".into(),
            )),
        },
        "action-item" => {
            let new = NewActionItem {
                title: form.title.clone(),
                kind: optional(&form.item_kind),
                owner: optional(&form.owner),
                due: optional(&form.due),
                ticket_url: optional(&form.ticket_url),
            };
            store
                .add_action_item(&key, new, actor, now)
                .await
                .map(|_| ())
        }
        _ => return Err(PageError::NotFound(format!("no action '{action}'"))),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{}", key.trim())).into_response()),
        Err(error) => {
            let status = match &error {
                // Something the form named (an assignee, a linked key) does not exist;
                // the incident itself missing is the page's 404.
                StoreError::NotFound(_) if incident_exists(&state, &key).await => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                other => match refused_status(other) {
                    Some(status) if status != StatusCode::NOT_FOUND => status,
                    _ => return Err(PageError::from(error)),
                },
            };
            let body = render(&state, &signed_in, &key, Some(error.to_string())).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

async fn incident_exists(state: &AppState, key: &str) -> bool {
    state.store.incident(key).await.is_ok()
}
