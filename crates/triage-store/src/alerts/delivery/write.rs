//! Writing a delivery's results: its new alerts, repeats and resolutions in batched
//! statements, then one timeline entry per kind of news per incident, and the service's
//! move for incidents whose every alert has resolved.

use std::collections::HashMap;

use sqlx::{AnyConnection, Row};
use triage_core::alert::{AlertStatus, OnResolved};
use triage_core::timeline::{EventData, SUMMARIES_LISTED};
use triage_core::workflow::Goal;

use crate::error::StoreResult;
use crate::incidents::{move_automatically, push_system_events, push_touches};
use crate::postgres::is_postgres;
use crate::sql::{Statements, Value, literal, placeholders, query_with, rows_per_statement};
use crate::time::to_db;

use super::Delivery;

impl Delivery<'_> {
    /// The statements that write the delivery's alerts: new ones, repeats, new words,
    /// resolutions. They run with the timeline's, in as few round trips as may be.
    pub(in crate::alerts) fn alert_writes(&self) -> StoreResult<Statements> {
        const COLUMNS: usize = 18;
        let mut statements = Statements::default();
        for chunk in self.new_alerts.chunks(rows_per_statement(COLUMNS)) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", placeholders(row * COLUMNS + 1, COLUMNS)))
                .collect();
            let sql = format!(
                "INSERT INTO alerts (integration_id, service_id, incident_id, dedup_key, \
                 group_key, status, severity, summary, source, labels, details, links, \
                 starts_at, ends_at, received_at, last_seen_at, silence_id, raw) \
                 VALUES {}",
                rows.join(", ")
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
            for alert in chunk {
                let status = if alert.ends_at.is_some() {
                    AlertStatus::Resolved
                } else {
                    AlertStatus::Firing
                }
                .as_str();
                values.extend([
                    self.target.integration_id.into(),
                    self.target.service_id.into(),
                    alert.incident_id.into(),
                    alert.dedup_key.as_str().into(),
                    alert.group_key.as_str().into(),
                    status.into(),
                    alert.body.severity.map(|s| s.as_str().to_string()).into(),
                    alert.body.summary.as_str().into(),
                    alert.body.source.as_str().into(),
                    alert.json.labels.as_str().into(),
                    alert.json.details.as_str().into(),
                    alert.json.links.as_str().into(),
                    to_db(alert.starts_at).into(),
                    alert.ends_at.map(to_db).into(),
                    to_db(self.now).into(),
                    to_db(self.now).into(),
                    alert.silence_id.into(),
                    alert.json.raw.as_str().into(),
                ]);
            }
            statements.push(&sql, values);
        }
        for chunk in self.opened_groups.chunks(rows_per_statement(2)) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("($1, {})", placeholders(row * 2 + 2, 2)))
                .collect();
            let sql = format!(
                "INSERT INTO alert_groups (service_id, group_key, incident_id) VALUES {} \
                 ON CONFLICT (service_id, group_key) DO UPDATE SET incident_id = excluded.incident_id",
                rows.join(", ")
            );
            let mut values: Vec<Value> = vec![self.target.service_id.into()];
            for (group, incident) in chunk {
                values.push(group.as_str().into());
                values.push((*incident).into());
            }
            statements.push(&sql, values);
        }
        for chunk in self.seen.chunks(rows_per_statement(1)) {
            let sql = format!(
                "UPDATE alerts SET last_seen_at = $1 WHERE id IN ({})",
                placeholders(2, chunk.len())
            );
            let mut values: Vec<Value> = vec![to_db(self.now).into()];
            values.extend(chunk.iter().map(|id| Value::from(*id)));
            statements.push(&sql, values);
        }
        for (id, summary, json) in &self.reworded {
            statements.push(
                "UPDATE alerts SET summary = $1, details = $2, links = $3, raw = $4, \
                 last_seen_at = $5 WHERE id = $6",
                vec![
                    summary.as_str().into(),
                    json.details.as_str().into(),
                    json.links.as_str().into(),
                    json.raw.as_str().into(),
                    to_db(self.now).into(),
                    (*id).into(),
                ],
            );
        }
        for (id, incident_id) in &self.unsilenced {
            statements.push(
                "UPDATE alerts SET incident_id = $1, silence_id = NULL, last_seen_at = $2 \
                 WHERE id = $3",
                vec![(*incident_id).into(), to_db(self.now).into(), (*id).into()],
            );
        }
        for (id, ends_at) in &self.resolved {
            statements.push(
                "UPDATE alerts SET status = $4, ends_at = $1, last_seen_at = $2 WHERE id = $3",
                vec![
                    to_db(*ends_at).into(),
                    to_db(self.now).into(),
                    (*id).into(),
                    AlertStatus::Resolved.as_str().into(),
                ],
            );
        }
        Ok(statements)
    }

    /// Writes the delivery: its alerts, one timeline entry per kind of news per incident,
    /// and the policy's move for incidents whose every alert has resolved.
    pub(in crate::alerts) async fn finish(self, connection: &mut AnyConnection) -> StoreResult<()> {
        let mut statements = self.alert_writes()?;
        let mut settled = Vec::new();
        let mut firing_left: HashMap<i64, i64> = HashMap::new();
        if self.news.values().any(|news| !news.resolved.is_empty()) {
            // What still fires is known once the resolutions are written.
            std::mem::take(&mut statements).execute(connection).await?;
        }
        let resolving: Vec<i64> = self
            .news
            .iter()
            .filter(|(_, news)| !news.resolved.is_empty())
            .map(|(id, _)| *id)
            .collect();
        let postgres = is_postgres(connection);
        for chunk in resolving.chunks(rows_per_statement(1)) {
            let sql = format!(
                "SELECT incident_id, COUNT(*) FROM alerts WHERE status = {} \
                 AND incident_id IN ({}) GROUP BY incident_id",
                literal(AlertStatus::Firing.as_str()),
                placeholders(1, chunk.len())
            );
            let values = chunk.iter().map(|id| Value::from(*id)).collect();
            for row in query_with(postgres, sql, values)
                .fetch_all(&mut *connection)
                .await?
            {
                firing_left.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        let mut events = Vec::new();
        for (id, news) in &self.news {
            if !news.fired.is_empty() {
                let event = EventData::AlertsFired {
                    source: self.target.kind.clone(),
                    count: news.fired.len() as u64,
                    summaries: news.fired.iter().take(SUMMARIES_LISTED).cloned().collect(),
                };
                events.push((*id, event));
            }
            if !news.resolved.is_empty() {
                let left = firing_left.get(id).copied().unwrap_or(0);
                let event = EventData::AlertsResolved {
                    source: self.target.kind.clone(),
                    count: news.resolved.len() as u64,
                    summaries: news
                        .resolved
                        .iter()
                        .take(SUMMARIES_LISTED)
                        .cloned()
                        .collect(),
                    still_firing: u64::try_from(left).unwrap_or(0),
                };
                events.push((*id, event));
                if left == 0 {
                    settled.push(news.key.clone());
                }
            }
        }
        push_system_events(&mut statements, self.now, &events)?;
        let touched: Vec<i64> = self.news.keys().copied().collect();
        push_touches(&mut statements, &touched, self.now);
        statements.execute(connection).await?;
        let goal = match self.target.policy.on_resolved {
            OnResolved::Leave => return Ok(()),
            OnResolved::Monitoring => Goal::Monitoring,
            OnResolved::Resolve => Goal::Resolved,
        };
        for key in settled {
            move_automatically(
                connection,
                self.store,
                &key,
                goal,
                "every alert has resolved",
                self.now,
            )
            .await?;
        }
        Ok(())
    }
}
