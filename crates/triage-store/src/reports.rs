//! The response report: the incidents created in a window (optionally on one service)
//! read in one query, their figures computed in `triage_core::metrics`; the incidents by
//! service; the open and overdue action items as they stand now.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use triage_core::metrics::{Count, Figures, IncidentFacts, figures};

use crate::db::Store;
use crate::error::StoreResult;
use crate::incidents::{load_priority, load_severity};
use crate::sql::Value;
use crate::time::{from_db, from_db_opt, to_db};

/// Which incidents a report covers: created in `[since, until]`, on `service` if given.
#[derive(Debug, Clone)]
pub struct ReportWindow {
    pub since: Timestamp,
    pub until: Timestamp,
    pub service: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionCounts {
    /// Not Done.
    pub open: u64,
    /// Not Done and past their due day (UTC).
    pub overdue: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub since: Timestamp,
    pub until: Timestamp,
    pub service: Option<String>,
    #[serde(flatten)]
    pub figures: Figures,
    pub by_service: Vec<Count>,
    /// Action items now, across the service's incidents (all incidents without one).
    pub action_items: ActionCounts,
}

/// One incident's row: detected, created, acknowledged, mitigated, resolved, priority,
/// severity, response due, false alarm, recurrence, updates kept, updates missed.
type Row = (
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
    i64,
);

fn facts(row: Row) -> StoreResult<IncidentFacts> {
    let (detected, created, acknowledged, mitigated, resolved, priority, severity, due, ..) = row;
    let count = |n: i64| u32::try_from(n).unwrap_or(0);
    Ok(IncidentFacts {
        detected_at: from_db(detected)?,
        created_at: from_db(created)?,
        acknowledged_at: from_db_opt(acknowledged)?,
        mitigated_at: from_db_opt(mitigated)?,
        resolved_at: from_db_opt(resolved)?,
        priority: load_priority(priority)?,
        severity: load_severity(severity)?,
        response_due_at: from_db_opt(due)?,
        false_alarm: row.8 == 1,
        recurrence: row.9 == 1,
        updates_kept: count(row.10),
        updates_missed: count(row.11),
    })
}

impl Store {
    /// The report over `window`, SLA deadlines and overdue items judged at `now`.
    pub async fn report(&self, window: ReportWindow, now: Timestamp) -> StoreResult<Report> {
        let mut values: Vec<Value> = vec![to_db(window.since).into(), to_db(window.until).into()];
        let mut within = "i.created_at >= $1 AND i.created_at <= $2".to_string();
        if let Some(service) = &window.service {
            values.push(service.trim().to_lowercase().into());
            // Each incident of the window looked up by its key: cheaper than listing every
            // incident the service ever had.
            within.push_str(
                " AND EXISTS (SELECT 1 FROM incident_services f \
                 WHERE f.incident_id = i.id AND f.service = $3)",
            );
        }
        let mut connection = self.read.acquire().await?;
        let sql = format!(
            "SELECT i.detected_at, i.created_at, i.acknowledged_at, i.mitigated_at, \
             i.resolved_at, i.priority, i.severity, i.response_due_at, \
             CAST(CASE WHEN i.status = 'False Alarm' THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN i.recurrence_of IS NULL THEN 0 ELSE 1 END AS BIGINT), \
             i.updates_kept, i.updates_missed FROM incidents i WHERE {within}"
        );
        let rows: Vec<Row> =
            crate::sql::bind_all_as(sqlx::query_as(AssertSqlSafe(sql)), values.clone())
                .fetch_all(&mut *connection)
                .await?;
        let incidents = rows
            .into_iter()
            .map(facts)
            .collect::<StoreResult<Vec<_>>>()?;
        let figures = figures(&incidents, window.since, window.until, now);
        let sql = format!(
            "SELECT s.service, COUNT(*) FROM incident_services s \
             JOIN incidents i ON i.id = s.incident_id WHERE {within} \
             GROUP BY s.service ORDER BY 2 DESC, 1"
        );
        let services: Vec<(String, i64)> =
            crate::sql::bind_all_as(sqlx::query_as(AssertSqlSafe(sql)), values)
                .fetch_all(&mut *connection)
                .await?;
        let today = now.to_zoned(TimeZone::UTC).date().to_string();
        let mut values: Vec<Value> = vec![today.into()];
        let mut items =
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.due_on < $1 THEN 1 ELSE 0 END), 0) \
             FROM action_items a WHERE a.status <> 'Done'"
                .to_string();
        if let Some(service) = &window.service {
            values.push(service.trim().to_lowercase().into());
            items.push_str(
                " AND EXISTS (SELECT 1 FROM incident_services f \
                 WHERE f.incident_id = a.incident_id AND f.service = $2)",
            );
        }
        let (open, overdue): (i64, i64) =
            crate::sql::bind_all_as(sqlx::query_as(AssertSqlSafe(items)), values)
                .fetch_one(&mut *connection)
                .await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(Report {
            since: window.since,
            until: window.until,
            service: window.service,
            figures,
            by_service: services
                .into_iter()
                .map(|(name, n)| Count {
                    name,
                    incidents: count(n),
                })
                .collect(),
            action_items: ActionCounts {
                open: count(open),
                overdue: count(overdue),
            },
        })
    }
}
