//! The authenticated person on whose behalf a store operation runs, and how it is read
//! (by API token or by console session) in one query.

use sqlx::Row;
use sqlx::any::AnyRow;
use triage_core::role::Role;

use crate::error::{StoreError, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub groups: Vec<String>,
}

/// The columns [`actor_from_rows`] reads, from `users u` joined with [`ACTOR_GROUPS`].
pub(crate) const ACTOR_COLUMNS: &str =
    "u.id, u.email, u.display_name, u.role, g.name AS group_name";

/// Joins the user's groups: one row per group (one with no group if none).
pub(crate) const ACTOR_GROUPS: &str = "LEFT JOIN group_members m ON m.user_id = u.id \
     LEFT JOIN groups g ON g.id = m.group_id";

/// The actor the rows describe; none when there are no rows.
pub(crate) fn actor_from_rows(rows: &[AnyRow]) -> StoreResult<Option<Actor>> {
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let role: String = row.try_get("role")?;
    let mut groups = Vec::new();
    for row in rows {
        if let Some(group) = row.try_get::<Option<String>, _>("group_name")? {
            groups.push(group);
        }
    }
    Ok(Some(Actor {
        user_id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("display_name")?,
        role: Role::parse(&role).map_err(|e| StoreError::Invalid(e.to_string()))?,
        groups,
    }))
}
