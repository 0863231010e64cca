//! Comments on an incident. Each one is also a timeline event.

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::incident::parse_text;
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::{Comment, UserRef};
use crate::sql::Statements;
use crate::time::{from_db, to_db};

use super::load::{incident_id, load_state};
use super::timeline::{push_event, push_touch};
use crate::postgres::lock_incidents;

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
        let id = self
            .write(move |connection| {
                Box::pin(async move {
                    lock_incidents(connection, std::slice::from_ref(&key)).await?;
                    let state = load_state(connection, &key).await?;
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO comments (incident_id, author_id, body, created_at) \
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(state.id)
                    .bind(actor_id)
                    .bind(&body)
                    .bind(to_db(now))
                    .fetch_one(&mut *connection)
                    .await?;
                    let mut statements = Statements::default();
                    let event = EventData::Commented {
                        comment_id: id,
                        body,
                    };
                    push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                    push_touch(&mut statements, state.id, now);
                    statements.execute(connection).await?;
                    Ok(id)
                })
            })
            .await?;
        let mut connection = self.read.acquire().await?;
        load_comment(&mut connection, id).await
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

/// Adds the statement that stores a comment made as part of another change (a
/// transition's comment); the change's own event records it.
pub(crate) fn push_comment(
    statements: &mut Statements,
    incident_id: i64,
    author_id: i64,
    body: &str,
    now: Timestamp,
) {
    statements.push(
        "INSERT INTO comments (incident_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)",
        vec![
            incident_id.into(),
            author_id.into(),
            body.into(),
            to_db(now).into(),
        ],
    );
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
