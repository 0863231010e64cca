//! The review checklist of an incident, gathered from its record: alerts, the response
//! deadline, stakeholder and status-page updates, the status changes and comments on its
//! timeline, its action items. The answers are computed in `triage_core::review`.

use jiff::Timestamp;
use serde::Serialize;
use sqlx::Row;
use triage_core::postmortem::draft::root_cause_in;
use triage_core::review::{Check, Facts, ItemFacts, checklist};
use triage_core::timeline::EventData;
use triage_core::workflow::{FALSE_ALARM_STATUS, RESTORED_STATUS};

use crate::actions::{ActionFilter, ActionItem};
use crate::db::Store;
use crate::error::StoreResult;
use crate::model::Incident;
use crate::time::{from_db, from_db_opt};

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The incident's key.
    pub incident: String,
    /// How many checks are met, of those that apply.
    pub met: usize,
    pub applicable: usize,
    pub checks: Vec<Check>,
}

impl Store {
    /// The incident's review checklist as its record answers it now.
    pub async fn review(&self, key: &str) -> StoreResult<Review> {
        let incident = self.incident(key).await?;
        let items = self
            .action_items(
                ActionFilter::of_incident(incident.key.clone()),
                Timestamp::UNIX_EPOCH,
            )
            .await?;
        self.review_of(&incident, &items).await
    }

    /// [`Store::review`] for an incident and its action items already read (as the
    /// incident's page has them).
    pub async fn review_of(
        &self,
        incident: &Incident,
        items: &[ActionItem],
    ) -> StoreResult<Review> {
        let id = incident.id;
        let mut connection = self.read.acquire().await?;
        let alerts = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(starts_at) AS first FROM alerts WHERE incident_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *connection)
        .await?;
        // Stakeholder updates, and status-page updates posted apart from them.
        let updates: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT created_at, CAST(CASE WHEN public_update_id IS NULL THEN 0 ELSE 1 END \
             AS BIGINT) FROM stakeholder_updates WHERE incident_id = $1 UNION ALL \
             SELECT u.created_at, CAST(1 AS BIGINT) FROM public_updates u \
             JOIN public_incidents p ON p.id = u.public_incident_id WHERE p.incident_id = $1 \
             AND u.id NOT IN (SELECT public_update_id FROM stakeholder_updates \
             WHERE incident_id = $1 AND public_update_id IS NOT NULL) ORDER BY 1",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        let events = sqlx::query(
            "SELECT at, data FROM events WHERE incident_id = $1 \
             AND kind IN ('status_changed', 'commented') ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        let (mut monitoring_at, mut root_cause_at) = (None, None);
        for event in &events {
            let at = from_db(event.try_get("at")?)?;
            let data: String = event.try_get("data")?;
            let Ok(data) = serde_json::from_str::<EventData>(&data) else {
                continue;
            };
            let text = match &data {
                EventData::StatusChanged { to, comment, .. } => {
                    if to == RESTORED_STATUS && monitoring_at.is_none() {
                        monitoring_at = Some(at);
                    }
                    comment.as_deref()
                }
                EventData::Commented { body, .. } => Some(body.as_str()),
                _ => None,
            };
            if root_cause_at.is_none() && text.and_then(root_cause_in).is_some() {
                root_cause_at = Some(at);
            }
        }
        let updated: Vec<Timestamp> = updates
            .iter()
            .map(|(at, _)| from_db(*at))
            .collect::<StoreResult<_>>()?;
        let facts = Facts {
            detection_source: incident.detection_source.as_str().to_string(),
            detected_at: incident.detected_at,
            alerts: usize::try_from(alerts.try_get::<i64, _>("n")?).unwrap_or(0),
            first_alert: from_db_opt(alerts.try_get("first")?)?,
            priority: incident.priority.map(|p| p.code().to_string()),
            response_due_at: incident.response_due_at,
            acknowledged_at: incident.acknowledged_at,
            updates: updated,
            public_updates: updates.iter().filter(|(_, public)| *public == 1).count(),
            updates_kept: incident.update_cadence.kept,
            updates_missed: incident.update_cadence.missed,
            monitoring_at,
            resolved_at: incident.resolved_at,
            root_cause_at,
            action_items: items
                .iter()
                .map(|item| ItemFacts {
                    id: item.id,
                    has_owner: item.owner.is_some(),
                    has_due: item.due.is_some(),
                    done: item.status == triage_core::action::ActionStatus::Done,
                    verified: item.verified.is_some(),
                })
                .collect(),
            false_alarm: incident.status == FALSE_ALARM_STATUS,
        };
        let checks = checklist(&facts);
        let applicable = checks
            .iter()
            .filter(|c| c.answer != triage_core::review::Answer::NotApplicable)
            .count();
        Ok(Review {
            incident: incident.key.clone(),
            met: checks
                .iter()
                .filter(|c| c.answer == triage_core::review::Answer::Met)
                .count(),
            applicable,
            checks,
        })
    }
}
