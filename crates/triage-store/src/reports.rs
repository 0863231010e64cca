//! The response report: the incidents created in a window (optionally on one service)
//! tallied in `triage_core::metrics`, and the open and overdue action items as they stand
//! now.
//!
//! A window's whole UTC days come from kept tallies (`report_days`, one per day and
//! service) while their incidents have not changed since; the rest — its partial first
//! and last days, days never tallied or changed since — are read incident by incident,
//! and the whole days among them kept for the next report. How a kept tally is known to
//! be current is in `migrations/*/0019_report_days.sql`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe, Executor};
use triage_core::metrics::{Figures, IncidentFacts, Tally};

use crate::db::{Backend, Store};
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_priority, load_severity};
use crate::postgres::is_postgres;
use crate::sql::Value;
use crate::time::{from_db, from_db_opt, to_db};

/// A UTC day in the database's microseconds; day `d` holds `[d·DAY, (d+1)·DAY)`.
const DAY: i64 = 86_400_000_000;

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
    /// Action items now, across the service's incidents (all incidents without one).
    pub action_items: ActionCounts,
}

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

/// The whole days of `[since, until]` (microseconds), first and last.
fn whole_days(since: i64, until: i64) -> Option<(i64, i64)> {
    let first = since.div_euclid(DAY) + i64::from(since.rem_euclid(DAY) != 0);
    let last = (until + 1).div_euclid(DAY) - 1;
    (first <= last).then_some((first, last))
}

/// A tally as `report_days` keeps it.
fn stored(tally: &Tally) -> StoreResult<String> {
    serde_json::to_string(tally)
        .map_err(|e| StoreError::Invalid(format!("a report tally did not serialize: {e}")))
}

/// Runs of consecutive days, as `(first, last)`.
fn runs(days: &BTreeSet<i64>) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == day => *last = day,
            _ => runs.push((day, day)),
        }
    }
    runs
}

/// What one report reads incident by incident: created in one of `ranges`
/// (microseconds, inclusive), on `service` if given; tallied by day.
struct Reading<'a> {
    ranges: Vec<(i64, i64)>,
    service: Option<&'a str>,
    now: Timestamp,
}

/// Days read in one query: few queries over a year, a bounded answer from each.
const DAYS_PER_READ: i64 = 32;

impl Reading<'_> {
    /// The tally of each day the ranges touch, empty days included.
    async fn tallies(&self, connection: &mut AnyConnection) -> StoreResult<BTreeMap<i64, Tally>> {
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
             CAST(CASE WHEN i.status = 'False Alarm' THEN 1 ELSE 0 END AS BIGINT), \
             CAST(CASE WHEN i.recurrence_of IS NULL THEN 0 ELSE 1 END AS BIGINT), \
             i.updates_kept, i.updates_missed, \
             (SELECT {concat}(s.service, ' ') FROM incident_services s WHERE s.incident_id = i.id)"
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
                    StoreError::Invalid(format!("the report's incidents did not read: {e}"))
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

/// A kept day: the version of its mark, and its tally if one is kept at that version.
type Kept = BTreeMap<i64, (i64, Option<String>)>;

async fn kept_days(
    connection: &mut AnyConnection,
    (first, last): (i64, i64),
    service: &str,
) -> StoreResult<Kept> {
    let rows: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
        "SELECT m.day, m.version, d.tally FROM report_marks m \
         LEFT JOIN report_days d ON d.day = m.day AND d.service = $3 AND d.version = m.version \
         WHERE m.day >= $1 AND m.day <= $2",
    )
    .bind(first)
    .bind(last)
    .bind(service)
    .fetch_all(&mut *connection)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(day, version, tally)| (day, (version, tally)))
        .collect())
}

/// How a window is read: what its kept days already add up to, the ranges left to read
/// incident by incident, and the version each whole day among them is read at.
#[derive(Default)]
struct Plan {
    kept: Tally,
    ranges: Vec<(i64, i64)>,
    versions: BTreeMap<i64, i64>,
}

impl Store {
    /// The report over `window`, SLA deadlines and overdue items judged at `now`.
    pub async fn report(&self, window: ReportWindow, now: Timestamp) -> StoreResult<Report> {
        let service = window.service.as_ref().map(|s| s.trim().to_lowercase());
        let since = to_db(window.since);
        let tally = self
            .tally_window(since, to_db(window.until), service.as_deref(), now)
            .await?;
        let mut connection = self.read.acquire().await?;
        let action_items = action_counts(&mut connection, service.as_deref(), now).await?;
        Ok(Report {
            since: window.since,
            until: window.until,
            service: window.service,
            figures: tally.figures(window.since, window.until),
            action_items,
        })
    }

    /// Keeps the tally of every whole day from the oldest incident's to `now` that has
    /// none (or an outdated one), so that the first report after an import or an upgrade
    /// does not read every incident itself. The server runs it in the background.
    pub async fn keep_report_days(&self, now: Timestamp) -> StoreResult<()> {
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(created_at) FROM incidents")
            .fetch_one(&self.read)
            .await?;
        if let Some(oldest) = oldest {
            let since = oldest.div_euclid(DAY) * DAY;
            self.tally_window(since, to_db(now), None, now).await?;
        }
        Ok(())
    }

    /// The tally of the incidents created in `[since, until]` (on `service` if given):
    /// kept days merged, the rest read, and the whole days among them kept.
    async fn tally_window(
        &self,
        since: i64,
        until: i64,
        service: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<Tally> {
        let key = service.unwrap_or_default().to_string();
        let mut connection = self.read.acquire().await?;
        let plan = self.plan(&mut connection, since, until, &key, now).await?;
        let reading = Reading {
            ranges: plan.ranges,
            service,
            now,
        };
        let mut days = reading.tallies(&mut connection).await?;
        drop(connection);
        let mut tally = plan.kept;
        let mut keep = Vec::new();
        // Whole days without incidents are kept too: the next report need not look.
        for (day, version) in plan.versions {
            let day_tally = days.remove(&day).unwrap_or_default();
            if day_tally.settled() {
                keep.push((day, version, stored(&day_tally)?));
            }
            tally.merge(day_tally);
        }
        for day_tally in days.into_values() {
            tally.merge(day_tally);
        }
        if !keep.is_empty() {
            self.keep_days(key, keep).await?;
        }
        Ok(tally)
    }

    /// How to read `[since, until]` for `service` ('' for all): the whole days kept at
    /// their mark's version merged; the partial first and last days, and whole days not
    /// kept, to read — marked first, so that a change from then on is seen.
    async fn plan(
        &self,
        connection: &mut AnyConnection,
        since: i64,
        until: i64,
        service: &str,
        now: Timestamp,
    ) -> StoreResult<Plan> {
        // Only days already over are kept: one still to come is read.
        let over = to_db(now).div_euclid(DAY) * DAY - 1;
        let Some((first, last)) = whole_days(since, until.min(over)) else {
            return Ok(Plan {
                ranges: vec![(since, until)],
                ..Plan::default()
            });
        };
        let mut plan = Plan::default();
        if since < first * DAY {
            plan.ranges.push((since, first * DAY - 1));
        }
        let mut kept = kept_days(connection, (first, last), service).await?;
        let mut missing = BTreeSet::new();
        for day in first..=last {
            match kept.remove(&day) {
                // One kept by another version of Triage may not read: tallied again.
                Some((version, text)) => {
                    match text.and_then(|t| serde_json::from_str::<Tally>(&t).ok()) {
                        Some(day_tally) => plan.kept.merge(day_tally),
                        None => {
                            missing.insert(day);
                            plan.versions.insert(day, version);
                        }
                    }
                }
                None => {
                    missing.insert(day);
                }
            }
        }
        let unmarked = missing.iter().any(|day| !plan.versions.contains_key(day));
        if let (true, Some(&low), Some(&high)) = (unmarked, missing.first(), missing.last()) {
            self.mark_days(low, high).await?;
            // Read before the incidents: a change after this moves the version on.
            for (day, (version, _)) in kept_days(connection, (low, high), service).await? {
                if missing.contains(&day) {
                    plan.versions.insert(day, version);
                }
            }
        }
        plan.ranges.extend(
            runs(&missing)
                .into_iter()
                .map(|(a, b)| (a * DAY, (b + 1) * DAY - 1)),
        );
        if (last + 1) * DAY <= until {
            plan.ranges.push(((last + 1) * DAY, until));
        }
        Ok(plan)
    }

    /// Marks the days `[low, high]` that have no mark yet. On PostgreSQL, in-flight writes
    /// to incidents are waited for first: one that began before a mark existed and
    /// commits after the incidents were read would otherwise leave a kept tally stale.
    async fn mark_days(&self, low: i64, high: i64) -> StoreResult<()> {
        let postgres = self.backend() == Backend::Postgres;
        self.write(move |connection| {
            Box::pin(async move {
                if postgres {
                    connection
                        .execute("LOCK TABLE incidents, incident_services IN SHARE MODE")
                        .await?;
                }
                // A tally kept under a mark since removed could match the new mark's
                // first version: it goes.
                sqlx::query(
                    "DELETE FROM report_days WHERE day >= $1 AND day <= $2 AND NOT EXISTS \
                     (SELECT 1 FROM report_marks m WHERE m.day = report_days.day)",
                )
                .bind(low)
                .bind(high)
                .execute(&mut *connection)
                .await?;
                sqlx::query(
                    "WITH RECURSIVE d (day) AS (SELECT CAST($1 AS BIGINT) \
                     UNION ALL SELECT day + 1 FROM d WHERE day < $2) \
                     INSERT INTO report_marks (day, version) SELECT day, 0 FROM d WHERE true \
                     ON CONFLICT (day) DO NOTHING",
                )
                .bind(low)
                .bind(high)
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await
    }

    /// Keeps `days`' tallies of `service` ('' for all), each with the version of its mark
    /// it was read at; an older one never replaces a newer.
    async fn keep_days(&self, service: String, days: Vec<(i64, i64, String)>) -> StoreResult<()> {
        self.write(move |connection| {
            Box::pin(async move {
                for (day, version, tally) in days {
                    sqlx::query(
                        "INSERT INTO report_days (day, service, version, tally) \
                         VALUES ($1, $2, $3, $4) ON CONFLICT (day, service) DO UPDATE \
                         SET version = excluded.version, tally = excluded.tally \
                         WHERE report_days.version < excluded.version",
                    )
                    .bind(day)
                    .bind(&service)
                    .bind(version)
                    .bind(tally)
                    .execute(&mut *connection)
                    .await?;
                }
                Ok(())
            })
        })
        .await
    }
}

/// The action items not Done now, on `service`'s incidents if given, and how many of
/// them are past their due day (UTC).
async fn action_counts(
    connection: &mut AnyConnection,
    service: Option<&str>,
    now: Timestamp,
) -> StoreResult<ActionCounts> {
    let today = now.to_zoned(TimeZone::UTC).date().to_string();
    let mut values: Vec<Value> = vec![today.into()];
    let mut items = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.due_on < $1 THEN 1 ELSE 0 END), 0) \
                     FROM action_items a WHERE a.status <> 'Done'"
        .to_string();
    if let Some(service) = service {
        values.push(service.to_string().into());
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
    Ok(ActionCounts {
        open: count(open),
        overdue: count(overdue),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_days_are_the_days_the_window_holds_entirely() {
        assert_eq!(whole_days(0, DAY - 1), Some((0, 0)));
        assert_eq!(whole_days(1, DAY - 1), None);
        assert_eq!(whole_days(0, DAY - 2), None);
        assert_eq!(whole_days(DAY / 2, 3 * DAY + 5), Some((1, 2)));
        let days: BTreeSet<i64> = [1, 2, 3, 7, 9, 10].into();
        assert_eq!(runs(&days), [(1, 3), (7, 7), (9, 10)]);
    }
}
