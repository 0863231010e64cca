//! Taking in what senders say about alerts, in one transaction per delivery: each
//! signal is matched to the alert it names (so retries and re-notifications change
//! nothing but a receipt count), new alerts join their group's incident or open one,
//! resolutions are recorded, and every incident touched gets one timeline entry per kind
//! of news. When the last alert of an incident resolves, the service's policy decides
//! whether Triage moves the incident on.

use jiff::Timestamp;
use serde::Serialize;
use triage_core::alert::Signal;
use triage_core::alert::pagerduty::ChangeEvent;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::time::to_db;

use super::delivery::{Delivery, load_target, to_json};

/// What became of one signal, in the order the signals came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A new alert opened an incident.
    Opened { incident: String },
    /// A new alert joined its group's open incident.
    Attached { incident: String },
    /// A new alert of a group that resolved moments ago reopened its incident.
    Reopened { incident: String },
    /// The alert was firing already: a retry or a re-notification.
    Repeated { incident: Option<String> },
    /// The alert resolved.
    Resolved { incident: Option<String> },
    /// The alert's incident was acknowledged.
    Acknowledged { incident: String },
    /// A silence or maintenance window covers it: recorded, no incident.
    Silenced { silence: i64 },
    /// Nothing to do: it names no firing alert, or repeats what is already known.
    Ignored,
}

impl Outcome {
    /// A short word for metrics and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Opened { .. } => "opened",
            Outcome::Attached { .. } => "attached",
            Outcome::Reopened { .. } => "reopened",
            Outcome::Repeated { .. } => "repeated",
            Outcome::Resolved { .. } => "resolved",
            Outcome::Acknowledged { .. } => "acknowledged",
            Outcome::Silenced { .. } => "silenced",
            Outcome::Ignored => "ignored",
        }
    }
}

impl Store {
    /// Takes in one delivery's signals from the integration `integration_id`; answers
    /// what became of each. Refused whole (nothing written) if the integration is
    /// revoked or gone.
    pub async fn ingest_alerts(
        &self,
        integration_id: i64,
        mut signals: Vec<Signal>,
        now: Timestamp,
    ) -> StoreResult<Vec<Outcome>> {
        let store = self.clone();
        self.write(move |connection| {
            Box::pin(async move {
                let mut delivery =
                    Delivery::load(&store, connection, integration_id, now, &signals).await?;
                let mut outcomes = Vec::with_capacity(signals.len());
                for signal in &mut signals {
                    outcomes.push(delivery.apply(connection, signal).await?);
                }
                delivery.finish(connection).await?;
                Ok((outcomes, signals))
            })
        })
        .await
        // The signals come back to be freed here, on the request's thread: most are
        // repeats, and freeing their payloads in the writer would lengthen the one
        // serialized section there is.
        .map(|(outcomes, _spent)| outcomes)
        .inspect_err(|error| self.forget_if_gone(integration_id, error))
    }

    /// Records a change event (a deploy, say) on the integration's service.
    pub async fn record_change(
        &self,
        integration_id: i64,
        change: ChangeEvent,
        now: Timestamp,
    ) -> StoreResult<()> {
        self.write(move |connection| {
            Box::pin(async move {
                let target = load_target(connection, integration_id, now).await?;
                sqlx::query(
                    "INSERT INTO service_changes (service_id, integration_id, summary, source, at, \
                     details, links, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(target.service_id)
                .bind(target.integration_id)
                .bind(&change.summary)
                .bind(&change.source)
                .bind(to_db(change.at.unwrap_or(now)))
                .bind(to_json(&change.details)?)
                .bind(to_json(&change.links)?)
                .bind(to_db(now))
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await
        .inspect_err(|error| self.forget_if_gone(integration_id, error))
    }

    /// A delivery refused because its integration is revoked (on another server, say)
    /// makes this process forget the integration's key.
    fn forget_if_gone(&self, integration_id: i64, error: &StoreError) {
        if matches!(error, StoreError::NotFound(_)) {
            self.senders.forget(integration_id);
        }
    }
}
