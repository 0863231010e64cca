//! Groups: named sets of users that workflow conditions refer to (`sre`).

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::Group;
use crate::time::{from_db, to_db};

impl Store {
    pub async fn create_group(
        &self,
        name: &str,
        description: &str,
        now: Timestamp,
    ) -> StoreResult<Group> {
        let name = parse_group_name(name)?;
        let description = description.trim().to_string();
        self.write(move |connection| {
            Box::pin(async move {
                insert_group(connection, &name, &description, now).await?;
                load_group(connection, &name).await
            })
        })
        .await
    }

    pub async fn groups(&self) -> StoreResult<Vec<Group>> {
        let mut connection = self.read.acquire().await?;
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM groups ORDER BY name")
            .fetch_all(&mut *connection)
            .await?;
        let mut groups = Vec::with_capacity(names.len());
        for name in names {
            groups.push(load_group(&mut connection, &name).await?);
        }
        Ok(groups)
    }

    pub async fn delete_group(&self, name: &str) -> StoreResult<()> {
        let name = name.to_string();
        self.write(move |connection| {
            Box::pin(async move {
                let id = group_id(connection, &name).await?;
                sqlx::query("DELETE FROM groups WHERE id = $1")
                    .bind(id)
                    .execute(&mut *connection)
                    .await?;
                Ok(())
            })
        })
        .await
    }
}

pub(crate) async fn insert_group(
    connection: &mut AnyConnection,
    name: &str,
    description: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM groups WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *connection)
        .await?;
    if exists.is_some() {
        return Err(StoreError::Duplicate(format!(
            "group '{name}' exists already"
        )));
    }
    sqlx::query("INSERT INTO groups (name, description, created_at) VALUES ($1, $2, $3)")
        .bind(name)
        .bind(description)
        .bind(to_db(now))
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// A group name: lower-case letters, digits, '-' and '_'.
pub(crate) fn parse_group_name(name: &str) -> StoreResult<String> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(name.to_string())
    } else {
        Err(StoreError::Invalid(format!(
            "group name '{name}' is not allowed: use 1 to 64 lower-case letters, digits, '-' or '_'"
        )))
    }
}

/// The id of a group, or an error that lists the groups there are.
pub(crate) async fn group_id(connection: &mut AnyConnection, name: &str) -> StoreResult<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM groups WHERE name = $1")
        .bind(name.trim())
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(id) = id {
        return Ok(id);
    }
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM groups ORDER BY name")
        .fetch_all(&mut *connection)
        .await?;
    let known = if names.is_empty() {
        "there are no groups yet".to_string()
    } else {
        format!("groups: {}", names.join(", "))
    };
    Err(StoreError::NotFound(format!(
        "no group '{}' ({known}); create it first",
        name.trim()
    )))
}

pub(crate) async fn groups_of(
    connection: &mut AnyConnection,
    user_id: i64,
) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id \
         WHERE m.user_id = $1 ORDER BY g.name",
    )
    .bind(user_id)
    .fetch_all(&mut *connection)
    .await?)
}

async fn load_group(connection: &mut AnyConnection, name: &str) -> StoreResult<Group> {
    let row = sqlx::query("SELECT id, name, description, created_at FROM groups WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *connection)
        .await?;
    let id: i64 = row.try_get("id")?;
    let members: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM users u JOIN group_members m ON m.user_id = u.id \
         WHERE m.group_id = $1 ORDER BY u.email",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?;
    Ok(Group {
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        members,
        created_at: from_db(row.try_get("created_at")?)?,
    })
}
