//! The authenticated person on whose behalf a store operation runs.

use triage_core::role::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub groups: Vec<String>,
}
