//! The service catalog in the console: every service with what fires on it, and a page
//! per service with its integrations (the key shown once, with the URL and an example
//! configuration for the sender to paste), its alert settings, its alerts and its recent
//! changes. Everyone signed in reads; admins change.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::HOST;
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::SignedDuration;
use serde::Deserialize;
use triage_core::alert::{AlertSeverity, IntegrationKind};
use triage_core::role::Role;
use triage_core::{Priority, Severity};
use triage_store::{Integration, NewService, PolicyChanges, Service, ServiceChanges, StoreError};

use super::cookies::over_https;
use super::error::{PageError, refused_status};
use super::session::{Nav, SignedIn};
use super::view::{
    AlertLine, ChangeLine, Choice, Time, optional, options, priority_options, severity_options,
};
use crate::AppState;

/// Alerts and changes a service page lists.
const LISTED: i64 = 50;

pub struct ServiceLine {
    pub service: Service,
    pub firing: i64,
    /// What happens when every alert of an incident has resolved, in words.
    pub on_resolved: &'static str,
}

/// The choices for `on_resolved`, in words.
const ON_RESOLVED: [(&str, &str); 3] = [
    ("leave", "Leave the incident as it is"),
    ("monitoring", "Move it to Monitoring"),
    ("resolve", "Resolve it (Fixed)"),
];

fn on_resolved_words(value: &str) -> &'static str {
    ON_RESOLVED
        .iter()
        .find(|(v, _)| *v == value)
        .map_or("Leave the incident as it is", |(_, words)| *words)
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    nav: Nav,
    error: Option<String>,
    services: Vec<ServiceLine>,
}

/// One alert level's row in the settings form.
pub struct MappingRow {
    pub level: &'static str,
    pub priorities: Vec<Choice>,
    pub severities: Vec<Choice>,
}

pub struct IntegrationLine {
    pub integration: Integration,
    pub endpoint: String,
    pub created: Time,
}

/// An integration just made: its key, once, and how to point the sender at it.
pub struct NewKey {
    pub name: String,
    pub key: String,
    pub endpoint: String,
    pub example: String,
}

#[derive(Template)]
#[template(path = "service.html")]
struct ServicePage {
    nav: Nav,
    error: Option<String>,
    service: Service,
    new_key: Option<NewKey>,
    integrations: Vec<IntegrationLine>,
    kinds: Vec<&'static str>,
    mapping: Vec<MappingRow>,
    on_resolved: Vec<Choice>,
    policies: Vec<Choice>,
    on_resolved_words: &'static str,
    flap_minutes: i64,
    alerts: Vec<AlertLine>,
    changes: Vec<ChangeLine>,
}

/// Where this server is reached, as the browser reached it (a proxy in front may say
/// which scheme it serves).
pub(super) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost:8080");
    let scheme = if over_https(headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Where a kind of integration posts; `key` may be a placeholder.
fn endpoint(base: &str, kind: &str, key: &str) -> String {
    match kind {
        "pagerduty" => format!("{base}/v2/enqueue"),
        other => format!("{base}/hooks/{other}/{key}"),
    }
}

/// What to paste into the sender, for a new key.
fn example(base: &str, kind: &str, key: &str) -> String {
    match kind {
        "alertmanager" => format!(
            "# alertmanager.yml\nreceivers:\n  - name: triage\n    webhook_configs:\n      - url: {}\n        send_resolved: true",
            endpoint(base, kind, key)
        ),
        "pagerduty" => format!(
            "# Alertmanager:\nreceivers:\n  - name: triage\n    pagerduty_configs:\n      - routing_key: {key}\n        url: {base}/v2/enqueue\n\n\
             # Any PagerDuty Events API v2 client: base URL {base}, routing key {key}\n\
             curl -X POST {base}/v2/enqueue -H 'Content-Type: application/json' \\\n  \
             -d '{{\"routing_key\":\"{key}\",\"event_action\":\"trigger\",\"payload\":{{\"summary\":\"Disk full on db01\",\"source\":\"db01\",\"severity\":\"critical\"}}}}'"
        ),
        "grafana" => format!(
            "Grafana → Alerting → Contact points → New contact point\n  Integration: Webhook\n  URL: {}\n  HTTP method: POST",
            endpoint(base, kind, key)
        ),
        _ => format!(
            "curl -X POST {} -H 'Content-Type: application/json' \\\n  \
             -d '{{\"key\":\"disk-db01\",\"summary\":\"Disk full on db01\",\"severity\":\"warning\",\"labels\":{{\"host\":\"db01\"}}}}'",
            endpoint(base, kind, key)
        ),
    }
}

async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
) -> Result<String, PageError> {
    let firing = state.store.firing_by_service().await?;
    let services = state
        .store
        .services()
        .await?
        .into_iter()
        .map(|service| ServiceLine {
            firing: firing.get(&service.name).copied().unwrap_or(0),
            on_resolved: on_resolved_words(&service.on_resolved),
            service,
        })
        .collect();
    let page = ServicesPage {
        nav: signed_in.nav(),
        error,
        services,
    };
    Ok(page.render()?)
}

async fn render_service(
    state: &AppState,
    signed_in: &SignedIn,
    base: &str,
    name: &str,
    error: Option<String>,
    new_key: Option<NewKey>,
) -> Result<String, PageError> {
    let service = state.store.service(name).await?;
    let integrations = state
        .store
        .integrations(name)
        .await?
        .into_iter()
        .map(|integration| IntegrationLine {
            endpoint: endpoint(base, &integration.kind, "<key>"),
            created: Time::new(integration.created_at),
            integration,
        })
        .collect();
    let mapping = AlertSeverity::ALL
        .into_iter()
        .map(|level| {
            let (priority, severity) = service
                .alert_mapping
                .get(level.as_str())
                .and_then(|m| m.split_once('/'))
                .and_then(|(p, s)| Some((Priority::parse(p).ok()?, Severity::parse(s).ok()?)))
                .unwrap_or_else(|| level.default_mapping());
            MappingRow {
                level: level.as_str(),
                priorities: priority_options(priority),
                severities: severity_options(severity),
            }
        })
        .collect();
    let on_resolved = options(
        ON_RESOLVED
            .into_iter()
            .map(|(v, l)| (v.to_string(), l.to_string()))
            .collect(),
        Some(&service.on_resolved),
    );
    let alerts = state
        .store
        .service_alerts(name, false, LISTED)
        .await?
        .iter()
        .map(AlertLine::new)
        .collect();
    let since = state.now() - SignedDuration::from_hours(24 * 7);
    let changes = state
        .store
        .service_changes(name, since, LISTED)
        .await?
        .into_iter()
        .map(ChangeLine::new)
        .collect();
    let service_policy = service.escalation_policy.clone().unwrap_or_default();
    let page = ServicePage {
        nav: signed_in.nav(),
        error,
        flap_minutes: service.flap_window / 60,
        on_resolved_words: on_resolved_words(&service.on_resolved),
        service,
        new_key,
        integrations,
        kinds: IntegrationKind::ALL.iter().map(|k| k.as_str()).collect(),
        mapping,
        policies: options(
            std::iter::once((String::new(), "None".to_string()))
                .chain(
                    state
                        .store
                        .policies()
                        .await?
                        .into_iter()
                        .map(|p| (p.name.clone(), p.name)),
                )
                .collect(),
            Some(service_policy.as_str()),
        ),
        on_resolved,
        alerts,
        changes,
    };
    Ok(page.render()?)
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    Ok(Html(render_list(&state, &signed_in, None).await?))
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Html<String>, PageError> {
    let base = base_url(&headers);
    Ok(Html(
        render_service(&state, &signed_in, &base, &name, None, None).await?,
    ))
}

#[derive(Deserialize, Default)]
pub struct ServiceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    runbook_url: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    on_resolved: String,
    #[serde(default)]
    flap_minutes: String,
    #[serde(default)]
    group_by: String,
    /// Absent: left alone; empty: no policy.
    escalation_policy: Option<String>,
    #[serde(default)]
    paging_priorities: String,
    #[serde(default)]
    critical_priority: String,
    #[serde(default)]
    critical_severity: String,
    #[serde(default)]
    error_priority: String,
    #[serde(default)]
    error_severity: String,
    #[serde(default)]
    warning_priority: String,
    #[serde(default)]
    warning_severity: String,
    #[serde(default)]
    info_priority: String,
    #[serde(default)]
    info_severity: String,
}

impl ServiceForm {
    /// The mapping the form's selects give, in its text form (`critical=P1/SEV1,...`).
    fn mapping(&self) -> String {
        [
            ("critical", &self.critical_priority, &self.critical_severity),
            ("error", &self.error_priority, &self.error_severity),
            ("warning", &self.warning_priority, &self.warning_severity),
            ("info", &self.info_priority, &self.info_severity),
        ]
        .into_iter()
        .filter(|(_, p, s)| !p.trim().is_empty() || !s.trim().is_empty())
        .map(|(level, p, s)| format!("{level}={}/{}", p.trim(), s.trim()))
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// Creates a service (admins).
pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<ServiceForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Admin, "admins manage services")?;
    let new = NewService {
        name: form.name.clone(),
        description: form.description.clone(),
        owner: optional(&form.owner),
        runbook_url: optional(&form.runbook_url),
        policy: PolicyChanges::default(),
    };
    match state.store.create_service(new, state.now()).await {
        Ok(service) => Ok(Redirect::to(&format!("/services/{}", service.name)).into_response()),
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = render_list(&state, &signed_in, Some(error.to_string())).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}

/// What an action leaves to show: nothing, or a new integration's key.
enum Done {
    Nothing,
    Key(NewKey),
}

async fn apply(
    state: &AppState,
    base: &str,
    name: &str,
    action: &str,
    form: &ServiceForm,
) -> Result<Done, StoreError> {
    let store = &state.store;
    match action {
        "settings" => {
            let flap_window = match optional(&form.flap_minutes) {
                Some(text) => Some(text.parse::<i64>().map(|m| m.saturating_mul(60)).map_err(
                    |_| {
                        StoreError::Invalid(format!(
                            "flap window '{text}' is not a number of minutes"
                        ))
                    },
                )?),
                None => None,
            };
            let changes = ServiceChanges {
                description: Some(form.description.clone()),
                owner: Some(form.owner.clone()),
                runbook_url: Some(form.runbook_url.clone()),
                policy: PolicyChanges {
                    alert_mapping: Some(form.mapping()),
                    on_resolved: optional(&form.on_resolved),
                    flap_window,
                    group_by: Some(form.group_by.clone()),
                },
                escalation_policy: form.escalation_policy.clone(),
                paging_priorities: optional(&form.paging_priorities),
            };
            store.update_service(name, changes).await?;
        }
        "integration" => {
            let kind = IntegrationKind::parse(&form.kind)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            let created = store
                .create_integration(name, kind, &form.name, state.now())
                .await?;
            let kind = created.integration.kind.as_str();
            return Ok(Done::Key(NewKey {
                name: created.integration.name.clone(),
                endpoint: endpoint(base, kind, &created.key),
                example: example(base, kind, &created.key),
                key: created.key,
            }));
        }
        "revoke" => {
            let id = form.id.trim().parse().map_err(|_| {
                StoreError::Invalid(format!("'{}' is not an integration id", form.id))
            })?;
            store.revoke_integration(id, state.now()).await?;
        }
        other => return Err(StoreError::NotFound(format!("no service action '{other}'"))),
    }
    Ok(Done::Nothing)
}

/// Runs an admin action on a service; a refusal shows the page again with the reason.
pub async fn act(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    Path((name, action)): Path<(String, String)>,
    Form(form): Form<ServiceForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    signed_in.require(Role::Admin, "admins manage services")?;
    let base = base_url(&headers);
    match apply(&state, &base, &name, &action, &form).await {
        Ok(Done::Nothing) => {
            Ok(Redirect::to(&format!("/services/{}", name.trim())).into_response())
        }
        Ok(Done::Key(key)) => {
            let body = render_service(&state, &signed_in, &base, &name, None, Some(key)).await?;
            Ok(Html(body).into_response())
        }
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = render_service(
                &state,
                &signed_in,
                &base,
                &name,
                Some(error.to_string()),
                None,
            )
            .await?;
            Ok((status, Html(body)).into_response())
        }
    }
}
