//! Moving an incident through the workflow: gather the facts in the transaction, let the
//! engine decide, apply the plan with its timeline event.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::timeline::EventData;
use triage_core::workflow::{
    Category, Facts, LinkedFact, Offer, ResolutionChange, TransitionPlan, TransitionRequest,
};

use crate::actor::Actor;
use crate::db::Store;
use crate::error::StoreResult;
use crate::model::Incident;
use crate::time::to_db;

use super::change::{check_version, touch};
use super::comments::insert_comment;
use super::load::{category, load_incident, load_state, priority};
use super::timeline::append_event;
use super::{IncidentState, TransitionInput};

/// A transition as offered to a person: whether it can be taken now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AvailableTransition {
    pub name: String,
    pub to: String,
    pub to_category: Category,
    pub allowed: bool,
    pub reasons: Vec<String>,
    pub requires: Vec<String>,
}

impl Store {
    pub async fn transition_incident(
        &self,
        key: &str,
        input: TransitionInput,
        expected_version: Option<i64>,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let key = key.to_string();
        let actor = actor.clone();
        let store = self.clone();
        self.write(move |connection| {
            Box::pin(async move {
                let state = load_state(connection, &key).await?;
                check_version(&state, expected_version)?;
                let facts = gather_facts(connection, &state, &actor).await?;
                let workflow = store.workflow();
                let request = TransitionRequest {
                    name: input.name.as_deref().unwrap_or_default(),
                    resolution: input.resolution.as_deref(),
                    comment: input.comment.as_deref(),
                };
                let plan = match &input.name {
                    Some(_) => workflow.plan(&state.status, request, &facts)?,
                    None => {
                        let resolving = workflow.resolving_transition(&state.status)?;
                        workflow.plan_transition(&state.status, resolving, request, &facts)?
                    }
                };
                apply(connection, &state, &plan, now).await?;
                let comment = input.comment.filter(|c| !c.trim().is_empty());
                if let Some(body) = &comment {
                    insert_comment(connection, state.id, actor.user_id, body, now).await?;
                }
                let event = EventData::StatusChanged {
                    transition: plan.transition.clone(),
                    from: plan.from.clone(),
                    to: plan.to.clone(),
                    resolution: match &plan.resolution {
                        ResolutionChange::Set(resolution) => Some(resolution.clone()),
                        _ => None,
                    },
                    comment,
                };
                append_event(connection, state.id, actor.user_id, now, &event).await?;
                touch(connection, state.id, now).await?;
                load_incident(connection, state.id).await
            })
        })
        .await
    }

    /// The transitions from the incident's status, each allowed for `actor` or not (with
    /// the reasons), for menus and error messages.
    pub async fn available_transitions(
        &self,
        key: &str,
        actor: &Actor,
    ) -> StoreResult<Vec<AvailableTransition>> {
        let mut connection = self.read.acquire().await?;
        let state = load_state(&mut connection, key).await?;
        let facts = gather_facts(&mut connection, &state, actor).await?;
        let workflow = self.workflow();
        Ok(workflow
            .offered(&state.status, &facts)
            .into_iter()
            .map(|Offer { transition, unmet }| AvailableTransition {
                name: transition.name.clone(),
                to: transition.to.clone(),
                to_category: workflow.category_of(&transition.to),
                allowed: unmet.is_empty(),
                reasons: unmet.into_iter().map(|u| u.reason).collect(),
                requires: transition
                    .requires
                    .iter()
                    .map(|r| r.as_str().to_string())
                    .collect(),
            })
            .collect())
    }
}

async fn apply(
    connection: &mut AnyConnection,
    state: &IncidentState,
    plan: &TransitionPlan,
    now: Timestamp,
) -> StoreResult<()> {
    let entering_done = plan.to_category == Category::Done && state.category != Category::Done;
    let leaving_done = plan.to_category != Category::Done;
    let (resolution_change, resolution) = match &plan.resolution {
        ResolutionChange::Keep => ("keep", None),
        ResolutionChange::Set(text) => ("set", Some(text.clone())),
        ResolutionChange::Clear => ("clear", None),
    };
    let resolved_at_change = if entering_done {
        "set"
    } else if leaving_done {
        "clear"
    } else {
        "keep"
    };
    sqlx::query(
        "UPDATE incidents SET status = $1, status_category = $2, \
         resolution = CASE $3 WHEN 'keep' THEN resolution WHEN 'set' THEN $4 ELSE NULL END, \
         resolved_at = CASE $5 WHEN 'keep' THEN resolved_at WHEN 'set' THEN $6 ELSE NULL END \
         WHERE id = $7",
    )
    .bind(&plan.to)
    .bind(plan.to_category.as_str())
    .bind(resolution_change)
    .bind(resolution)
    .bind(resolved_at_change)
    .bind(to_db(now))
    .bind(state.id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Everything a workflow condition may look at, read in the current transaction.
async fn gather_facts(
    connection: &mut AnyConnection,
    state: &IncidentState,
    actor: &Actor,
) -> StoreResult<Facts> {
    let counts = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM incident_services WHERE incident_id = $1) AS services, \
         (SELECT COUNT(*) FROM incident_labels WHERE incident_id = $1) AS labels",
    )
    .bind(state.id)
    .fetch_one(&mut *connection)
    .await?;
    let rows = sqlx::query(
        "SELECT o.key, o.priority, o.status, o.status_category FROM links l \
         JOIN incidents o ON o.id = CASE WHEN l.source_id = $1 THEN l.target_id ELSE l.source_id END \
         WHERE l.source_id = $1 OR l.target_id = $1 ORDER BY o.id",
    )
    .bind(state.id)
    .fetch_all(&mut *connection)
    .await?;
    let mut linked = Vec::with_capacity(rows.len());
    for row in rows {
        linked.push(LinkedFact {
            key: row.try_get("key")?,
            priority: priority(row.try_get("priority")?)?,
            status: row.try_get("status")?,
            category: category(&row.try_get::<String, _>("status_category")?)?,
        });
    }
    Ok(Facts {
        priority: state.priority,
        severity: state.severity,
        assignee: state.assignee_id.map(|id| id.to_string()),
        has_description: !state.description.trim().is_empty(),
        service_count: usize::try_from(counts.try_get::<i64, _>("services")?).unwrap_or(0),
        label_count: usize::try_from(counts.try_get::<i64, _>("labels")?).unwrap_or(0),
        actor_groups: actor.groups.clone(),
        linked,
    })
}
