//! What public incidents did to each component over time, read back as stretches at a
//! status: the input of the page's uptime bars (`triage_core::status_page::uptime`).

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::Row;
use triage_core::status_page::ComponentStatus;
use triage_core::status_page::uptime::Stretch;

use super::stored;
use crate::db::Store;
use crate::error::StoreResult;
use crate::time::{from_db, from_db_opt, to_db};

impl Store {
    /// Per component id, every stretch a public incident (not a maintenance) held it at a
    /// status, for incidents open at some time since `since`. A stretch lasts until the
    /// incident's next change to that component, its resolution, or `now`.
    pub async fn component_stretches(
        &self,
        since: Timestamp,
        now: Timestamp,
    ) -> StoreResult<HashMap<i64, Vec<Stretch>>> {
        let rows = sqlx::query(
            "SELECT ch.public_incident_id, ch.component_id, ch.new_status, ch.created_at, \
             p.resolved_at FROM public_component_changes ch \
             JOIN public_incidents p ON p.id = ch.public_incident_id \
             WHERE p.kind = 'incident' AND (p.resolved_at IS NULL OR p.resolved_at >= $1) \
             ORDER BY ch.public_incident_id, ch.component_id, ch.id",
        )
        .bind(to_db(since))
        .fetch_all(&self.read)
        .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            let incident: i64 = row.try_get("public_incident_id")?;
            let component: i64 = row.try_get("component_id")?;
            let status = stored(ComponentStatus::parse(
                &row.try_get::<String, _>("new_status")?,
            ))?;
            let at = from_db(row.try_get("created_at")?)?;
            let end = from_db_opt(row.try_get("resolved_at")?)?.unwrap_or(now);
            changes.push(((incident, component), status, at, end));
        }
        let mut stretches: HashMap<i64, Vec<Stretch>> = HashMap::new();
        for (index, &((incident, component), status, from, end)) in changes.iter().enumerate() {
            let until = match changes.get(index + 1) {
                Some(&(next, _, at, _)) if next == (incident, component) => at.min(end),
                _ => end,
            };
            if until > from {
                stretches.entry(component).or_default().push(Stretch {
                    from,
                    until,
                    status,
                });
            }
        }
        Ok(stretches)
    }
}
