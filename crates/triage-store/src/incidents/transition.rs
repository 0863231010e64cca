//! Moving an incident through the workflow: gather the facts in the transaction, let the
//! engine decide, apply the plan with its timeline event.

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::cadence::Cadence;
use triage_core::timeline::EventData;
use triage_core::workflow::{
    Category, Facts, Goal, LinkedFact, Offer, RESTORED_STATUS, ResolutionChange, RouteRefusal,
    TransitionPlan, TransitionRequest,
};

use crate::actor::Actor;
use crate::db::Store;
use crate::error::StoreResult;
use crate::model::Incident;
use crate::paging::{follow_edit, load_paging};
use crate::postgres::lock_incidents;
use crate::postmortems::postmortem_status;
use crate::sql::Statements;
use crate::time::to_db;
use crate::updates::push_status_change;

use super::IncidentState;
use super::TransitionInput;
use super::change::check_version;
use super::comments::push_comment;
use super::load::{STATE_COLUMNS, category, normalize_key, not_found, priority, state_from_row};
use super::timeline::push_event;

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
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let (state, facts) = gather(connection, &key, &actor.groups).await?;
                check_version(&state, expected_version)?;
                let before = load_paging(connection, state.id).await?.facts;
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
                let mut statements = Statements::default();
                push_apply(
                    &mut statements,
                    &state,
                    &plan,
                    &store.options.update_cadence,
                    now,
                );
                let comment = input.comment.filter(|c| !c.trim().is_empty());
                if let Some(body) = &comment {
                    push_comment(&mut statements, state.id, actor.user_id, body, now);
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
                push_event(&mut statements, state.id, Some(actor.user_id), now, &event)?;
                statements.execute(connection).await?;
                follow_edit(connection, &store.wake, state.id, &before, now).await?;
                Ok(state.id)
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
        let (state, facts) = gather(&mut connection, key, &actor.groups).await?;
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

/// Moves an incident towards `goal` on Triage's own account, inside the caller's
/// transaction: each step is a workflow transition with its timeline event, carrying
/// `note` as its comment; where a step is refused, the incident stays where the route
/// stopped and the timeline says why. Answers whether the goal was reached.
pub(crate) async fn move_automatically(
    connection: &mut AnyConnection,
    store: &Store,
    key: &str,
    goal: Goal,
    note: &str,
    now: Timestamp,
) -> StoreResult<bool> {
    let (mut state, facts) = gather(connection, key, &[]).await?;
    let before = load_paging(connection, state.id).await?.facts;
    let (plans, stopped) =
        match store
            .workflow()
            .plan_route(&state.status, goal, &facts, note, "Fixed")
        {
            Ok(plans) => (plans, None),
            Err(RouteRefusal::NoRoute { from }) => (
                Vec::new(),
                Some(format!("the workflow has no way there from {from}")),
            ),
            Err(RouteRefusal::Refused { taken, refusal }) => (taken, Some(refusal.to_string())),
        };
    let mut statements = Statements::default();
    for plan in &plans {
        push_apply(
            &mut statements,
            &state,
            plan,
            &store.options.update_cadence,
            now,
        );
        let event = EventData::StatusChanged {
            transition: plan.transition.clone(),
            from: plan.from.clone(),
            to: plan.to.clone(),
            resolution: match &plan.resolution {
                ResolutionChange::Set(resolution) => Some(resolution.clone()),
                _ => None,
            },
            comment: Some(note.to_string()),
        };
        push_event(&mut statements, state.id, None, now, &event)?;
        state.status = plan.to.clone();
        state.category = plan.to_category;
    }
    if let Some(reason) = &stopped {
        let event = EventData::AutomationStopped {
            goal: goal_name(goal).to_string(),
            reason: reason.clone(),
        };
        push_event(&mut statements, state.id, None, now, &event)?;
    }
    statements.execute(connection).await?;
    if !plans.is_empty() {
        follow_edit(connection, &store.wake, state.id, &before, now).await?;
    }
    Ok(stopped.is_none())
}

fn goal_name(goal: Goal) -> &'static str {
    match goal {
        Goal::Monitoring => "Monitoring",
        Goal::Resolved => "Resolved",
        Goal::Reopened => "an open status",
    }
}

/// The statement that moves the incident to the plan's status, with its resolution,
/// resolved-at time and a new version, and starts or stops its update cadence.
fn push_apply(
    statements: &mut Statements,
    state: &IncidentState,
    plan: &TransitionPlan,
    cadence: &Cadence,
    now: Timestamp,
) {
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
    // Service is restored when Monitoring is reached, or a Done status without it.
    let restored = plan.to == RESTORED_STATUS || plan.to_category == Category::Done;
    statements.push(
        "UPDATE incidents SET status = $1, status_category = $2, version = version + 1, \
         updated_at = $6, \
         resolution = CASE $3 WHEN 'keep' THEN resolution WHEN 'set' THEN $4 ELSE NULL END, \
         resolved_at = CASE $5 WHEN 'keep' THEN resolved_at WHEN 'set' THEN $6 ELSE NULL END, \
         mitigated_at = CASE WHEN $8 = 1 THEN COALESCE(mitigated_at, $6) ELSE mitigated_at END, \
         current_ack_at = CASE WHEN $9 = 1 THEN NULL ELSE current_ack_at END \
         WHERE id = $7",
        vec![
            plan.to.as_str().into(),
            plan.to_category.as_str().into(),
            resolution_change.into(),
            resolution.into(),
            resolved_at_change.into(),
            to_db(now).into(),
            state.id.into(),
            i64::from(restored).into(),
            // A done incident's round is over: reopened, it is nobody's until acknowledged.
            i64::from(entering_done).into(),
        ],
    );
    push_status_change(
        statements,
        state.id,
        (state.category, plan.to_category),
        state.severity,
        cadence,
        now,
    );
}

/// The incident's state and everything a workflow condition may look at, in one query:
/// the incident's row first-class, its linked incidents as further rows.
async fn gather(
    connection: &mut AnyConnection,
    key: &str,
    actor_groups: &[String],
) -> StoreResult<(IncidentState, Facts)> {
    let sql = format!(
        "SELECT 'state' AS kind, {STATE_COLUMNS} FROM incidents i \
         LEFT JOIN users u ON u.id = i.assignee_id WHERE i.key = $1 \
         UNION ALL \
         SELECT 'link', o.id, o.key, o.status, o.status_category, o.priority, NULL, NULL, NULL, \
         '', 0, 0, 0 FROM incidents i \
         JOIN links l ON l.source_id = i.id OR l.target_id = i.id \
         JOIN incidents o ON o.id = CASE WHEN l.source_id = i.id THEN l.target_id ELSE l.source_id END \
         WHERE i.key = $1"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(normalize_key(key))
        .fetch_all(&mut *connection)
        .await?;
    let mut state = None;
    let mut linked: Vec<(i64, LinkedFact)> = Vec::new();
    for row in &rows {
        if row.try_get::<String, _>("kind")? == "state" {
            state = Some(state_from_row(row)?);
        } else {
            let fact = LinkedFact {
                key: row.try_get("key")?,
                priority: priority(row.try_get("priority")?)?,
                status: row.try_get("status")?,
                category: category(&row.try_get::<String, _>("status_category")?)?,
            };
            linked.push((row.try_get("id")?, fact));
        }
    }
    let state = state.ok_or_else(|| not_found(key))?;
    linked.sort_by_key(|(id, _)| *id);
    let facts = Facts {
        priority: state.priority,
        severity: state.severity,
        assignee: state.assignee_id.map(|id| id.to_string()),
        has_description: !state.description.trim().is_empty(),
        service_count: usize::try_from(state.service_count).unwrap_or(0),
        label_count: usize::try_from(state.label_count).unwrap_or(0),
        actor_groups: actor_groups.to_vec(),
        linked: linked.into_iter().map(|(_, fact)| fact).collect(),
        by_automation: false,
        postmortem: postmortem_status(connection, state.id).await?,
    };
    Ok((state, facts))
}
