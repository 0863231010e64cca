//! Reading a report's incidents one by one, for the days no kept tally covers: each
//! backend its cheapest way, tallied by day.

use std::collections::BTreeMap;

use jiff::Timestamp;
use sqlx::{AnyConnection, AssertSqlSafe};
use triage_core::metrics::{IncidentFacts, Tally};
use triage_core::workflow::FALSE_ALARM_STATUS;

use super::DAY;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_priority, load_severity};
use crate::postgres::is_postgres;
use crate::sql::{Value, literal};
use crate::time::{from_db, from_db_opt};

/// One incident's row: detected, created, acknowledged, mitigated, resolved, priority,
/// severity, response due, false alarm, recurrence, updates kept, updates missed,
/// services (separated by spaces).
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
    Option<String>,
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
        services: row
            .12
            .map(|names| names.split(' ').map(str::to_string).collect())
            .unwrap_or_default(),
    })
}

/// What one report reads incident by incident: created in one of `ranges`
/// (microseconds, inclusive), on `service` if given; tallied by day.
pub(super) struct Reading<'a> {
    pub(super) ranges: Vec<(i64, i64)>,
    pub(super) service: Option<&'a str>,
    pub(super) now: Timestamp,
}

/// Days read in one query: few queries over a year, a bounded answer from each.
const DAYS_PER_READ: i64 = 32;

impl Reading<'_> {
    /// The tally of each day the ranges touch, empty days included.
    pub(super) async fn tallies(
        &self,
        connection: &mut AnyConnection,
    ) -> StoreResult<BTreeMap<i64, Tally>> {
        let postgres = is_postgres(connection);
        let mut days = BTreeMap::new();
        for &(from, to) in &self.ranges {
            let (first, last) = (from.div_euclid(DAY), to.div_euclid(DAY));
            for day in first..=last {
                days.insert(day, Tally::default());
            }
            let mut start = first;
            while start <= last {
                let end = last.min(start + DAYS_PER_READ - 1);
                let part = (from.max(start * DAY), to.min((end + 1) * DAY - 1));
                self.read_into(&mut days, connection, part, postgres)
                    .await?;
                start = end + 1;
            }
        }
        Ok(days)
    }

    /// Tallies the incidents created in `range` into their days, each read with its
    /// services. Services are looked up incident by incident, never joined: given a
    /// join, PostgreSQL's planner reads every service row for a day's thousand incidents.
    /// Each backend is read its cheapest way: from PostgreSQL row by row; from SQLite,
    /// whose driver costs microseconds a row, each day as one JSON array it builds.
    async fn read_into(
        &self,
        days: &mut BTreeMap<i64, Tally>,
        connection: &mut AnyConnection,
        range: (i64, i64),
        postgres: bool,
    ) -> StoreResult<()> {
        let mut values: Vec<Value> = vec![range.0.into(), range.1.into()];
        let mut within = "i.created_at >= $1 AND i.created_at <= $2".to_string();
        if let Some(service) = self.service {
            values.push(service.to_string().into());
            within.push_str(
                " AND (SELECT 1 FROM incident_services f \
                 WHERE f.incident_id = i.id AND f.service = $3) IS NOT NULL",
            );
        }
        // Service names hold no spaces (`triage_core::incident::parse_name`).
        let concat = if postgres {
            "string_agg"
        } else {
            "group_concat"
        };
        let columns = format!(
            "i.detected_at, i.created_at, i.acknowledged_at, i.mitigated_at, i.resolved_at, \
             i.priority, i.severity, i.response_due_at, \
             CAST(CASE WHEN i.status = {false_alarm} THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN i.recurrence_of IS NULL THEN 0 ELSE 1 END AS BIGINT), \
             i.updates_kept, i.updates_missed, \
             (SELECT {concat}(s.service, ' ') FROM incident_services s WHERE s.incident_id = i.id)",
            false_alarm = literal(FALSE_ALARM_STATUS)
        );
        let rows: Vec<Row> = if postgres {
            let sql = format!("SELECT {columns} FROM incidents i WHERE {within}");
            crate::sql::bind_all_as(sqlx::query_as(AssertSqlSafe(sql)), values)
                .fetch_all(&mut *connection)
                .await?
        } else {
            let sql = format!(
                "SELECT CAST(json_group_array(json_array({columns})) AS TEXT) \
                 FROM incidents i WHERE {within} GROUP BY i.created_at / {DAY}"
            );
            let packs: Vec<(String,)> =
                crate::sql::bind_all_as(sqlx::query_as(AssertSqlSafe(sql)), values)
                    .fetch_all(&mut *connection)
                    .await?;
            let mut rows = Vec::new();
            for (text,) in packs {
                let day: Vec<Row> = serde_json::from_str(&text).map_err(|e| {
                    StoreError::Invalid(format!("the stored incidents of this window are unreadable ({e}); the database may be damaged"))
                })?;
                rows.extend(day);
            }
            rows
        };
        for row in rows {
            let day = row.1.div_euclid(DAY);
            days.entry(day).or_default().add(&facts(row)?, self.now);
        }
        Ok(())
    }
}
