//! The update cadence as the incident's row keeps it: `cadence_since` (when it was last
//! updated, or put to work), `update_due_at` (when the next update is due; none when no
//! update is asked for), `update_overdue_at` (since when one is overdue) and the
//! counts of intervals kept and missed. Each change of status, severity or update moves
//! them in the same transaction as the change itself.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::Severity;
use triage_core::cadence::Cadence;
use triage_core::workflow::Category;

use crate::error::StoreResult;
use crate::incidents::{load_category, load_severity};
use crate::sql::Statements;
use crate::time::{from_db_opt, to_db};

/// A change of status from `from` to `to`: the cadence starts when the incident enters
/// the In Progress category, and stops when it leaves it.
pub(crate) fn push_status_change(
    statements: &mut Statements,
    id: i64,
    (from, to): (Category, Category),
    severity: Option<Severity>,
    cadence: &Cadence,
    now: Timestamp,
) {
    let working = |category| category == Category::InProgress;
    if working(to) && !working(from) {
        statements.push(
            "UPDATE incidents SET cadence_since = $1, update_due_at = $2, \
             update_overdue_at = NULL WHERE id = $3",
            vec![
                to_db(now).into(),
                cadence.due(severity, now, None).map(to_db).into(),
                id.into(),
            ],
        );
    } else if working(from) && !working(to) {
        statements.push(
            "UPDATE incidents SET update_due_at = NULL, update_overdue_at = NULL WHERE id = $1",
            vec![id.into()],
        );
    }
}

/// A change of severity: a working incident's next update is due the new severity's
/// interval after its last one; an overdue one keeps being reminded as it was, unless
/// the new severity asks for no updates.
pub(crate) fn push_severity_change(
    statements: &mut Statements,
    id: i64,
    category: Category,
    severity: Option<Severity>,
    cadence: &Cadence,
    now: Timestamp,
) {
    if category != Category::InProgress {
        return;
    }
    match cadence.of(severity) {
        Some(interval) => statements.push(
            "UPDATE incidents SET cadence_since = COALESCE(cadence_since, $1), \
             update_due_at = CASE WHEN update_overdue_at IS NULL \
             THEN COALESCE(cadence_since, $1) + $2 ELSE update_due_at END WHERE id = $3",
            vec![
                to_db(now).into(),
                i64::try_from(interval.as_micros())
                    .unwrap_or(i64::MAX)
                    .into(),
                id.into(),
            ],
        ),
        None => statements.push(
            "UPDATE incidents SET update_due_at = NULL, update_overdue_at = NULL WHERE id = $1",
            vec![id.into()],
        ),
    }
}

/// An update was posted: the interval it ends counts as kept (on time) or missed (late,
/// and not yet counted), and the next is due the cadence's interval from now, or at
/// `promised` if sooner. Answers when the next update is due; none when the incident is
/// not being worked or asks for no update.
pub(crate) async fn push_restart(
    connection: &mut AnyConnection,
    statements: &mut Statements,
    id: i64,
    promised: Option<Timestamp>,
    cadence: &Cadence,
    now: Timestamp,
) -> StoreResult<Option<Timestamp>> {
    let row = sqlx::query(
        "SELECT status_category, severity, update_due_at, update_overdue_at FROM incidents \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    if load_category(&row.try_get::<String, _>("status_category")?)? != Category::InProgress {
        return Ok(None);
    }
    let severity = load_severity(row.try_get("severity")?)?;
    let due = from_db_opt(row.try_get("update_due_at")?)?;
    let overdue = from_db_opt(row.try_get("update_overdue_at")?)?;
    let (kept, missed) = match (due, overdue) {
        (Some(due), None) if now <= due => (1, 0),
        // Late, before the reminder was recorded.
        (Some(_), None) => (0, 1),
        _ => (0, 0),
    };
    let next = cadence.due(severity, now, promised);
    statements.push(
        "UPDATE incidents SET cadence_since = $1, update_due_at = $2, update_overdue_at = NULL, \
         updates_kept = updates_kept + $3, updates_missed = updates_missed + $4 WHERE id = $5",
        vec![
            to_db(now).into(),
            next.map(to_db).into(),
            i64::from(kept).into(),
            i64::from(missed).into(),
            id.into(),
        ],
    );
    Ok(next)
}
