//! Comments on an incident. Each one is also a timeline event.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::incident::parse_text;
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::{Comment, UserRef};
use crate::time::{from_db, to_db};

use super::change::touch;
use super::load::{incident_id, load_state};
use super::timeline::append_event;

impl Store {
    pub async fn add_comment(
        &self,
        key: &str,
        body: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Comment> {
        if body.trim().is_empty() {
            return Err(StoreError::Invalid("a comment needs some text".to_string()));
        }
        let body = parse_text("comment", body)?;
        let key = key.to_string();
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                let state = load_state(connection, &key).await?;
                let id = insert_comment(connection, state.id, actor_id, &body, now).await?;
                let event = EventData::Commented {
                    comment_id: id,
                    body,
                };
                append_event(connection, state.id, actor_id, now, &event).await?;
                touch(connection, state.id, now).await?;
                load_comment(connection, id).await
            })
        })
        .await
    }

    /// The incident's comments, oldest first.
    pub async fn comments(&self, key: &str) -> StoreResult<Vec<Comment>> {
        let mut connection = self.read.acquire().await?;
        let id = incident_id(&mut connection, key).await?;
        let rows = sqlx::query(
            "SELECT c.id, c.body, c.created_at, u.email, u.display_name FROM comments c \
             JOIN users u ON u.id = c.author_id WHERE c.incident_id = $1 ORDER BY c.id",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(comment_from_row).collect()
    }
}

pub(crate) async fn insert_comment(
    connection: &mut AnyConnection,
    incident_id: i64,
    author_id: i64,
    body: &str,
    now: Timestamp,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO comments (incident_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING id",
    )
    .bind(incident_id)
    .bind(author_id)
    .bind(body)
    .bind(to_db(now))
    .fetch_one(&mut *connection)
    .await?)
}

async fn load_comment(connection: &mut AnyConnection, id: i64) -> StoreResult<Comment> {
    let row = sqlx::query(
        "SELECT c.id, c.body, c.created_at, u.email, u.display_name FROM comments c \
         JOIN users u ON u.id = c.author_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *connection)
    .await?;
    comment_from_row(&row)
}

fn comment_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Comment> {
    Ok(Comment {
        id: row.try_get("id")?,
        body: row.try_get("body")?,
        created_at: from_db(row.try_get("created_at")?)?,
        author: UserRef {
            email: row.try_get("email")?,
            name: row.try_get("display_name")?,
        },
    })
}
