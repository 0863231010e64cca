//! One delivery from a sender, inside its transaction: what its signals refer to is read
//! in a few queries for the whole batch ([`lookup`]), each signal is decided in order
//! against that (new alerts find their incident in [`incident`]), and the results are
//! written in batches at the end ([`write`]).

mod incident;
mod lookup;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sqlx::AnyConnection;
use triage_core::alert::silence::all_match;
use triage_core::alert::{
    AlertBody, AlertPolicy, AlertSeverity, AlertStatus, Signal, SignalAction,
};
use triage_core::timeline::EventData;
use triage_core::workflow::Category;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{push_event, push_touch};
use crate::paging::{By, follow_change, load_paging, push_acknowledgement};
use crate::postgres::lock_integration_service;
use crate::services::read_policy;
use crate::silences::ActiveSilence;
use crate::sql::Statements;
use crate::time::{from_db, to_db};

use super::Outcome;
use lookup::{GroupRow, TargetRow, context, stored_groups};

/// How long after an alert resolved a sender may still retry a notification sent
/// before: within it, a firing alert with the resolved one's start time is that retry.
const RETRY_HORIZON_HOURS: i64 = 24;

/// The integration speaking and the service it feeds.
pub(super) struct Target {
    pub(super) integration_id: i64,
    kind: String,
    integration_name: String,
    pub(super) service_id: i64,
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

impl Target {
    fn new(integration_id: i64, row: Option<TargetRow>) -> StoreResult<Target> {
        let row = row.ok_or_else(|| {
            StoreError::NotFound(format!("integration {integration_id} is revoked or gone"))
        })?;
        let policy = read_policy(
            &row.alert_mapping,
            &row.on_resolved,
            row.flap_window,
            &row.group_by,
        )?;
        Ok(Target {
            integration_id,
            kind: row.kind,
            integration_name: row.integration_name,
            service_id: row.service_id,
            service: row.service,
            runbook_url: row.runbook_url,
            policy,
        })
    }
}

/// The live integration `integration_id` and the service it feeds.
pub(super) async fn load_target(
    connection: &mut AnyConnection,
    integration_id: i64,
    now: Timestamp,
) -> StoreResult<Target> {
    let found = context(connection, integration_id, to_db(now), to_db(now), &[], &[]).await?;
    Target::new(integration_id, found.target)
}

pub(super) fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("not serializable: {e}")))
}

/// A firing alert's free-form parts as stored. Made only for what gets written (new
/// alerts, new words): most of a sender's alerts repeat what is known, and serializing
/// them would be work thrown away. The raw payload moves into its stored form.
pub(super) struct BodyJson {
    labels: String,
    details: String,
    links: String,
    raw: String,
}

impl BodyJson {
    fn of(body: &mut AlertBody) -> StoreResult<BodyJson> {
        let raw = to_json(&std::mem::take(&mut body.raw))?;
        Ok(BodyJson {
            labels: to_json(&body.labels)?,
            details: to_json(&body.details)?,
            links: to_json(&body.links)?,
            raw,
        })
    }
}

/// How stale `last_seen_at` may get while a sender repeats an alert: a repeat writes
/// nothing unless the alert's words changed or it was last seen this long ago.
const SEEN_REFRESH: SignedDuration = SignedDuration::from_secs(60);

/// An alert the delivery knows to be firing: stored already, or about to be inserted.
struct Known {
    /// The stored row; none for an alert new in this delivery.
    id: Option<i64>,
    /// Index into the delivery's new alerts, for one new in this delivery.
    pending: Option<usize>,
    incident_id: Option<i64>,
    incident_key: Option<String>,
    summary: String,
    /// When it was last recorded as seen.
    last_seen: Timestamp,
    /// The silence it fired under.
    silence_id: Option<i64>,
    /// Its group, level and (for a silenced alert) labels, to find or open its incident
    /// should its silence end while it fires.
    group_key: String,
    severity: Option<AlertSeverity>,
    labels: Option<BTreeMap<String, String>>,
}

/// A new alert, inserted when the delivery is flushed.
struct NewAlert {
    dedup_key: String,
    group_key: String,
    incident_id: Option<i64>,
    silence_id: Option<i64>,
    body: AlertBody,
    json: BodyJson,
    starts_at: Timestamp,
    ends_at: Option<Timestamp>,
}

pub(super) struct Delivery<'s> {
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
    /// The incidents the delivery's groups had before it.
    stored_groups: HashMap<String, (i64, String, Category)>,
    /// Groups this delivery opened an incident for.
    opened_groups: Vec<(String, i64)>,
    new_alerts: Vec<NewAlert>,
    /// Stored alerts said again, last seen long enough ago to record it.
    seen: Vec<i64>,
    /// Stored alerts said again in new words.
    reworded: Vec<(i64, String, BodyJson)>,
    /// Stored alerts that resolved, with their end.
    resolved: Vec<(i64, Timestamp)>,
    /// Silences in force for the service.
    silences: Vec<ActiveSilence>,
    /// Stored silenced alerts whose silence has ended: now in an incident.
    unsilenced: Vec<(i64, i64)>,
}

impl<'s> Delivery<'s> {
    /// Reads what the delivery's signals refer to, in a few queries for the whole batch.
    pub(super) async fn load(
        store: &'s Store,
        connection: &mut AnyConnection,
        integration_id: i64,
        now: Timestamp,
        signals: &[Signal],
    ) -> StoreResult<Delivery<'s>> {
        lock_integration_service(connection, integration_id).await?;
        let mut keys: Vec<&str> = signals.iter().map(|s| s.dedup_key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut known = HashMap::with_capacity(keys.len());
        let mut resolved_starts = HashSet::new();
        // Resolved occurrences matter only while a late retry is plausible.
        let horizon = to_db(now - SignedDuration::from_hours(RETRY_HORIZON_HOURS));
        // The groups the delivery's firing signals name by the policy its integration's
        // last delivery read (by default, the sender's groups): their incidents are read
        // with the alerts.
        let guess = store.senders.policy(integration_id).unwrap_or_default();
        let mut asked: Vec<String> = signals
            .iter()
            .filter_map(|signal| match &signal.action {
                SignalAction::Fire(body) => Some(guess.group_key(&signal.group_key, &body.labels)),
                _ => None,
            })
            .collect();
        asked.sort_unstable();
        asked.dedup();
        let found = context(
            connection,
            integration_id,
            to_db(now),
            horizon,
            &keys,
            &asked,
        )
        .await?;
        let target = Target::new(integration_id, found.target)?;
        store.senders.saw_policy(integration_id, &target.policy);
        let silences = found
            .silences
            .iter()
            .map(|s| ActiveSilence::read(s.id, &s.matchers))
            .collect::<StoreResult<Vec<_>>>()?;
        for stored in found.alerts {
            if stored.status != AlertStatus::Firing.as_str() {
                resolved_starts.insert((stored.dedup_key, stored.starts_at));
                continue;
            }
            let labels = stored
                .labels
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| {
                    StoreError::Invalid(format!("stored alert labels are unreadable: {e}"))
                })?;
            known.insert(
                stored.dedup_key,
                Known {
                    id: Some(stored.id),
                    pending: None,
                    incident_id: stored.incident_id,
                    incident_key: stored.incident_key,
                    summary: stored.summary,
                    last_seen: from_db(stored.last_seen_at)?,
                    silence_id: stored.silence_id,
                    group_key: stored.group_key,
                    severity: stored.severity.and_then(|s| AlertSeverity::parse(&s).ok()),
                    labels,
                },
            );
        }
        // The groups that may get a new alert (or an alert whose silence ended); those
        // the guess missed are read now.
        let mut missed: Vec<String> = signals
            .iter()
            .filter_map(
                |signal| match (&signal.action, known.get(&signal.dedup_key)) {
                    (SignalAction::Fire(body), None) => {
                        Some(target.policy.group_key(&signal.group_key, &body.labels))
                    }
                    (SignalAction::Fire(_), Some(k)) if k.silence_id.is_some() => {
                        Some(k.group_key.clone())
                    }
                    _ => None,
                },
            )
            .filter(|group| asked.binary_search(group).is_err())
            .collect();
        missed.sort_unstable();
        missed.dedup();
        let mut rows = found.groups;
        if !missed.is_empty() {
            rows.extend(stored_groups(connection, target.service_id, &missed).await?);
        }
        let stored_groups = rows
            .into_iter()
            .map(|GroupRow(group, id, key, category)| {
                let category =
                    Category::parse(&category).map_err(|e| StoreError::Invalid(e.to_string()))?;
                Ok((group, (id, key, category)))
            })
            .collect::<StoreResult<HashMap<_, _>>>()?;
        Ok(Delivery {
            stored_groups,
            opened_groups: Vec::new(),
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
            seen: Vec::new(),
            reworded: Vec::new(),
            resolved: Vec::new(),
        })
    }

    /// Decides one signal. What is kept of it is taken out (a new alert's body); the
    /// rest stays with the caller.
    pub(super) async fn apply(
        &mut self,
        connection: &mut AnyConnection,
        signal: &mut Signal,
    ) -> StoreResult<Outcome> {
        match &mut signal.action {
            SignalAction::Fire(body) => {
                if let Some(outcome) = self.unsilence(connection, &signal.dedup_key).await? {
                    return Ok(outcome);
                }
                if let Some(known) = self.known.get_mut(&signal.dedup_key) {
                    if let Some(id) = known.id {
                        if known.summary != body.summary {
                            known.summary = body.summary.clone();
                            let json = BodyJson::of(body)?;
                            self.reworded.push((id, body.summary.clone(), json));
                        }
                        if self.now.duration_since(known.last_seen) >= SEEN_REFRESH {
                            known.last_seen = self.now;
                            self.seen.push(id);
                        }
                    }
                    return Ok(Outcome::Repeated {
                        incident: known.incident_key.clone(),
                    });
                }
                let body = std::mem::take(body);
                self.fire(
                    connection,
                    signal.dedup_key.clone(),
                    &signal.group_key,
                    body,
                )
                .await
            }
            SignalAction::Resolve { ends_at } => {
                let ends_at = *ends_at;
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
                let before = load_paging(connection, id).await?.facts;
                // Someone has it already, or it is done: nothing to acknowledge.
                if before.acknowledged || before.category == Category::Done {
                    return Ok(Outcome::Ignored);
                }
                let mut statements = Statements::default();
                push_acknowledgement(&mut statements, id, self.now);
                let event = EventData::Acknowledged {
                    via: Some(self.target.kind.clone()),
                };
                push_event(&mut statements, id, None, self.now, &event)?;
                push_touch(&mut statements, id, self.now);
                statements.execute(connection).await?;
                let name = format!("{} ({})", self.target.integration_name, self.target.kind);
                let by = By {
                    user_id: None,
                    name: Some(&name),
                };
                follow_change(
                    connection,
                    &self.store.wake,
                    id,
                    Some(&before),
                    by,
                    self.now,
                )
                .await?;
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
        let labels = known.labels.clone().unwrap_or_default();
        if self.silenced_by(&labels).is_some() {
            return Ok(None);
        }
        let (group_key, summary) = (known.group_key.clone(), known.summary.clone());
        let body = AlertBody {
            summary: summary.clone(),
            source: self.target.kind.clone(),
            severity: known.severity,
            labels,
            details: serde_json::Map::new(),
            links: Vec::new(),
            starts_at: None,
            raw: serde_json::Value::Null,
        };
        let (incident_id, key, outcome) = self
            .incident_for(connection, &group_key, &body, self.now)
            .await?;
        self.unsilenced.push((id, incident_id));
        self.news_for(incident_id, &key).fired.push(summary);
        if let Some(known) = self.known.get_mut(dedup_key) {
            known.incident_id = Some(incident_id);
            known.incident_key = Some(key);
            known.silence_id = None;
        }
        Ok(Some(outcome))
    }

    /// A new alert: into its group's incident, a reopened one, or a new one.
    async fn fire(
        &mut self,
        connection: &mut AnyConnection,
        dedup_key: String,
        sender_group: &str,
        mut body: AlertBody,
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
                last_seen: self.now,
                labels: silence_id.map(|_| body.labels.clone()),
            },
        );
        let json = BodyJson::of(&mut body)?;
        self.new_alerts.push(NewAlert {
            dedup_key,
            group_key,
            incident_id,
            silence_id,
            body,
            json,
            starts_at,
            ends_at: None,
        });
        Ok(outcome)
    }

    fn news_for(&mut self, incident_id: i64, key: &str) -> &mut News {
        self.news.entry(incident_id).or_insert_with(|| News {
            key: key.to_string(),
            ..News::default()
        })
    }
}
