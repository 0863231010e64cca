//! API tokens: random secrets shown once, stored only as SHA-256 hashes. Also the
//! bootstrap of the first admin, which needs a token before any server can hand one out.

use jiff::Timestamp;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::role::Role;

use crate::actor::{ACTOR_COLUMNS, ACTOR_GROUPS, Actor, actor_from_rows};
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::groups::insert_group;
use crate::model::{TokenInfo, User};
use crate::time::{from_db, from_db_opt, to_db};
use crate::users::{NewUser, insert_user, load_user_by_id, user_id};

/// Prefix of every token, so that secret scanners and people recognise one.
const TOKEN_PREFIX: &str = "trg_";

/// A freshly made token: the secret (shown once, never stored) and its record.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

impl Store {
    pub async fn create_token(
        &self,
        email: &str,
        name: &str,
        now: Timestamp,
    ) -> StoreResult<NewToken> {
        let email = email.to_string();
        let name = name.trim().to_string();
        let secret = new_secret(TOKEN_PREFIX)?;
        self.write(move |connection| {
            Box::pin(async move {
                let user = user_id(connection, &email).await?;
                insert_token(connection, user, &name, secret, now).await
            })
        })
        .await
    }

    /// The actor a token speaks for, if it is a live token of an active user.
    pub async fn authenticate(&self, token: &str) -> StoreResult<Option<Actor>> {
        // One row per group the user is in (one with no group if none): a single query
        // on the path of every request.
        let sql = format!(
            "SELECT {ACTOR_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             {ACTOR_GROUPS} WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1 \
             ORDER BY g.name"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(hash(token))
            .fetch_all(&self.read)
            .await?;
        actor_from_rows(&rows)
    }

    /// Tokens of one user, or of everyone.
    pub async fn tokens(&self, email: Option<&str>) -> StoreResult<Vec<TokenInfo>> {
        let mut connection = self.read.acquire().await?;
        let user = match email {
            Some(email) => Some(user_id(&mut connection, email).await?),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT t.id, t.name, u.email, t.created_at, t.revoked_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE ($1 IS NULL OR t.user_id = $1) ORDER BY t.id",
        )
        .bind(user)
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(token_info).collect()
    }

    /// Revokes token `id`. Only its owner or an admin may.
    pub async fn revoke_token(
        &self,
        id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<TokenInfo> {
        let actor = actor.clone();
        self.write(move |connection| {
            Box::pin(async move {
                let owner: Option<i64> =
                    sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *connection)
                        .await?;
                let owner = owner.ok_or_else(|| StoreError::NotFound(format!("no token {id}")))?;
                if owner != actor.user_id && actor.role != Role::Admin {
                    return Err(StoreError::Forbidden(
                        "only an admin may revoke another user's token".to_string(),
                    ));
                }
                sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(to_db(now))
                .bind(id)
                .execute(&mut *connection)
                .await?;
                load_token(connection, id).await
            })
        })
        .await
    }

    /// Makes `email` an admin in group `sre` (creating the user and the group as needed)
    /// and gives them a new token. For first start, without a running server.
    pub async fn bootstrap_admin(
        &self,
        email: &str,
        name: Option<&str>,
        now: Timestamp,
    ) -> StoreResult<(User, NewToken)> {
        let new = NewUser {
            email: email.to_string(),
            name: name.map(str::to_string),
            role: Role::Admin,
            groups: vec![],
        };
        let secret = new_secret(TOKEN_PREFIX)?;
        self.write(move |connection| {
            Box::pin(async move {
                let sre: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM groups WHERE name = 'sre'")
                        .fetch_optional(&mut *connection)
                        .await?;
                let sre = match sre {
                    Some(id) => id,
                    None => {
                        insert_group(connection, "sre", "Site reliability engineers", now).await?;
                        sqlx::query_scalar("SELECT id FROM groups WHERE name = 'sre'")
                            .fetch_one(&mut *connection)
                            .await?
                    }
                };
                let user = match user_id(connection, &new.email).await {
                    Ok(id) => id,
                    Err(StoreError::NotFound(_)) => insert_user(connection, &new, now).await?,
                    Err(other) => return Err(other),
                };
                sqlx::query("UPDATE users SET role = 'admin', active = 1 WHERE id = $1")
                    .bind(user)
                    .execute(&mut *connection)
                    .await?;
                sqlx::query(
                    "INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(sre)
                .bind(user)
                .execute(&mut *connection)
                .await?;
                let token = insert_token(connection, user, "bootstrap", secret, now).await?;
                Ok((load_user_by_id(connection, user).await?, token))
            })
        })
        .await
    }
}

/// A new random secret, `prefix` then 64 hex digits.
pub(crate) fn new_secret(prefix: &str) -> StoreResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a secret: {e}")))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// What is stored of a secret: its SHA-256, in hex.
pub(crate) fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

async fn insert_token(
    connection: &mut AnyConnection,
    user: i64,
    name: &str,
    secret: String,
    now: Timestamp,
) -> StoreResult<NewToken> {
    let name = if name.is_empty() { "api" } else { name };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(user)
    .bind(name)
    .bind(hash(&secret))
    .bind(to_db(now))
    .fetch_one(&mut *connection)
    .await?;
    Ok(NewToken {
        token: secret,
        info: load_token(connection, id).await?,
    })
}

async fn load_token(connection: &mut AnyConnection, id: i64) -> StoreResult<TokenInfo> {
    let row = sqlx::query(
        "SELECT t.id, t.name, u.email, t.created_at, t.revoked_at FROM api_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    token_info(&row)
}

fn token_info(row: &sqlx::any::AnyRow) -> StoreResult<TokenInfo> {
    Ok(TokenInfo {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        user: row.try_get("email")?,
        created_at: from_db(row.try_get("created_at")?)?,
        revoked_at: from_db_opt(row.try_get("revoked_at")?)?,
    })
}
