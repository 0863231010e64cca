//! Taking in what senders say about alerts, in one transaction per delivery: each
//! signal is matched to the alert it names (so retries and re-notifications change
//! nothing but a receipt count), new alerts join their group's incident or open one,
//! resolutions are recorded, and every incident touched gets one timeline entry per kind
//! of news. When the last alert of an incident resolves, the service's policy decides
//! whether Triage moves the incident on.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::alert::pagerduty::ChangeEvent;
use triage_core::alert::silence::all_match;
use triage_core::alert::{AlertBody, AlertPolicy, AlertSeverity, OnResolved, Signal, SignalAction};
use triage_core::incident::DetectionSource;
use triage_core::timeline::{EventData, SUMMARIES_LISTED};
use triage_core::workflow::{Category, Goal};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{NewIncident, insert_incident, move_automatically, push_event, push_touch};
use crate::postgres::lock_service;
use crate::services::stored_policy;
use crate::silences::{ActiveSilence, active_silences};
use crate::sql::{Statements, Value, bind_all, placeholders};
use crate::time::{from_db_opt, to_db};

/// How long after an alert resolved a sender may still retry a notification sent
/// before: within it, a firing alert with the resolved one's start time is that retry.
const RETRY_HORIZON_HOURS: i64 = 24;

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

/// The integration speaking and the service it feeds.
struct Target {
    integration_id: i64,
    kind: String,
    integration_name: String,
    service_id: i64,
    service: String,
    runbook_url: Option<String>,
    policy: AlertPolicy,
}

/// News for one incident gathered over a delivery, written once at the end.
#[derive(Default)]
struct News {
    key: String,
    fired: Vec<String>,
    resolved: Vec<String>,
}

impl Store {
    /// Takes in one delivery's signals from the integration `integration_id`; answers
    /// what became of each. Refused whole (nothing written) if the integration is
    /// revoked or gone.
    pub async fn ingest_alerts(
        &self,
        integration_id: i64,
        signals: Vec<Signal>,
        now: Timestamp,
    ) -> StoreResult<Vec<Outcome>> {
        let store = self.clone();
        self.write(move |connection| {
            Box::pin(async move {
                let target = load_target(connection, integration_id).await?;
                lock_service(connection, target.service_id).await?;
                let mut delivery =
                    Delivery::load(&store, connection, target, now, &signals).await?;
                let mut outcomes = Vec::with_capacity(signals.len());
                for signal in signals {
                    outcomes.push(delivery.apply(connection, signal).await?);
                }
                delivery.flush(connection).await?;
                delivery.finish(connection).await?;
                Ok(outcomes)
            })
        })
        .await
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
                let target = load_target(connection, integration_id).await?;
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
    }
}

async fn load_target(connection: &mut AnyConnection, integration_id: i64) -> StoreResult<Target> {
    let row = sqlx::query(
        "SELECT i.kind, i.name AS integration_name, s.id AS service_id, s.name AS service, \
         s.runbook_url, s.alert_mapping, s.on_resolved, s.flap_window, s.group_by \
         FROM integrations i JOIN services s ON s.id = i.service_id \
         WHERE i.id = $1 AND i.revoked_at IS NULL",
    )
    .bind(integration_id)
    .fetch_optional(&mut *connection)
    .await?
    .ok_or_else(|| {
        StoreError::NotFound(format!("integration {integration_id} is revoked or gone"))
    })?;
    let policy = stored_policy(&row)?;
    Ok(Target {
        integration_id,
        kind: row.try_get("kind")?,
        integration_name: row.try_get("integration_name")?,
        service_id: row.try_get("service_id")?,
        service: row.try_get("service")?,
        runbook_url: row.try_get("runbook_url")?,
        policy,
    })
}

fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("not serializable: {e}")))
}

/// An alert the delivery knows to be firing: stored already, or about to be inserted.
struct Known {
    /// The stored row; none for an alert new in this delivery.
    id: Option<i64>,
    /// Index into the delivery's new alerts, for one new in this delivery.
    pending: Option<usize>,
    incident_id: Option<i64>,
    incident_key: Option<String>,
    summary: String,
    /// The silence it fired under.
    silence_id: Option<i64>,
    /// Its group, level and labels, to find or open its incident should its silence
    /// end while it fires.
    group_key: String,
    severity: Option<AlertSeverity>,
    labels: BTreeMap<String, String>,
}

/// A new alert, inserted when the delivery is flushed.
struct NewAlert {
    dedup_key: String,
    group_key: String,
    incident_id: Option<i64>,
    silence_id: Option<i64>,
    body: AlertBody,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
    receipts: i64,
}

/// Statements per flush round trip: far below either database's parameter limit.
const ROWS_PER_STATEMENT: usize = 400;

struct Delivery<'s> {
    store: &'s Store,
    target: Target,
    now: Timestamp,
    /// By incident id, so incidents are changed in one order (no deadlocks).
    news: BTreeMap<i64, News>,
    /// Firing alerts by dedup key.
    known: HashMap<String, Known>,
    /// `(dedup key, start)` of resolved occurrences, to recognise late retries.
    resolved_starts: HashSet<(String, i64)>,
    /// Each group's incident once this delivery has decided it.
    groups: HashMap<String, (i64, String)>,
    new_alerts: Vec<NewAlert>,
    /// Stored alerts said again: how many times.
    repeated: BTreeMap<i64, i64>,
    /// Stored alerts said again in new words.
    reworded: Vec<(i64, AlertBody)>,
    /// Stored alerts that resolved, with their end.
    resolved: Vec<(i64, Timestamp)>,
    /// Silences in force for the service.
    silences: Vec<ActiveSilence>,
    /// Stored silenced alerts whose silence has ended: now in an incident.
    unsilenced: Vec<(i64, i64)>,
}

impl<'s> Delivery<'s> {
    /// Reads what the delivery's signals refer to, in a few queries for the whole batch.
    async fn load(
        store: &'s Store,
        connection: &mut AnyConnection,
        target: Target,
        now: Timestamp,
        signals: &[Signal],
    ) -> StoreResult<Delivery<'s>> {
        let mut keys: Vec<&str> = signals.iter().map(|s| s.dedup_key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut known = HashMap::with_capacity(keys.len());
        let mut resolved_starts = HashSet::new();
        for chunk in keys.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT a.id, a.dedup_key, a.status, a.starts_at, a.incident_id, a.summary, i.key, \
                 a.silence_id, a.group_key, a.severity, a.labels \
                 FROM alerts a LEFT JOIN incidents i ON i.id = a.incident_id \
                 WHERE a.integration_id = $1 AND a.dedup_key IN ({}) \
                 AND (a.status = 'firing' OR a.ends_at >= $2)",
                placeholders(3, chunk.len())
            );
            // Resolved occurrences matter only while a late retry is plausible.
            let horizon = now - SignedDuration::from_hours(RETRY_HORIZON_HOURS);
            let mut query = sqlx::query(AssertSqlSafe(sql))
                .bind(target.integration_id)
                .bind(to_db(horizon));
            for key in chunk {
                query = query.bind(*key);
            }
            for row in query.fetch_all(&mut *connection).await? {
                let dedup_key: String = row.try_get("dedup_key")?;
                if row.try_get::<String, _>("status")? == "firing" {
                    let summary = row.try_get("summary")?;
                    let labels: String = row.try_get("labels")?;
                    known.insert(
                        dedup_key,
                        Known {
                            id: Some(row.try_get("id")?),
                            pending: None,
                            incident_id: row.try_get("incident_id")?,
                            incident_key: row.try_get("key")?,
                            summary,
                            silence_id: row.try_get("silence_id")?,
                            group_key: row.try_get("group_key")?,
                            severity: row
                                .try_get::<Option<String>, _>("severity")?
                                .and_then(|s| AlertSeverity::parse(&s).ok()),
                            labels: serde_json::from_str(&labels).map_err(|e| {
                                StoreError::Invalid(format!(
                                    "stored alert labels are unreadable: {e}"
                                ))
                            })?,
                        },
                    );
                } else {
                    resolved_starts.insert((dedup_key, row.try_get("starts_at")?));
                }
            }
        }
        let silences = active_silences(connection, target.service_id, now).await?;
        Ok(Delivery {
            store,
            target,
            now,
            silences,
            unsilenced: Vec::new(),
            news: BTreeMap::new(),
            known,
            resolved_starts,
            groups: HashMap::new(),
            new_alerts: Vec::new(),
            repeated: BTreeMap::new(),
            reworded: Vec::new(),
            resolved: Vec::new(),
        })
    }

    async fn apply(
        &mut self,
        connection: &mut AnyConnection,
        signal: Signal,
    ) -> StoreResult<Outcome> {
        match signal.action {
            SignalAction::Fire(body) => {
                if let Some(outcome) = self.unsilence(connection, &signal.dedup_key).await? {
                    return Ok(outcome);
                }
                if let Some(known) = self.known.get_mut(&signal.dedup_key) {
                    match (known.id, known.pending) {
                        (Some(id), _) => {
                            *self.repeated.entry(id).or_default() += 1;
                            if known.summary != body.summary {
                                known.summary = body.summary.clone();
                                self.reworded.push((id, body));
                            }
                        }
                        (None, Some(index)) => self.new_alerts[index].receipts += 1,
                        (None, None) => {}
                    }
                    return Ok(Outcome::Repeated {
                        incident: known.incident_key.clone(),
                    });
                }
                self.fire(connection, signal.dedup_key, &signal.group_key, body)
                    .await
            }
            SignalAction::Resolve { ends_at } => {
                let Some(known) = self.known.remove(&signal.dedup_key) else {
                    return Ok(Outcome::Ignored);
                };
                let ends_at = ends_at.unwrap_or(self.now).min(self.now);
                match (known.id, known.pending) {
                    (Some(id), _) => self.resolved.push((id, ends_at)),
                    (None, Some(index)) => self.new_alerts[index].ends_at = Some(ends_at),
                    (None, None) => {}
                }
                if let (Some(id), Some(key)) = (known.incident_id, &known.incident_key) {
                    self.news_for(id, key).resolved.push(known.summary.clone());
                }
                Ok(Outcome::Resolved {
                    incident: known.incident_key,
                })
            }
            SignalAction::Acknowledge => {
                let Some(Known {
                    incident_id: Some(id),
                    incident_key: Some(key),
                    ..
                }) = self.known.get(&signal.dedup_key)
                else {
                    return Ok(Outcome::Ignored);
                };
                let (id, key) = (*id, key.clone());
                let newly: Option<i64> = sqlx::query_scalar(
                    "UPDATE incidents SET acknowledged_at = $1 \
                     WHERE id = $2 AND acknowledged_at IS NULL RETURNING id",
                )
                .bind(to_db(self.now))
                .bind(id)
                .fetch_optional(&mut *connection)
                .await?;
                if newly.is_none() {
                    return Ok(Outcome::Ignored);
                }
                let mut statements = Statements::default();
                let event = EventData::Acknowledged {
                    via: Some(self.target.kind.clone()),
                };
                push_event(&mut statements, id, None, self.now, &event)?;
                push_touch(&mut statements, id, self.now);
                statements.execute(connection).await?;
                Ok(Outcome::Acknowledged { incident: key })
            }
        }
    }

    /// The silence in force that covers alerts with these labels.
    fn silenced_by(&self, labels: &BTreeMap<String, String>) -> Option<i64> {
        self.silences
            .iter()
            .find(|s| all_match(&s.matchers, labels))
            .map(|s| s.id)
    }

    /// A stored alert that fired under a silence which no longer covers it goes to its
    /// group's incident now, as if it had just fired.
    async fn unsilence(
        &mut self,
        connection: &mut AnyConnection,
        dedup_key: &str,
    ) -> StoreResult<Option<Outcome>> {
        let Some(known) = self.known.get(dedup_key) else {
            return Ok(None);
        };
        let (Some(id), Some(_)) = (known.id, known.silence_id) else {
            return Ok(None);
        };
        if self.silenced_by(&known.labels).is_some() {
            return Ok(None);
        }
        let (group_key, summary) = (known.group_key.clone(), known.summary.clone());
        let body = AlertBody {
            summary: summary.clone(),
            source: self.target.kind.clone(),
            severity: known.severity,
            labels: known.labels.clone(),
            details: serde_json::Map::new(),
            links: Vec::new(),
            starts_at: None,
            raw: serde_json::Value::Null,
        };
        let (incident_id, key, outcome) = self
            .incident_for(connection, &group_key, &body, self.now)
            .await?;
        self.unsilenced.push((id, incident_id));
        *self.repeated.entry(id).or_default() += 1;
        self.news_for(incident_id, &key).fired.push(summary);
        if let Some(known) = self.known.get_mut(dedup_key) {
            known.incident_id = Some(incident_id);
            known.incident_key = Some(key);
            known.silence_id = None;
        }
        Ok(Some(outcome))
    }

    /// The incident for a group: this delivery's decision, or a new one.
    async fn incident_for(
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
        Ok(decided)
    }

    /// A new alert: into its group's incident, a reopened one, or a new one.
    async fn fire(
        &mut self,
        connection: &mut AnyConnection,
        dedup_key: String,
        sender_group: &str,
        body: AlertBody,
    ) -> StoreResult<Outcome> {
        let starts_at = body.starts_at.unwrap_or(self.now).min(self.now);
        if body.starts_at.is_some()
            && self
                .resolved_starts
                .contains(&(dedup_key.clone(), to_db(starts_at)))
        {
            // A late retry of a notification sent before the alert resolved.
            return Ok(Outcome::Ignored);
        }
        let group_key = self.target.policy.group_key(sender_group, &body.labels);
        let silence_id = self.silenced_by(&body.labels);
        let (incident_id, key, outcome) = match silence_id {
            Some(silence) => (None, None, Outcome::Silenced { silence }),
            None => {
                let (id, key, outcome) = self
                    .incident_for(connection, &group_key, &body, starts_at)
                    .await?;
                self.news_for(id, &key).fired.push(body.summary.clone());
                (Some(id), Some(key), outcome)
            }
        };
        self.known.insert(
            dedup_key.clone(),
            Known {
                id: None,
                pending: Some(self.new_alerts.len()),
                incident_id,
                incident_key: key,
                summary: body.summary.clone(),
                silence_id,
                group_key: group_key.clone(),
                severity: body.severity,
                labels: body.labels.clone(),
            },
        );
        self.new_alerts.push(NewAlert {
            dedup_key,
            group_key,
            incident_id,
            silence_id,
            body,
            starts_at,
            ends_at: None,
            receipts: 1,
        });
        Ok(outcome)
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
                        self.store.workflow(),
                        &key,
                        Goal::Reopened,
                        "its alerts fire again",
                        self.now,
                    )
                    .await?
                {
                    (id, key.clone(), Outcome::Reopened { incident: key })
                } else {
                    self.open(connection, body, starts_at).await?
                }
            }
            Some((id, key, _, _)) => (id, key.clone(), Outcome::Attached { incident: key }),
            None => self.open(connection, body, starts_at).await?,
        })
    }

    /// Writes the delivery's alerts: new ones, repeats, new words, resolutions.
    async fn flush(&mut self, connection: &mut AnyConnection) -> StoreResult<()> {
        const COLUMNS: usize = 19;
        for chunk in self.new_alerts.chunks(ROWS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", placeholders(row * COLUMNS + 1, COLUMNS)))
                .collect();
            let sql = format!(
                "INSERT INTO alerts (integration_id, service_id, incident_id, dedup_key, \
                 group_key, status, severity, summary, source, labels, details, links, \
                 starts_at, ends_at, received_at, last_seen_at, receipts, silence_id, raw) \
                 VALUES {}",
                rows.join(", ")
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
            for alert in chunk {
                let status = if alert.ends_at.is_some() {
                    "resolved"
                } else {
                    "firing"
                };
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
                    to_json(&alert.body.labels)?.into(),
                    to_json(&alert.body.details)?.into(),
                    to_json(&alert.body.links)?.into(),
                    to_db(alert.starts_at).into(),
                    alert.ends_at.map(to_db).into(),
                    to_db(self.now).into(),
                    to_db(self.now).into(),
                    alert.receipts.into(),
                    alert.silence_id.into(),
                    to_json(&alert.body.raw)?.into(),
                ]);
            }
            bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                .execute(&mut *connection)
                .await?;
        }
        // Repeats, grouped by how many times each was said in this delivery.
        let mut by_count: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for (id, count) in &self.repeated {
            by_count.entry(*count).or_default().push(*id);
        }
        for (count, ids) in by_count {
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "UPDATE alerts SET last_seen_at = $1, receipts = receipts + $2 WHERE id IN ({})",
                    placeholders(3, chunk.len())
                );
                let mut values: Vec<Value> = vec![to_db(self.now).into(), count.into()];
                values.extend(chunk.iter().map(|id| Value::from(*id)));
                bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                    .execute(&mut *connection)
                    .await?;
            }
        }
        let mut statements = Statements::default();
        for (id, body) in &self.reworded {
            statements.push(
                "UPDATE alerts SET summary = $1, details = $2, links = $3, raw = $4 WHERE id = $5",
                vec![
                    body.summary.as_str().into(),
                    to_json(&body.details)?.into(),
                    to_json(&body.links)?.into(),
                    to_json(&body.raw)?.into(),
                    (*id).into(),
                ],
            );
        }
        for (id, incident_id) in &self.unsilenced {
            statements.push(
                "UPDATE alerts SET incident_id = $1, silence_id = NULL WHERE id = $2",
                vec![(*incident_id).into(), (*id).into()],
            );
        }
        for (id, ends_at) in &self.resolved {
            statements.push(
                "UPDATE alerts SET status = 'resolved', ends_at = $1, last_seen_at = $2, \
                 receipts = receipts + 1 WHERE id = $3",
                vec![to_db(*ends_at).into(), to_db(self.now).into(), (*id).into()],
            );
        }
        statements.execute(connection).await
    }

    /// The incident the group's latest alert went to, its category, and when its alerts
    /// last resolved.
    async fn group_incident(
        &self,
        connection: &mut AnyConnection,
        group_key: &str,
    ) -> StoreResult<Option<(i64, String, Category, Option<Timestamp>)>> {
        let row = sqlx::query(
            "SELECT i.id, i.key, i.status_category, \
             (SELECT MAX(e.ends_at) FROM alerts e WHERE e.incident_id = i.id) AS last_end \
             FROM alerts a JOIN incidents i ON i.id = a.incident_id \
             WHERE a.service_id = $1 AND a.group_key = $2 ORDER BY a.id DESC LIMIT 1",
        )
        .bind(self.target.service_id)
        .bind(group_key)
        .fetch_optional(&mut *connection)
        .await?;
        row.map(|row| {
            let category: String = row.try_get("status_category")?;
            Ok((
                row.try_get("id")?,
                row.try_get("key")?,
                Category::parse(&category).map_err(|e| StoreError::Invalid(e.to_string()))?,
                from_db_opt(row.try_get("last_end")?)?,
            ))
        })
        .transpose()
    }

    fn flapping(&self, last_end: Option<Timestamp>) -> bool {
        let window = SignedDuration::from_secs(self.target.policy.flap_window);
        last_end.is_some_and(|end| self.now.duration_since(end) <= window)
    }

    /// Opens an incident for a new alert.
    async fn open(
        &self,
        connection: &mut AnyConnection,
        body: &AlertBody,
        starts_at: Timestamp,
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
        let id = insert_incident(
            connection,
            store.key_prefix(),
            store.workflow(),
            &new,
            None,
            self.now,
        )
        .await?;
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

    fn news_for(&mut self, incident_id: i64, key: &str) -> &mut News {
        self.news.entry(incident_id).or_insert_with(|| News {
            key: key.to_string(),
            ..News::default()
        })
    }

    /// One timeline entry per kind of news per incident, and the policy's move for
    /// incidents whose every alert has resolved.
    async fn finish(self, connection: &mut AnyConnection) -> StoreResult<()> {
        let mut settled = Vec::new();
        let mut statements = Statements::default();
        let mut firing_left: HashMap<i64, i64> = HashMap::new();
        for (id, news) in &self.news {
            if !news.resolved.is_empty() {
                let left: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM alerts WHERE incident_id = $1 AND status = 'firing'",
                )
                .bind(*id)
                .fetch_one(&mut *connection)
                .await?;
                firing_left.insert(*id, left);
            }
        }
        for (id, news) in &self.news {
            if !news.fired.is_empty() {
                let event = EventData::AlertsFired {
                    source: self.target.kind.clone(),
                    count: news.fired.len() as u64,
                    summaries: news.fired.iter().take(SUMMARIES_LISTED).cloned().collect(),
                };
                push_event(&mut statements, *id, None, self.now, &event)?;
            }
            if let Some(left) = firing_left.get(id) {
                let event = EventData::AlertsResolved {
                    source: self.target.kind.clone(),
                    count: news.resolved.len() as u64,
                    summaries: news
                        .resolved
                        .iter()
                        .take(SUMMARIES_LISTED)
                        .cloned()
                        .collect(),
                    still_firing: u64::try_from(*left).unwrap_or(0),
                };
                push_event(&mut statements, *id, None, self.now, &event)?;
                if *left == 0 {
                    settled.push(news.key.clone());
                }
            }
            push_touch(&mut statements, *id, self.now);
        }
        statements.execute(connection).await?;
        let goal = match self.target.policy.on_resolved {
            OnResolved::Leave => return Ok(()),
            OnResolved::Monitoring => Goal::Monitoring,
            OnResolved::Resolve => Goal::Resolved,
        };
        for key in settled {
            move_automatically(
                connection,
                self.store.workflow(),
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
