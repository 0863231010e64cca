//! `/api/v1/incidents/{key}/postmortem`: the incident's post-mortem, as JSON or as the
//! Markdown file teams keep (`Accept: text/markdown` or `?format=markdown`), drafted from
//! the record on request, edited whole (JSON or Markdown, guarded by `If-Match`), and
//! moved through its review; earlier revisions stay readable.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use triage_core::postmortem::{PostMortem, markdown};
use triage_store::{Postmortem, PostmortemAction, StoreError};

use crate::AppState;
use crate::auth::{Responder, Viewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, IfMatch};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/incidents/{key}/postmortem",
            get(show).post(draft).put(save),
        )
        .route("/incidents/{key}/postmortem/revisions", get(revisions))
        .route(
            "/incidents/{key}/postmortem/revisions/{revision}",
            get(revision),
        )
        .route("/incidents/{key}/postmortem/{action}", post(step))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FormatQuery {
    /// `markdown` for the file; JSON otherwise.
    format: Option<String>,
}

/// Whether the caller wants the Markdown file.
fn wants_markdown(headers: &HeaderMap, query: &FormatQuery) -> ApiResult<bool> {
    match query.format.as_deref() {
        Some("markdown" | "md") => return Ok(true),
        Some("json") => return Ok(false),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "format '{other}' is not allowed: use markdown or json"
            )));
        }
        None => {}
    }
    Ok(headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/markdown")))
}

/// The post-mortem as its Markdown file, named as `triage postmortem` names it; the
/// console serves it too.
pub(crate) fn markdown_file(postmortem: &Postmortem, status: StatusCode) -> Response {
    let file = format!(
        "attachment; filename=\"incident-{}-post-mortem.md\"",
        postmortem.incident
    );
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file),
            (header::ETAG, format!("\"{}\"", postmortem.version)),
        ],
        markdown::render(&postmortem.document),
    )
        .into_response()
}

fn answer(postmortem: Postmortem, markdown: bool, status: StatusCode) -> Response {
    if markdown {
        return markdown_file(&postmortem, status);
    }
    let etag = format!("\"{}\"", postmortem.version);
    (status, [(header::ETAG, etag)], Json(postmortem)).into_response()
}

async fn show(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let markdown = wants_markdown(&headers, &query)?;
    let postmortem = state.store.postmortem(&key).await?;
    Ok(answer(postmortem, markdown, StatusCode::OK))
}

/// Drafts the post-mortem from the record (201), or answers the one there is (200).
async fn draft(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path(key): Path<String>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let markdown = wants_markdown(&headers, &query)?;
    let (postmortem, created) = state
        .store
        .draft_postmortem(&key, &actor, state.now())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(answer(postmortem, markdown, status))
}

/// Replaces the sections: a JSON document, or the Markdown file (`Content-Type:
/// text/markdown`); `If-Match` names the version edited.
async fn save(
    State(state): State<AppState>,
    Responder(_): Responder,
    Path(key): Path<String>,
    if_match: IfMatch,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let markdown_in = content_type.starts_with("text/markdown");
    let document: PostMortem = if markdown_in {
        let text = std::str::from_utf8(&body)
            .map_err(|_| ApiError::invalid("the Markdown file is not UTF-8"))?;
        markdown::parse(text)
            .map_err(|e| ApiError::invalid(format!("the post-mortem does not parse: {e}")))?
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid(format!(
                "the body is not a post-mortem document ({e}); send the JSON of GET \
                 …/postmortem's `document`, or the Markdown file with Content-Type: text/markdown"
            ))
        })?
    };
    let saved = state
        .store
        .save_postmortem(&key, document, if_match.0, state.now())
        .await?;
    Ok(answer(saved, markdown_in, StatusCode::OK))
}

async fn step(
    State(state): State<AppState>,
    Responder(actor): Responder,
    Path((key, action)): Path<(String, String)>,
) -> ApiResult<Response> {
    let action = PostmortemAction::parse(&action).map_err(|e| match e {
        StoreError::Invalid(message) => ApiError::NotFound(message),
        other => other.into(),
    })?;
    let moved = state
        .store
        .move_postmortem(&key, action, &actor, state.now())
        .await?;
    Ok(answer(moved, false, StatusCode::OK))
}

async fn revisions(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path(key): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let revisions = state.store.postmortem_revisions(&key).await?;
    Ok(Json(json!({ "revisions": revisions })))
}

async fn revision(
    State(state): State<AppState>,
    Viewer(_): Viewer,
    Path((key, revision)): Path<(String, u32)>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<FormatQuery>,
) -> ApiResult<Response> {
    let markdown = wants_markdown(&headers, &query)?;
    let found = state
        .store
        .postmortem_revisions(&key)
        .await?
        .into_iter()
        .find(|p| p.revision == revision)
        .ok_or_else(|| {
            ApiError::NotFound(format!("{key}'s post-mortem has no revision {revision}"))
        })?;
    Ok(answer(found, markdown, StatusCode::OK))
}
