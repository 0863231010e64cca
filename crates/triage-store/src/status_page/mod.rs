//! The public status page's records: components, public incidents and scheduled
//! maintenances with the components they affect, and their updates. A component's
//! status as shown is the worst of what was set by hand and what open incidents and
//! running maintenances say; a maintenance moves through its window by the clock.

mod history;
mod settings;
mod subscribers;

pub use settings::StatusPageSettings;
pub use subscribers::{NewSubscriber, Subscriber, SubscriberDelivery};

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};
use triage_core::status_page::{
    ComponentStatus, Impact, PublicStatus, UnknownValue, maintenance_status,
};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_incident_state, push_event, push_touch};
use crate::sql::Statements;
use crate::time::{from_db, from_db_opt, to_db};
use crate::updates::push_restart;
use settings::{bump, push_bump};
use subscribers::push_deliveries;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusComponent {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub group: Option<String>,
    /// The service it stands for: incidents published from that service affect it.
    pub service: Option<String>,
    pub position: i64,
    /// As shown: the worst of `set_status` and what open incidents say.
    pub status: ComponentStatus,
    /// As set by hand.
    pub set_status: ComponentStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct NewComponent {
    pub name: String,
    pub description: String,
    pub group: Option<String>,
    pub service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedComponent {
    pub id: i64,
    pub name: String,
    pub status: ComponentStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicUpdate {
    pub id: i64,
    pub status: PublicStatus,
    pub body: String,
    pub created_at: Timestamp,
    /// The components whose status this update changed.
    pub changes: Vec<ComponentChange>,
}

/// A component's status as an update changed it, within its incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentChange {
    pub id: i64,
    pub name: String,
    pub old_status: ComponentStatus,
    pub new_status: ComponentStatus,
}

/// A public incident or a scheduled maintenance, in public wording only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicIncident {
    pub id: i64,
    /// The internal incident it speaks for (never shown on the public page).
    pub incident: Option<String>,
    pub maintenance: bool,
    pub name: String,
    pub status: PublicStatus,
    pub impact: Impact,
    pub scheduled_for: Option<Timestamp>,
    pub scheduled_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub monitoring_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub components: Vec<AffectedComponent>,
    /// Newest first, as status pages list them.
    pub updates: Vec<PublicUpdate>,
}

/// Publishing: an internal incident's public face, or a scheduled maintenance.
#[derive(Debug, Clone, Default)]
pub struct NewPublicIncident {
    /// The internal incident's key; none for a maintenance.
    pub incident: Option<String>,
    pub maintenance: bool,
    pub name: String,
    /// The first update's text.
    pub body: String,
    /// `investigating` (or `scheduled`) unless set.
    pub status: Option<String>,
    /// From the incident's severity unless set.
    pub impact: Option<String>,
    /// Components by name, each with a status (from the impact unless set). Components
    /// standing for the incident's services are added.
    pub components: Vec<(String, Option<String>)>,
    pub scheduled_for: Option<Timestamp>,
    pub scheduled_until: Option<Timestamp>,
}

#[derive(Debug, Clone, Default)]
pub struct NewPublicUpdate {
    pub status: String,
    pub body: String,
    /// Components whose status this update sets (or adds), by name.
    pub components: Vec<(String, Option<String>)>,
}

/// Which public incidents to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicFilter {
    /// Every incident and maintenance.
    All,
    /// Incidents (not maintenances) open at some time since: still open, or resolved
    /// since.
    IncidentsSince(Timestamp),
    /// Maintenances whose window ends after.
    MaintenancesSince(Timestamp),
}

fn invalid(error: UnknownValue) -> StoreError {
    StoreError::Invalid(error.to_string())
}

pub(crate) fn text(field: &str, value: &str, limit: usize) -> StoreResult<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(StoreError::Invalid(format!("{field} must not be empty")));
    }
    if trimmed.chars().count() > limit {
        return Err(StoreError::Invalid(format!(
            "{field} is longer than {limit} characters"
        )));
    }
    Ok(trimmed.to_string())
}

const COMPONENT_COLUMNS: &str =
    "id, name, description, group_name, service, position, status, created_at, updated_at";

impl Store {
    pub async fn create_component(
        &self,
        new: NewComponent,
        now: Timestamp,
    ) -> StoreResult<StatusComponent> {
        let name = text("a component's name", &new.name, 100)?;
        let group = new
            .group
            .map(|g| g.trim().to_string())
            .filter(|g| !g.is_empty());
        let service = new
            .service
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        let description = new.description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM status_components WHERE name = $1")
                        .bind(&name)
                        .fetch_optional(&mut *connection)
                        .await?;
                if exists.is_some() {
                    return Err(StoreError::Duplicate(format!(
                        "a component named '{name}' already exists"
                    )));
                }
                sqlx::query(
                    "INSERT INTO status_components (name, description, group_name, service, \
                     position, status, created_at, updated_at) VALUES ($1, $2, $3, $4, \
                     (SELECT COALESCE(MAX(position), 0) + 1 FROM status_components), \
                     'operational', $5, $5)",
                )
                .bind(&name)
                .bind(&description)
                .bind(&group)
                .bind(&service)
                .bind(to_db(now))
                .execute(&mut *connection)
                .await?;
                bump(connection).await
            })
        })
        .await?;
        self.component(&new.name, now).await
    }

    /// Every component in page order, with the status it shows at `now`.
    pub async fn components(&self, now: Timestamp) -> StoreResult<Vec<StatusComponent>> {
        let mut connection = self.read.acquire().await?;
        load_components(&mut connection, now).await
    }

    pub async fn component(&self, name: &str, now: Timestamp) -> StoreResult<StatusComponent> {
        self.components(now)
            .await?
            .into_iter()
            .find(|c| c.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| StoreError::NotFound(format!("no component named '{}'", name.trim())))
    }

    /// Sets a component's status by hand.
    pub async fn set_component_status(
        &self,
        name: &str,
        status: &str,
        now: Timestamp,
    ) -> StoreResult<StatusComponent> {
        let status = ComponentStatus::parse(status).map_err(invalid)?;
        let component = self.component(name, now).await?;
        self.write(move |connection| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE status_components SET status = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(status.as_str())
                .bind(to_db(now))
                .bind(component.id)
                .execute(&mut *connection)
                .await?;
                bump(connection).await
            })
        })
        .await?;
        self.component(name, now).await
    }

    /// Removes a component no public incident refers to.
    pub async fn delete_component(&self, name: &str, now: Timestamp) -> StoreResult<()> {
        let component = self.component(name, now).await?;
        self.write(move |connection| {
            Box::pin(async move {
                let used: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM public_incident_components WHERE component_id = $1",
                )
                .bind(component.id)
                .fetch_one(&mut *connection)
                .await?;
                if used > 0 {
                    return Err(StoreError::Invalid(format!(
                        "component '{}' is part of {used} public incident(s) and stays in their history",
                        component.name
                    )));
                }
                sqlx::query("DELETE FROM status_components WHERE id = $1")
                    .bind(component.id)
                    .execute(&mut *connection)
                    .await?;
                bump(connection).await
            })
        })
        .await
    }

    /// Puts an incident (or a maintenance) on the status page with its first update.
    pub async fn publish(
        &self,
        new: NewPublicIncident,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<PublicIncident> {
        let name = text("the public title", &new.name, 200)?;
        let body = text("the update", &new.body, 5000)?;
        let maintenance = new.maintenance;
        if maintenance && new.incident.is_some() {
            return Err(StoreError::Invalid(
                "a maintenance stands for no internal incident: leave out the incident".into(),
            ));
        }
        if !maintenance && new.incident.is_none() {
            return Err(StoreError::Invalid(
                "a public incident speaks for an internal one: give its key (or publish a maintenance)".into(),
            ));
        }
        let window = match (maintenance, new.scheduled_for, new.scheduled_until) {
            (true, Some(from), Some(until)) if until > from => Some((from, until)),
            (true, _, _) => {
                return Err(StoreError::Invalid(
                    "a maintenance needs scheduled_for and a later scheduled_until".into(),
                ));
            }
            (false, None, None) => None,
            (false, _, _) => {
                return Err(StoreError::Invalid(
                    "only a maintenance is scheduled: leave out scheduled_for and scheduled_until"
                        .into(),
                ));
            }
        };
        let status = match &new.status {
            Some(s) => PublicStatus::parse(s, maintenance).map_err(invalid)?,
            None if maintenance => PublicStatus::Scheduled,
            None => PublicStatus::Investigating,
        };
        let explicit_impact = new
            .impact
            .as_deref()
            .map(Impact::parse)
            .transpose()
            .map_err(invalid)?;
        let components = parse_components(&new.components)?;
        let incident_key = new.incident.clone();
        let actor_id = actor.user_id;
        let cadence = self.options.update_cadence;
        let id = self
            .write(move |connection| {
                Box::pin(async move {
                    let internal = match &incident_key {
                        Some(key) => Some(load_incident_state(connection, key).await?),
                        None => None,
                    };
                    let impact = explicit_impact.unwrap_or(if maintenance {
                        Impact::Maintenance
                    } else {
                        Impact::from_severity(internal.as_ref().and_then(|s| s.severity))
                    });
                    let mut affected = resolve_components(connection, &components).await?;
                    if let Some(state) = &internal {
                        // Components standing for the incident's services.
                        let rows = sqlx::query(
                            "SELECT c.id FROM status_components c JOIN incident_services s \
                             ON s.service = c.service WHERE s.incident_id = $1",
                        )
                        .bind(state.id)
                        .fetch_all(&mut *connection)
                        .await?;
                        for row in rows {
                            let id: i64 = row.try_get("id")?;
                            affected.entry(id).or_insert(None);
                        }
                    }
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO public_incidents (incident_id, kind, name, status, impact, \
                         scheduled_for, scheduled_until, created_at, updated_at, monitoring_at, \
                         resolved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) \
                         RETURNING id",
                    )
                    .bind(internal.as_ref().map(|s| s.id))
                    .bind(if maintenance {
                        "maintenance"
                    } else {
                        "incident"
                    })
                    .bind(&name)
                    .bind(status.as_str())
                    .bind(impact.as_str())
                    .bind(window.map(|w| to_db(w.0)))
                    .bind(window.map(|w| to_db(w.1)))
                    .bind(to_db(now))
                    .bind((status == PublicStatus::Monitoring).then(|| to_db(now)))
                    .bind(status.is_final().then(|| to_db(now)))
                    .fetch_one(&mut *connection)
                    .await?;
                    let mut statements = Statements::default();
                    push_update(&mut statements, id, status, &body, actor_id, now);
                    for (component, given) in affected {
                        let shown = given.unwrap_or_else(|| ComponentStatus::from_impact(impact));
                        statements.push(
                            "INSERT INTO public_incident_components (public_incident_id, \
                             component_id, status) VALUES ($1, $2, $3)",
                            vec![id.into(), component.into(), shown.as_str().into()],
                        );
                        push_change(
                            &mut statements,
                            id,
                            component,
                            ComponentStatus::Operational,
                            shown,
                            now,
                        );
                    }
                    push_bump(&mut statements);
                    push_deliveries(&mut statements, id, now);
                    if let Some(state) = &internal {
                        let event = EventData::PublicUpdate {
                            public_id: id,
                            status: status.as_str().to_string(),
                            body: body.clone(),
                        };
                        push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                        push_touch(&mut statements, state.id, now);
                        push_restart(connection, &mut statements, state.id, None, &cadence, now)
                            .await?;
                    }
                    statements.execute(connection).await?;
                    Ok(id)
                })
            })
            .await?;
        self.wake.notify();
        self.public_incident(id, now).await
    }

    /// Posts an update: the public status moves, components change, the internal
    /// incident's timeline records it, and its update cadence starts again.
    pub async fn post_public_update(
        &self,
        id: i64,
        new: NewPublicUpdate,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<PublicIncident> {
        let body = text("the update", &new.body, 5000)?;
        let components = parse_components(&new.components)?;
        let actor_id = actor.user_id;
        let cadence = self.options.update_cadence;
        self.write(move |connection| {
            Box::pin(async move {
                let update = PublicChange {
                    status: &new.status,
                    body: &body,
                    components: &components,
                };
                let posted = apply_public_update(connection, id, update, actor_id, now).await?;
                if let Some(incident) = posted.incident {
                    let mut statements = Statements::default();
                    push_restart(connection, &mut statements, incident, None, &cadence, now)
                        .await?;
                    statements.execute(connection).await?;
                }
                Ok(())
            })
        })
        .await?;
        self.wake.notify();
        self.public_incident(id, now).await
    }

    pub async fn public_incident(&self, id: i64, now: Timestamp) -> StoreResult<PublicIncident> {
        let mut connection = self.read.acquire().await?;
        load_public(&mut connection, Selection::One(id), now)
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("no public incident {id}")))
    }

    /// Public incidents or maintenances, newest first.
    pub async fn public_incidents(
        &self,
        filter: PublicFilter,
        now: Timestamp,
    ) -> StoreResult<Vec<PublicIncident>> {
        let mut connection = self.read.acquire().await?;
        load_public(&mut connection, Selection::Filtered(filter), now).await
    }
}

/// An update to a public incident, checked but for its status (which depends on the
/// incident: a maintenance has its own).
pub(crate) struct PublicChange<'a> {
    pub status: &'a str,
    pub body: &'a str,
    pub components: &'a [(String, Option<ComponentStatus>)],
}

/// What posting a public update did.
pub(crate) struct PublicPosted {
    /// The internal incident it speaks for, if any.
    pub incident: Option<i64>,
    /// The update's id.
    pub update_id: i64,
}

/// Posts `change` to public incident `id` inside the caller's transaction: the public
/// status moves, components change (each change recorded for the uptime history), the
/// page's version is bumped and the internal incident's timeline records it.
pub(crate) async fn apply_public_update(
    connection: &mut AnyConnection,
    id: i64,
    change: PublicChange<'_>,
    actor_id: i64,
    now: Timestamp,
) -> StoreResult<PublicPosted> {
    let current = load_public(connection, Selection::One(id), now)
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("no public incident {id}")))?;
    let status = PublicStatus::parse(change.status, current.maintenance).map_err(invalid)?;
    let affected = resolve_components(connection, change.components).await?;
    let internal: Option<i64> =
        sqlx::query_scalar("SELECT incident_id FROM public_incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *connection)
            .await?;
    let mut statements = Statements::default();
    statements.push(
        "UPDATE public_incidents SET status = $1, updated_at = $2, \
         monitoring_at = CASE WHEN $3 = 1 THEN COALESCE(monitoring_at, $2) ELSE monitoring_at END, \
         resolved_at = CASE WHEN $4 = 1 THEN $2 ELSE NULL END WHERE id = $5",
        vec![
            status.as_str().into(),
            to_db(now).into(),
            i64::from(status == PublicStatus::Monitoring).into(),
            i64::from(status.is_final()).into(),
            id.into(),
        ],
    );
    push_update(&mut statements, id, status, change.body, actor_id, now);
    for (component, given) in affected {
        let shown = given.unwrap_or(ComponentStatus::from_impact(current.impact));
        let old = current
            .components
            .iter()
            .find(|c| c.id == component)
            .map_or(ComponentStatus::Operational, |c| c.status);
        if shown != old {
            push_change(&mut statements, id, component, old, shown, now);
        }
        statements.push(
            "DELETE FROM public_incident_components WHERE public_incident_id = $1 \
             AND component_id = $2",
            vec![id.into(), component.into()],
        );
        statements.push(
            "INSERT INTO public_incident_components (public_incident_id, \
             component_id, status) VALUES ($1, $2, $3)",
            vec![id.into(), component.into(), shown.as_str().into()],
        );
    }
    push_bump(&mut statements);
    push_deliveries(&mut statements, id, now);
    if let Some(incident) = internal {
        let event = EventData::PublicUpdate {
            public_id: id,
            status: status.as_str().to_string(),
            body: change.body.to_string(),
        };
        push_event(&mut statements, incident, Some(actor_id), now, &event)?;
        push_touch(&mut statements, incident, now);
    }
    statements.execute(connection).await?;
    let update_id: i64 =
        sqlx::query_scalar("SELECT MAX(id) FROM public_updates WHERE public_incident_id = $1")
            .bind(id)
            .fetch_one(&mut *connection)
            .await?;
    Ok(PublicPosted {
        incident: internal,
        update_id,
    })
}

fn push_update(
    statements: &mut Statements,
    id: i64,
    status: PublicStatus,
    body: &str,
    actor_id: i64,
    now: Timestamp,
) {
    statements.push(
        "INSERT INTO public_updates (public_incident_id, status, body, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
        vec![
            id.into(),
            status.as_str().into(),
            body.into(),
            actor_id.into(),
            to_db(now).into(),
        ],
    );
}

/// Records a component's change of status by the update just pushed.
fn push_change(
    statements: &mut Statements,
    id: i64,
    component: i64,
    old: ComponentStatus,
    new: ComponentStatus,
    now: Timestamp,
) {
    statements.push(
        "INSERT INTO public_component_changes (public_incident_id, update_id, component_id, \
         old_status, new_status, created_at) VALUES ($1, (SELECT MAX(id) FROM public_updates \
         WHERE public_incident_id = $1), $2, $3, $4, $5)",
        vec![
            id.into(),
            component.into(),
            old.as_str().into(),
            new.as_str().into(),
            to_db(now).into(),
        ],
    );
}

/// Component names with their optional statuses, parsed.
fn parse_components(
    given: &[(String, Option<String>)],
) -> StoreResult<Vec<(String, Option<ComponentStatus>)>> {
    given
        .iter()
        .map(|(name, status)| {
            let status = status
                .as_deref()
                .map(ComponentStatus::parse)
                .transpose()
                .map_err(invalid)?;
            Ok((name.trim().to_string(), status))
        })
        .collect()
}

/// Component ids by name; an unknown name is an error that lists the known ones.
pub(super) async fn resolve_components(
    connection: &mut AnyConnection,
    given: &[(String, Option<ComponentStatus>)],
) -> StoreResult<HashMap<i64, Option<ComponentStatus>>> {
    let mut resolved = HashMap::new();
    if given.is_empty() {
        return Ok(resolved);
    }
    let rows = sqlx::query("SELECT id, name FROM status_components ORDER BY position")
        .fetch_all(&mut *connection)
        .await?;
    let known: Vec<(i64, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<StoreResult<_>>()?;
    for (name, status) in given {
        let id = known
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(id, _)| *id)
            .ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|(_, n)| n.as_str()).collect();
                StoreError::Invalid(format!(
                    "no component named '{name}': components are {}",
                    if names.is_empty() {
                        "none yet".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            })?;
        resolved.insert(id, *status);
    }
    Ok(resolved)
}

fn stored<T>(parsed: Result<T, UnknownValue>) -> StoreResult<T> {
    parsed.map_err(|e| StoreError::Invalid(format!("stored {e}")))
}

async fn load_components(
    connection: &mut AnyConnection,
    now: Timestamp,
) -> StoreResult<Vec<StatusComponent>> {
    let sql = format!("SELECT {COMPONENT_COLUMNS} FROM status_components ORDER BY position, id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *connection)
        .await?;
    // What open incidents and maintenances say of each component.
    let open = sqlx::query(
        "SELECT pc.component_id, pc.status, p.kind, p.status AS public_status, \
         p.scheduled_for, p.scheduled_until FROM public_incident_components pc \
         JOIN public_incidents p ON p.id = pc.public_incident_id WHERE p.resolved_at IS NULL",
    )
    .fetch_all(&mut *connection)
    .await?;
    let mut worst: HashMap<i64, ComponentStatus> = HashMap::new();
    for row in open {
        let said = if row.try_get::<String, _>("kind")? == "maintenance" {
            let status = stored(PublicStatus::parse(
                &row.try_get::<String, _>("public_status")?,
                true,
            ))?;
            let window = (
                from_db(row.try_get("scheduled_for")?)?,
                from_db(row.try_get("scheduled_until")?)?,
            );
            match maintenance_status(status, window, now) {
                PublicStatus::InProgress | PublicStatus::Verifying => {
                    ComponentStatus::UnderMaintenance
                }
                _ => continue,
            }
        } else {
            stored(ComponentStatus::parse(&row.try_get::<String, _>("status")?))?
        };
        let entry = worst
            .entry(row.try_get("component_id")?)
            .or_insert(ComponentStatus::Operational);
        *entry = (*entry).max(said);
    }
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let set_status = stored(ComponentStatus::parse(&row.try_get::<String, _>("status")?))?;
            Ok(StatusComponent {
                id,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
                group: row.try_get("group_name")?,
                service: row.try_get("service")?,
                position: row.try_get("position")?,
                status: worst.get(&id).copied().unwrap_or_default().max(set_status),
                set_status,
                created_at: from_db(row.try_get("created_at")?)?,
                updated_at: from_db(row.try_get("updated_at")?)?,
            })
        })
        .collect()
}

/// Which public incidents [`load_public`] reads: one, or those a filter selects.
enum Selection {
    One(i64),
    Filtered(PublicFilter),
}

/// The public incidents selected, newest first, with their components and updates: three
/// queries however many there are (the public page reads this on every request).
async fn load_public(
    connection: &mut AnyConnection,
    selection: Selection,
    now: Timestamp,
) -> StoreResult<Vec<PublicIncident>> {
    let (condition, bound) = match selection {
        Selection::One(id) => ("p.id = $1", Some(id)),
        Selection::Filtered(PublicFilter::IncidentsSince(since)) => (
            "p.kind = 'incident' AND (p.resolved_at IS NULL OR p.resolved_at >= $1)",
            Some(to_db(since)),
        ),
        Selection::Filtered(PublicFilter::MaintenancesSince(since)) => (
            "p.kind = 'maintenance' AND p.scheduled_until >= $1",
            Some(to_db(since)),
        ),
        Selection::Filtered(PublicFilter::All) => ("1 = 1", None),
    };
    let selected = format!("SELECT p.id FROM public_incidents p WHERE {condition}");
    let fetch = |sql: String| {
        let query = sqlx::query(sqlx::AssertSqlSafe(sql));
        match bound {
            Some(value) => query.bind(value),
            None => query,
        }
    };
    let mut components: HashMap<i64, Vec<AffectedComponent>> = HashMap::new();
    let rows = fetch(format!(
        "SELECT pc.public_incident_id, c.id, c.name, pc.status FROM public_incident_components pc \
         JOIN status_components c ON c.id = pc.component_id \
         WHERE pc.public_incident_id IN ({selected}) ORDER BY c.position, c.id"
    ))
    .fetch_all(&mut *connection)
    .await?;
    for r in rows {
        components
            .entry(r.try_get("public_incident_id")?)
            .or_default()
            .push(AffectedComponent {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                status: stored(ComponentStatus::parse(&r.try_get::<String, _>("status")?))?,
            });
    }
    let mut changes: HashMap<i64, Vec<ComponentChange>> = HashMap::new();
    let rows = fetch(format!(
        "SELECT ch.update_id, c.id, c.name, ch.old_status, ch.new_status \
         FROM public_component_changes ch JOIN status_components c ON c.id = ch.component_id \
         WHERE ch.public_incident_id IN ({selected}) ORDER BY ch.id"
    ))
    .fetch_all(&mut *connection)
    .await?;
    for r in rows {
        let Some(update) = r.try_get::<Option<i64>, _>("update_id")? else {
            continue;
        };
        changes.entry(update).or_default().push(ComponentChange {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            old_status: stored(ComponentStatus::parse(
                &r.try_get::<String, _>("old_status")?,
            ))?,
            new_status: stored(ComponentStatus::parse(
                &r.try_get::<String, _>("new_status")?,
            ))?,
        });
    }
    // Statuses are checked against the incident's kind below, once it is known.
    let mut updates: HashMap<i64, Vec<(i64, String, String, i64)>> = HashMap::new();
    let rows = fetch(format!(
        "SELECT public_incident_id, id, status, body, created_at FROM public_updates \
         WHERE public_incident_id IN ({selected}) ORDER BY id DESC"
    ))
    .fetch_all(&mut *connection)
    .await?;
    for r in rows {
        updates
            .entry(r.try_get("public_incident_id")?)
            .or_default()
            .push((
                r.try_get("id")?,
                r.try_get("status")?,
                r.try_get("body")?,
                r.try_get("created_at")?,
            ));
    }
    let rows = fetch(format!(
        "SELECT p.id, i.key, p.kind, p.name, p.status, p.impact, p.scheduled_for, \
         p.scheduled_until, p.created_at, p.updated_at, p.monitoring_at, p.resolved_at \
         FROM public_incidents p LEFT JOIN incidents i ON i.id = p.incident_id \
         WHERE {condition} ORDER BY p.created_at DESC, p.id DESC"
    ))
    .fetch_all(&mut *connection)
    .await?;
    let mut incidents = Vec::with_capacity(rows.len());
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let maintenance = row.try_get::<String, _>("kind")? == "maintenance";
        let scheduled_for = from_db_opt(row.try_get("scheduled_for")?)?;
        let scheduled_until = from_db_opt(row.try_get("scheduled_until")?)?;
        let mut status = stored(PublicStatus::parse(
            &row.try_get::<String, _>("status")?,
            maintenance,
        ))?;
        if let (true, Some(from), Some(until)) = (maintenance, scheduled_for, scheduled_until) {
            status = maintenance_status(status, (from, until), now);
        }
        let said = updates
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .map(|(update, status, body, created_at)| {
                Ok(PublicUpdate {
                    id: update,
                    status: stored(PublicStatus::parse(&status, maintenance))?,
                    body,
                    created_at: from_db(created_at)?,
                    changes: changes.remove(&update).unwrap_or_default(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        incidents.push(PublicIncident {
            id,
            incident: row.try_get("key")?,
            maintenance,
            name: row.try_get("name")?,
            status,
            impact: stored(Impact::parse(&row.try_get::<String, _>("impact")?))?,
            scheduled_for,
            scheduled_until,
            created_at: from_db(row.try_get("created_at")?)?,
            updated_at: from_db(row.try_get("updated_at")?)?,
            monitoring_at: from_db_opt(row.try_get("monitoring_at")?)?,
            resolved_at: from_db_opt(row.try_get("resolved_at")?)?,
            components: components.remove(&id).unwrap_or_default(),
            updates: said,
        });
    }
    Ok(incidents)
}
