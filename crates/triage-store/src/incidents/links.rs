//! Links between incidents. One row per link; each side's timeline records it, and each
//! side shows it in its own words ("blocks" / "is blocked by").

use jiff::Timestamp;
use sqlx::{AnyConnection, Row};
use triage_core::link::{LinkDirection, LinkType};
use triage_core::timeline::EventData;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::Incident;
use crate::sql::Statements;
use crate::time::to_db;

use super::load::load_state;
use super::timeline::{push_event, push_touch};
use crate::postgres::{lock_incidents, lock_link_sides};

impl Store {
    /// Links `key` to `other`. `relation` reads from `key`'s side: "blocks" makes `key`
    /// block `other`; "is caused by" makes `other` cause `key`.
    pub async fn link_incidents(
        &self,
        key: &str,
        other: &str,
        relation: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let (link_type, direction) =
            LinkType::parse_phrase(relation).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let key = key.to_string();
        let other = other.to_string();
        let actor_id = actor.user_id;
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, &[key.clone(), other.clone()]).await?;
                let here = load_state(connection, &key).await?;
                let there = load_state(connection, &other).await?;
                if here.id == there.id {
                    return Err(StoreError::Invalid(format!(
                        "{} cannot be linked to itself",
                        here.key
                    )));
                }
                let (source, target) = match direction {
                    LinkDirection::Outward => (&here, &there),
                    LinkDirection::Inward => (&there, &here),
                };
                if link_exists(connection, link_type, source.id, target.id).await? {
                    return Err(StoreError::Duplicate(format!(
                        "{} already {} {}",
                        source.key,
                        link_type.phrase(LinkDirection::Outward),
                        target.key
                    )));
                }
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO links (source_id, target_id, link_type, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(source.id)
                .bind(target.id)
                .bind(link_type.as_str())
                .bind(actor_id)
                .bind(to_db(now))
                .fetch_one(&mut *connection)
                .await?;
                let mut statements = Statements::default();
                for (side, other_side, side_direction) in [
                    (source, target, LinkDirection::Outward),
                    (target, source, LinkDirection::Inward),
                ] {
                    let event = EventData::Linked {
                        link_id: id,
                        link_type,
                        direction: side_direction,
                        other: other_side.key.clone(),
                    };
                    push_event(&mut statements, side.id, Some(actor_id), now, &event)?;
                    push_touch(&mut statements, side.id, now);
                }
                statements.execute(connection).await?;
                Ok(here.id)
            })
        })
        .await
    }

    /// The key of the incident link `link_id` starts from (its source).
    pub async fn link_source(&self, link_id: i64) -> StoreResult<String> {
        sqlx::query_scalar(
            "SELECT s.key FROM links l JOIN incidents s ON s.id = l.source_id WHERE l.id = $1",
        )
        .bind(link_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no link {link_id}")))
    }

    /// Removes link `link_id`, which must involve `key`.
    pub async fn unlink_incidents(
        &self,
        key: &str,
        link_id: i64,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Incident> {
        let key = key.to_string();
        let actor_id = actor.user_id;
        self.write_incident(move |connection| {
            Box::pin(async move {
                lock_link_sides(connection, &key, link_id).await?;
                let here = load_state(connection, &key).await?;
                let row = sqlx::query(
                    "SELECT l.link_type, l.source_id, l.target_id, s.key AS source_key, \
                     t.key AS target_key FROM links l JOIN incidents s ON s.id = l.source_id \
                     JOIN incidents t ON t.id = l.target_id \
                     WHERE l.id = $1 AND (l.source_id = $2 OR l.target_id = $2)",
                )
                .bind(link_id)
                .bind(here.id)
                .fetch_optional(&mut *connection)
                .await?
                .ok_or_else(|| {
                    StoreError::NotFound(format!("{} has no link {link_id}", here.key))
                })?;
                let stored: String = row.try_get("link_type")?;
                let link_type = LinkType::from_stored(&stored)
                    .ok_or_else(|| StoreError::Invalid(format!("stored link type '{stored}'")))?;
                let source: i64 = row.try_get("source_id")?;
                let target: i64 = row.try_get("target_id")?;
                let source_key: String = row.try_get("source_key")?;
                let target_key: String = row.try_get("target_key")?;
                let mut statements = Statements::default();
                statements.push("DELETE FROM links WHERE id = $1", vec![link_id.into()]);
                for (side, other, direction) in [
                    (source, target_key, LinkDirection::Outward),
                    (target, source_key, LinkDirection::Inward),
                ] {
                    let event = EventData::Unlinked {
                        link_id,
                        link_type,
                        direction,
                        other,
                    };
                    push_event(&mut statements, side, Some(actor_id), now, &event)?;
                    push_touch(&mut statements, side, now);
                }
                statements.execute(connection).await?;
                Ok(here.id)
            })
        })
        .await
    }
}

/// Whether the link exists; "relates" is symmetric, so either order counts.
async fn link_exists(
    connection: &mut AnyConnection,
    link_type: LinkType,
    source: i64,
    target: i64,
) -> StoreResult<bool> {
    let symmetric = i64::from(link_type == LinkType::Relates);
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM links WHERE link_type = $1 AND \
         ((source_id = $2 AND target_id = $3) OR ($4 = 1 AND source_id = $3 AND target_id = $2))",
    )
    .bind(link_type.as_str())
    .bind(source)
    .bind(target)
    .bind(symmetric)
    .fetch_one(&mut *connection)
    .await?;
    Ok(count > 0)
}
