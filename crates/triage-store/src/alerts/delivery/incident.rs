//! Where a delivery's new alerts go: the group's open incident, the group's Done
//! incident reopened when the group flaps, or a new incident described from the alert.

use jiff::{SignedDuration, Timestamp};
use sqlx::AnyConnection;
use triage_core::alert::AlertBody;
use triage_core::incident::DetectionSource;
use triage_core::workflow::{Category, Goal};

use crate::alerts::Outcome;
use crate::error::StoreResult;
use crate::incidents::{NewIncident, flag_recurrence, insert_incident, move_automatically};
use crate::time::from_db_opt;

use super::Delivery;

impl Delivery<'_> {
    /// The incident for a group: this delivery's decision, or a new one.
    pub(super) async fn incident_for(
        &mut self,
        connection: &mut AnyConnection,
        group_key: &str,
        body: &AlertBody,
        starts_at: Timestamp,
    ) -> StoreResult<(i64, String, Outcome)> {
        if let Some((id, key)) = self.groups.get(group_key) {
            return Ok((
                *id,
                key.clone(),
                Outcome::Attached {
                    incident: key.clone(),
                },
            ));
        }
        let decided = self.decide(connection, group_key, body, starts_at).await?;
        self.groups
            .insert(group_key.to_string(), (decided.0, decided.1.clone()));
        if matches!(decided.2, Outcome::Opened { .. }) {
            self.opened_groups.push((group_key.to_string(), decided.0));
        }
        Ok(decided)
    }

    /// The incident a group's first new alert of the delivery goes to.
    async fn decide(
        &self,
        connection: &mut AnyConnection,
        group_key: &str,
        body: &AlertBody,
        starts_at: Timestamp,
    ) -> StoreResult<(i64, String, Outcome)> {
        Ok(match self.group_incident(connection, group_key).await? {
            Some((id, key, Category::Done, last_end)) => {
                if self.flapping(last_end)
                    && move_automatically(
                        connection,
                        self.store,
                        &key,
                        Goal::Reopened,
                        "its alerts fire again",
                        self.now,
                    )
                    .await?
                {
                    (id, key.clone(), Outcome::Reopened { incident: key })
                } else {
                    // The group's problem came back after its incident was finished.
                    self.open(connection, body, starts_at, Some(id)).await?
                }
            }
            Some((id, key, _, _)) => (id, key.clone(), Outcome::Attached { incident: key }),
            None => self.open(connection, body, starts_at, None).await?,
        })
    }

    /// The incident the group had before this delivery, its category, and (for a Done
    /// incident, where flapping matters) when its alerts last ended.
    async fn group_incident(
        &self,
        connection: &mut AnyConnection,
        group_key: &str,
    ) -> StoreResult<Option<(i64, String, Category, Option<Timestamp>)>> {
        let Some((id, key, category)) = self.stored_groups.get(group_key).cloned() else {
            return Ok(None);
        };
        let last_end = if category == Category::Done {
            let end: Option<i64> =
                sqlx::query_scalar("SELECT MAX(ends_at) FROM alerts WHERE incident_id = $1")
                    .bind(id)
                    .fetch_one(&mut *connection)
                    .await?;
            from_db_opt(end)?
        } else {
            None
        };
        Ok(Some((id, key, category, last_end)))
    }

    fn flapping(&self, last_end: Option<Timestamp>) -> bool {
        let window = SignedDuration::from_secs(self.target.policy.flap_window);
        last_end.is_some_and(|end| self.now.duration_since(end) <= window)
    }

    /// Opens an incident for a new alert; it recurs `earlier` when given, else an
    /// earlier incident on the service with the same summary, if any.
    async fn open(
        &self,
        connection: &mut AnyConnection,
        body: &AlertBody,
        starts_at: Timestamp,
        earlier: Option<i64>,
    ) -> StoreResult<(i64, String, Outcome)> {
        let (priority, severity) = self.target.policy.incident_levels(body.severity);
        let new = NewIncident {
            summary: body.summary.clone(),
            description: self.description(body),
            priority: Some(priority),
            severity: Some(severity),
            assignee: None,
            services: vec![self.target.service.clone()],
            labels: Vec::new(),
            detection_source: DetectionSource::Monitoring,
            detected_at: Some(starts_at),
        };
        let store = self.store;
        let id = insert_incident(connection, store, &new, None, self.now).await?;
        flag_recurrence(connection, id, earlier, self.now).await?;
        let key: String = sqlx::query_scalar("SELECT key FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *connection)
            .await?;
        Ok((id, key.clone(), Outcome::Opened { incident: key }))
    }

    /// What an incident opened by an alert says about it.
    fn description(&self, body: &AlertBody) -> String {
        let target = &self.target;
        let mut text = format!(
            "Opened by the {} integration '{}' of service {} (source: {}).\n",
            target.kind, target.integration_name, target.service, body.source
        );
        if let Some(runbook) = &target.runbook_url {
            text.push_str(&format!("Runbook: {runbook}\n"));
        }
        if !body.labels.is_empty() {
            let labels: Vec<String> = body
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            text.push_str(&format!("Labels: {}\n", labels.join(", ")));
        }
        for (name, value) in &body.details {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            text.push_str(&format!("{name}: {value}\n"));
        }
        for link in &body.links {
            text.push_str(&format!("Link: {link}\n"));
        }
        text.chars()
            .take(triage_core::incident::TEXT_MAX_CHARS)
            .collect()
    }
}
