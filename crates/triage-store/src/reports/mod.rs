//! The response report: the incidents created in a window (optionally on one service)
//! tallied in `triage_core::metrics`, and the open and overdue action items as they stand
//! now.
//!
//! A window's whole UTC days come from kept tallies (`report_days`, one per day and
//! service) while their incidents have not changed since; the rest — its partial first
//! and last days, days never tallied or changed since — are read incident by incident,
//! and the whole days among them kept for the next report (`kept.rs`: which days are
//! kept and current; `read.rs`: reading the rest).

mod kept;
mod read;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;
use sqlx::{AnyConnection, AssertSqlSafe};
use triage_core::action::ActionStatus;
use triage_core::metrics::{Figures, Tally};

use crate::db::Store;
use crate::error::StoreResult;
use crate::sql::{Value, literal};
use crate::time::to_db;

use kept::stored;
use read::Reading;

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
        let plan = self.plan(since, until, &key, now).await?;
        let mut connection = self.read.acquire().await?;
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
    let mut items = format!(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN a.due_on < $1 THEN 1 ELSE 0 END), 0) \
         FROM action_items a WHERE a.status <> {}",
        literal(ActionStatus::Done.as_str())
    );
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
