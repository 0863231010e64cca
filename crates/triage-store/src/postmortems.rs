//! Post-mortems as kept: one per incident, in revisions. The first draft is written by
//! triage-core from the incident's record; the team edits it (whole documents, guarded
//! by a version), sends it for review and publishes it, which freezes it; reopening
//! starts the next revision from the published one. Each step is on the timeline, and
//! the workflow's `postmortem_published` condition reads the latest revision's status.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};
use triage_core::action::ActionStatus;
use triage_core::postmortem::draft::{Happened, Source, draft};
use triage_core::postmortem::{ActionLine, PostMortem, PostmortemStatus, with_tracked};
use triage_core::timeline::EventData;

use crate::actions::{ActionFilter, select};
use crate::actor::Actor;
use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::incidents::{load_incident_state, push_event, push_touch};
use crate::postgres::lock_incidents;
use crate::sql::Statements;
use crate::time::{from_db, from_db_opt, to_db};

/// A revision of an incident's post-mortem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Postmortem {
    /// The incident's key.
    pub incident: String,
    /// 1 for the first.
    pub revision: u32,
    pub status: PostmortemStatus,
    /// Bumped by every edit; an edit naming an older one is refused.
    pub version: i64,
    pub document: PostMortem,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub published_at: Option<Timestamp>,
}

/// A step of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostmortemAction {
    /// Draft → In Review.
    Review,
    /// Draft or In Review → Published (frozen).
    Publish,
    /// Published → a new revision, Draft.
    Reopen,
}

impl PostmortemAction {
    pub fn parse(text: &str) -> StoreResult<Self> {
        match text.trim().to_lowercase().as_str() {
            "review" => Ok(PostmortemAction::Review),
            "publish" => Ok(PostmortemAction::Publish),
            "reopen" => Ok(PostmortemAction::Reopen),
            _ => Err(StoreError::Invalid(format!(
                "post-mortem action '{text}' is not allowed: use review, publish or reopen"
            ))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            PostmortemAction::Review => "review",
            PostmortemAction::Publish => "publish",
            PostmortemAction::Reopen => "reopen",
        }
    }
}

const COLUMNS: &str =
    "p.revision, p.status, p.version, p.document, p.created_at, p.updated_at, p.published_at";

fn from_row(key: &str, row: &AnyRow) -> StoreResult<Postmortem> {
    let status = PostmortemStatus::parse(&row.try_get::<String, _>("status")?)
        .map_err(|e| StoreError::Invalid(format!("stored {e}")))?;
    let mut document: PostMortem = serde_json::from_str(&row.try_get::<String, _>("document")?)
        .map_err(|e| StoreError::Invalid(format!("stored post-mortem is unreadable: {e}")))?;
    document.status = status;
    Ok(Postmortem {
        incident: key.to_string(),
        revision: u32::try_from(row.try_get::<i64, _>("revision")?).unwrap_or(0),
        status,
        version: row.try_get("version")?,
        document,
        created_at: from_db(row.try_get("created_at")?)?,
        updated_at: from_db(row.try_get("updated_at")?)?,
        published_at: from_db_opt(row.try_get("published_at")?)?,
    })
}

/// The incident's action items as its post-mortem lists them: "#3 Alert on pool usage
/// (monitoring; Ann Smith; due 2026-12-01; https://tickets…/OPS-12)", ticked once Done.
async fn tracked(connection: &mut AnyConnection, key: &str) -> StoreResult<Vec<(i64, ActionLine)>> {
    let filter = ActionFilter::of_incident(key);
    // The lines do not say whether an item is overdue: any time will do.
    let items = select(connection, filter, Timestamp::UNIX_EPOCH).await?;
    Ok(items
        .iter()
        .map(|item| {
            let mut about = vec![item.kind.to_string()];
            about.extend(item.owner.as_ref().map(|o| o.name.clone()));
            about.extend(item.due.as_ref().map(|d| format!("due {d}")));
            about.extend(item.ticket_url.clone());
            let line = ActionLine {
                done: item.status == ActionStatus::Done,
                text: format!("#{} {} ({})", item.id, item.title, about.join("; ")),
            };
            (item.id, line)
        })
        .collect())
}

/// `postmortem` with its action items drawn from those tracked now, unless it is
/// published (frozen as it was).
async fn with_items(connection: &mut AnyConnection, mut p: Postmortem) -> StoreResult<Postmortem> {
    if p.status != PostmortemStatus::Published {
        let items = tracked(connection, &p.incident).await?;
        p.document.action_items = with_tracked(&p.document.action_items, &items);
    }
    Ok(p)
}

fn none_yet(key: &str) -> StoreError {
    StoreError::NotFound(format!(
        "{key} has no post-mortem yet: draft one with `triage postmortem {key}` \
         (POST /api/v1/incidents/{key}/postmortem)"
    ))
}

/// The latest revision of incident `id`'s post-mortem, if any.
async fn latest(
    connection: &mut AnyConnection,
    key: &str,
    id: i64,
) -> StoreResult<Option<Postmortem>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM postmortems p WHERE p.incident_id = $1 \
         ORDER BY p.revision DESC LIMIT 1"
    )))
    .bind(id)
    .fetch_optional(&mut *connection)
    .await?;
    row.map(|row| from_row(key, &row)).transpose()
}

/// The status of the incident's post-mortem (its latest revision), for the workflow.
pub(crate) async fn postmortem_status(
    connection: &mut AnyConnection,
    incident_id: i64,
) -> StoreResult<Option<PostmortemStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM postmortems WHERE incident_id = $1 ORDER BY revision DESC LIMIT 1",
    )
    .bind(incident_id)
    .fetch_optional(&mut *connection)
    .await?;
    status
        .map(|s| {
            PostmortemStatus::parse(&s).map_err(|e| StoreError::Invalid(format!("stored {e}")))
        })
        .transpose()
}

impl Store {
    /// The latest revision of the incident's post-mortem.
    pub async fn postmortem(&self, key: &str) -> StoreResult<Postmortem> {
        let mut connection = self.read.acquire().await?;
        let state = load_incident_state(&mut connection, key).await?;
        let found = latest(&mut connection, &state.key, state.id)
            .await?
            .ok_or_else(|| none_yet(&state.key))?;
        with_items(&mut connection, found).await
    }

    /// Every revision, the first first.
    pub async fn postmortem_revisions(&self, key: &str) -> StoreResult<Vec<Postmortem>> {
        let mut connection = self.read.acquire().await?;
        let state = load_incident_state(&mut connection, key).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM postmortems p WHERE p.incident_id = $1 ORDER BY p.revision"
        )))
        .bind(state.id)
        .fetch_all(&mut *connection)
        .await?;
        let mut revisions = Vec::new();
        for row in &rows {
            revisions.push(with_items(&mut connection, from_row(&state.key, row)?).await?);
        }
        Ok(revisions)
    }

    /// The incident's post-mortem, drafted from its record if it has none yet; answers
    /// whether it was drafted now.
    pub async fn draft_postmortem(
        &self,
        key: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<(Postmortem, bool)> {
        let incident = self.incident(key).await?;
        let events = self.timeline_lines(incident.id).await?;
        let public = self.public_impact(incident.id).await?;
        let items = tracked(&mut *self.read.acquire().await?, &incident.key).await?;
        let happened: Vec<Happened> = events
            .iter()
            .map(|e| Happened {
                at: e.at,
                actor: e.actor.as_deref(),
                kind: &e.kind,
                text: &e.text,
            })
            .collect();
        let source = Source {
            key: &incident.key,
            summary: &incident.summary,
            description: &incident.description,
            severity: incident.severity,
            services: &incident.services,
            detection_source: incident.detection_source.as_str(),
            detected_at: incident.detected_at,
            resolved_at: incident.resolved_at,
            assignee: incident.assignee.as_ref().map(|a| a.name.as_str()),
            public: public
                .as_ref()
                .map(|(impact, components)| (impact.as_str(), components.clone())),
            events: &happened,
            action_items: with_tracked(&[], &items),
        };
        let drafted = draft(&source);
        let document = serde_json::to_string(&drafted)
            .map_err(|e| StoreError::Invalid(format!("the draft is not serializable: {e}")))?;
        let key = incident.key.clone();
        let actor_id = actor.user_id;
        let created: Option<Postmortem> = self
            .write(move |connection| {
                Box::pin(async move {
                    lock_incidents(connection, std::slice::from_ref(&key)).await?;
                    let state = load_incident_state(connection, &key).await?;
                    if latest(connection, &key, state.id).await?.is_some() {
                        return Ok(None);
                    }
                    let mut statements = Statements::default();
                    statements.push(
                        "INSERT INTO postmortems (incident_id, revision, status, document, \
                         version, created_by, created_at, updated_at) \
                         VALUES ($1, 1, 'Draft', $2, 1, $3, $4, $4)",
                        vec![
                            state.id.into(),
                            document.into(),
                            actor_id.into(),
                            to_db(now).into(),
                        ],
                    );
                    let event = EventData::Postmortem {
                        revision: 1,
                        action: "drafted".to_string(),
                    };
                    push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                    push_touch(&mut statements, state.id, now);
                    statements.execute(connection).await?;
                    // What was just written, without reading the document back.
                    Ok(Some(Postmortem {
                        incident: key,
                        revision: 1,
                        status: PostmortemStatus::Draft,
                        version: 1,
                        document: drafted,
                        created_at: now,
                        updated_at: now,
                        published_at: None,
                    }))
                })
            })
            .await?;
        match created {
            Some(postmortem) => Ok((postmortem, true)),
            None => Ok((self.postmortem(&incident.key).await?, false)),
        }
    }

    /// Replaces the sections of the post-mortem being written (not a published one).
    /// `expected_version`, when given, must be the current version. The document's own
    /// status is ignored: the review moves it.
    pub async fn save_postmortem(
        &self,
        key: &str,
        document: PostMortem,
        expected_version: Option<i64>,
        now: Timestamp,
    ) -> StoreResult<Postmortem> {
        let key = key.to_string();
        let shown = key.clone();
        self.write(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_incident_state(connection, &key).await?;
                let current = latest(connection, &state.key, state.id)
                    .await?
                    .ok_or_else(|| none_yet(&state.key))?;
                if !document.incident.eq_ignore_ascii_case(&state.key) {
                    return Err(StoreError::Invalid(format!(
                        "this post-mortem is for {}, not {}",
                        document.incident, state.key
                    )));
                }
                if current.status == PostmortemStatus::Published {
                    return Err(StoreError::Invalid(format!(
                        "the post-mortem of {} is published, so frozen: reopen it to write \
                         revision {}",
                        state.key,
                        current.revision + 1
                    )));
                }
                if let Some(expected) = expected_version
                    && expected != current.version
                {
                    return Err(StoreError::StaleVersion {
                        key: format!("{}'s post-mortem", state.key),
                        expected,
                        actual: current.version,
                    });
                }
                let mut document = document;
                document.incident = state.key.clone();
                document.status = current.status;
                let text = serde_json::to_string(&document).map_err(|e| {
                    StoreError::Invalid(format!("the post-mortem is not serializable: {e}"))
                })?;
                sqlx::query(
                    "UPDATE postmortems SET document = $1, version = version + 1, \
                     updated_at = $2 WHERE incident_id = $3 AND revision = $4",
                )
                .bind(text)
                .bind(to_db(now))
                .bind(state.id)
                .bind(i64::from(current.revision))
                .execute(&mut *connection)
                .await?;
                Ok(())
            })
        })
        .await?;
        self.postmortem(&shown).await
    }

    /// Takes a step of the review: review, publish, or reopen as a new revision.
    pub async fn move_postmortem(
        &self,
        key: &str,
        action: PostmortemAction,
        actor: &Actor,
        now: Timestamp,
    ) -> StoreResult<Postmortem> {
        let key = key.to_string();
        let shown = key.clone();
        let actor_id = actor.user_id;
        self.write(move |connection| {
            Box::pin(async move {
                lock_incidents(connection, std::slice::from_ref(&key)).await?;
                let state = load_incident_state(connection, &key).await?;
                let current = latest(connection, &state.key, state.id)
                    .await?
                    .ok_or_else(|| none_yet(&state.key))?;
                let refused = |what: &str| {
                    StoreError::Invalid(format!(
                        "the post-mortem of {} is {}: {what}",
                        state.key, current.status
                    ))
                };
                let mut statements = Statements::default();
                let revision = match (action, current.status) {
                    (PostmortemAction::Review, PostmortemStatus::Draft) => {
                        push_status(&mut statements, state.id, &current, "In Review", None, now);
                        current.revision
                    }
                    (
                        PostmortemAction::Publish,
                        PostmortemStatus::Draft | PostmortemStatus::InReview,
                    ) => {
                        // Frozen with its action items as tracked at this moment.
                        let revision = current.revision;
                        let frozen = with_items(connection, current.clone()).await?;
                        let text = serde_json::to_string(&frozen.document).map_err(|e| {
                            StoreError::Invalid(format!("the post-mortem is not serializable: {e}"))
                        })?;
                        statements.push(
                            "UPDATE postmortems SET document = $1 WHERE incident_id = $2 \
                             AND revision = $3",
                            vec![text.into(), state.id.into(), i64::from(revision).into()],
                        );
                        push_status(
                            &mut statements,
                            state.id,
                            &current,
                            "Published",
                            Some(now),
                            now,
                        );
                        revision
                    }
                    (PostmortemAction::Reopen, PostmortemStatus::Published) => {
                        let next = current.revision + 1;
                        let mut document = current.document.clone();
                        document.status = PostmortemStatus::Draft;
                        let text = serde_json::to_string(&document).map_err(|e| {
                            StoreError::Invalid(format!("the post-mortem is not serializable: {e}"))
                        })?;
                        statements.push(
                            "INSERT INTO postmortems (incident_id, revision, status, document, \
                             version, created_by, created_at, updated_at) \
                             VALUES ($1, $2, 'Draft', $3, 1, $4, $5, $5)",
                            vec![
                                state.id.into(),
                                i64::from(next).into(),
                                text.into(),
                                actor_id.into(),
                                to_db(now).into(),
                            ],
                        );
                        next
                    }
                    (PostmortemAction::Review, _) => {
                        return Err(refused("only a Draft goes to review"));
                    }
                    (PostmortemAction::Publish, _) => {
                        return Err(refused("it is published already"));
                    }
                    (PostmortemAction::Reopen, _) => {
                        return Err(refused(
                            "only a published post-mortem is reopened; edit this one",
                        ));
                    }
                };
                let event = EventData::Postmortem {
                    revision,
                    action: action.as_str().to_string(),
                };
                push_event(&mut statements, state.id, Some(actor_id), now, &event)?;
                push_touch(&mut statements, state.id, now);
                statements.execute(connection).await
            })
        })
        .await?;
        self.postmortem(&shown).await
    }

    /// What the status page said of incident `id`: the latest public incident's impact
    /// and the components it affected.
    async fn public_impact(&self, id: i64) -> StoreResult<Option<(String, Vec<String>)>> {
        let found: Option<(i64, String)> = sqlx::query_as(
            "SELECT id, impact FROM public_incidents WHERE incident_id = $1 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        let Some((public_id, impact)) = found else {
            return Ok(None);
        };
        let components: Vec<String> = sqlx::query_scalar(
            "SELECT c.name FROM public_incident_components p \
             JOIN status_components c ON c.id = p.component_id \
             WHERE p.public_incident_id = $1 ORDER BY c.position, c.name",
        )
        .bind(public_id)
        .fetch_all(&self.read)
        .await?;
        Ok(Some((impact, components)))
    }
}

fn push_status(
    statements: &mut Statements,
    incident_id: i64,
    current: &Postmortem,
    status: &str,
    published: Option<Timestamp>,
    now: Timestamp,
) {
    statements.push(
        "UPDATE postmortems SET status = $1, published_at = $2, version = version + 1, \
         updated_at = $3 WHERE incident_id = $4 AND revision = $5",
        vec![
            status.into(),
            published.map(to_db).into(),
            to_db(now).into(),
            incident_id.into(),
            i64::from(current.revision).into(),
        ],
    );
}
