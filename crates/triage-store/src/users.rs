//! Users and their group memberships.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::email::{default_name, parse_email};
use triage_core::role::Role;

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::groups::{group_id, groups_of};
use crate::model::User;
use crate::time::{from_db, to_db};

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub add_groups: Vec<String>,
    pub remove_groups: Vec<String>,
}

impl Store {
    pub async fn create_user(&self, new: NewUser, now: Timestamp) -> StoreResult<User> {
        self.write(move |connection| {
            Box::pin(async move {
                let id = insert_user(connection, &new, now).await?;
                load_user_by_id(connection, id).await
            })
        })
        .await
    }

    pub async fn update_user(&self, email: &str, changes: UserChanges) -> StoreResult<User> {
        let email = email.to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = user_id(connection, &email).await?;
                if let Some(name) = &changes.name {
                    let name = parse_display_name(name)?;
                    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
                        .bind(name)
                        .bind(id)
                        .execute(&mut *connection)
                        .await?;
                }
                if let Some(role) = changes.role {
                    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                        .bind(role.as_str())
                        .bind(id)
                        .execute(&mut *connection)
                        .await?;
                }
                if let Some(active) = changes.active {
                    sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                        .bind(i64::from(active))
                        .bind(id)
                        .execute(&mut *connection)
                        .await?;
                }
                for group in &changes.add_groups {
                    let group = group_id(connection, group).await?;
                    sqlx::query(
                        "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) \
                         ON CONFLICT DO NOTHING",
                    )
                    .bind(group)
                    .bind(id)
                    .execute(&mut *connection)
                    .await?;
                }
                for group in &changes.remove_groups {
                    let group = group_id(connection, group).await?;
                    sqlx::query("DELETE FROM group_members WHERE group_id = $1 AND user_id = $2")
                        .bind(group)
                        .bind(id)
                        .execute(&mut *connection)
                        .await?;
                }
                load_user_by_id(connection, id).await
            })
        })
        .await
    }

    pub async fn user(&self, email: &str) -> StoreResult<User> {
        let mut connection = self.read.acquire().await?;
        let id = user_id(&mut connection, email).await?;
        load_user_by_id(&mut connection, id).await
    }

    pub async fn users(&self) -> StoreResult<Vec<User>> {
        let mut connection = self.read.acquire().await?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY email")
            .fetch_all(&mut *connection)
            .await?;
        let mut users = Vec::with_capacity(ids.len());
        for id in ids {
            users.push(load_user_by_id(&mut connection, id).await?);
        }
        Ok(users)
    }

    /// Whether any user exists yet (a fresh database has none).
    pub async fn has_users(&self) -> StoreResult<bool> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.read)
            .await?;
        Ok(count > 0)
    }
}

pub(crate) async fn insert_user(
    connection: &mut AnyConnection,
    new: &NewUser,
    now: Timestamp,
) -> StoreResult<i64> {
    let email = parse_email(&new.email).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let name = match &new.name {
        Some(name) => parse_display_name(name)?,
        None => default_name(&email),
    };
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(&mut *connection)
        .await?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(format!(
            "a user with e-mail {email} exists already"
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, display_name, role, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(&email)
    .bind(&name)
    .bind(new.role.as_str())
    .bind(to_db(now))
    .fetch_one(&mut *connection)
    .await?;
    for group in &new.groups {
        let group = group_id(connection, group).await?;
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(group)
            .bind(id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(id)
}

fn parse_display_name(name: &str) -> StoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::Invalid(
            "a display name must have 1 to 100 characters".to_string(),
        ));
    }
    Ok(name.to_string())
}

/// The id of the user with this e-mail, or a not-found error naming it.
pub(crate) async fn user_id(connection: &mut AnyConnection, email: &str) -> StoreResult<i64> {
    let normalized = email.trim().to_lowercase();
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&normalized)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no user with e-mail '{}'", email.trim())))
}

pub(crate) async fn load_user_by_id(connection: &mut AnyConnection, id: i64) -> StoreResult<User> {
    let row = sqlx::query(
        "SELECT email, display_name, role, active, created_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    let role: String = row.try_get("role")?;
    Ok(User {
        email: row.try_get("email")?,
        name: row.try_get("display_name")?,
        role: Role::parse(&role).map_err(|e| StoreError::Invalid(e.to_string()))?,
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: from_db(row.try_get("created_at")?)?,
        groups: groups_of(connection, id).await?,
    })
}
