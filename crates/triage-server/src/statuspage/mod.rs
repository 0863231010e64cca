//! The public status page, no sign-in: the page itself (`/status`, one page per
//! incident), its RSS and Atom feeds, and the Statuspage-shaped JSON under `/api/v2`.
//! Only public wording leaves here: never the internal incident, its key or its people.
//!
//! Everything but the per-incident pages is rendered together from one read of the
//! store and kept ([`cache`]) until a status-page write or the clock changes it.

mod cache;
mod feed;
mod html;
mod json;
mod notify;
mod page;
mod subscribe;

pub use cache::PageCache;
pub use notify::deliver;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use triage_store::StoreError;

use crate::AppState;
use crate::error::ApiResult;
use page::Page;

/// One answer the page is rendered into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Summary,
    Status,
    Components,
    Incidents,
    Unresolved,
    Maintenances,
    Upcoming,
    Active,
    Html,
    Rss,
    Atom,
}

impl Kind {
    /// Every kind, in the order of its discriminant.
    const ALL: [Kind; 11] = [
        Kind::Summary,
        Kind::Status,
        Kind::Components,
        Kind::Incidents,
        Kind::Unresolved,
        Kind::Maintenances,
        Kind::Upcoming,
        Kind::Active,
        Kind::Html,
        Kind::Rss,
        Kind::Atom,
    ];

    fn content_type(self) -> &'static str {
        match self {
            Kind::Html => "text/html; charset=utf-8",
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Atom => "application/atom+xml; charset=utf-8",
            _ => "application/json",
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(subscribe::router())
        .route("/status", answer(Kind::Html))
        .route("/status/history.rss", answer(Kind::Rss))
        .route("/status/history.atom", answer(Kind::Atom))
        .route("/status/incidents/{id}", get(incident_page))
        .route("/api/v2/summary.json", answer(Kind::Summary))
        .route("/api/v2/status.json", answer(Kind::Status))
        .route("/api/v2/components.json", answer(Kind::Components))
        .route("/api/v2/incidents.json", answer(Kind::Incidents))
        .route(
            "/api/v2/incidents/unresolved.json",
            answer(Kind::Unresolved),
        )
        .route(
            "/api/v2/scheduled-maintenances.json",
            answer(Kind::Maintenances),
        )
        .route(
            "/api/v2/scheduled-maintenances/upcoming.json",
            answer(Kind::Upcoming),
        )
        .route(
            "/api/v2/scheduled-maintenances/active.json",
            answer(Kind::Active),
        )
}

fn render(page: &Page, kind: Kind) -> ApiResult<Bytes> {
    let value = match kind {
        Kind::Summary => json::summary(page),
        Kind::Status => json::status_only(page),
        Kind::Components => json::components_only(page),
        Kind::Incidents => json::incidents(page),
        Kind::Unresolved => json::unresolved(page),
        Kind::Maintenances => json::maintenances(page),
        Kind::Upcoming => json::upcoming(page),
        Kind::Active => json::active(page),
        Kind::Html => return Ok(Bytes::from(html::page(page)?)),
        Kind::Rss => return Ok(Bytes::from(feed::rss(page)?)),
        Kind::Atom => return Ok(Bytes::from(feed::atom(page)?)),
    };
    Ok(Bytes::from(value.to_string()))
}

fn answer(kind: Kind) -> MethodRouter<AppState> {
    get(move |State(state): State<AppState>, headers: HeaderMap| serve(state, headers, kind))
}

/// Public answers may be cached briefly by browsers and proxies (never for long: an
/// update must show at once), revalidated by entity tag, gzipped for clients that take
/// it, and read from any origin.
async fn serve(state: AppState, headers: HeaderMap, kind: Kind) -> ApiResult<Response> {
    let url = state.outbound.base_url(&headers);
    let rendered = state.status_page.get(&state, url).await?;
    let answer = rendered.answer(kind, takes_gzip(&headers));
    let public = [
        (header::CACHE_CONTROL, "public, max-age=5"),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::VARY, "Accept-Encoding"),
    ];
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given.split(',').any(|tag| tag.trim() == answer.etag));
    let etag = [(header::ETAG, answer.etag)];
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, public, etag).into_response());
    }
    let mut response = (
        public,
        etag,
        [(header::CONTENT_TYPE, kind.content_type())],
        answer.body,
    )
        .into_response();
    if answer.gzipped {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            axum::http::HeaderValue::from_static("gzip"),
        );
    }
    Ok(response)
}

/// Whether `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
fn takes_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// One public incident or maintenance with all its updates. Read afresh: it is reached
/// from the page, not reloaded by the crowd. A wrong number is a page too, for people.
async fn incident_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let found = match id.parse::<i64>() {
        Ok(number) => match state.store.public_incident(number, state.now()).await {
            Err(StoreError::NotFound(_)) => None,
            other => Some(other?),
        },
        Err(_) => None,
    };
    let (settings, _) = state.store.status_page_settings().await?;
    let url = state.outbound.base_url(&headers);
    let cache = [(header::CACHE_CONTROL, "public, max-age=5")];
    Ok(match found {
        Some(incident) => {
            (cache, Html(html::incident(&settings, &url, &incident)?)).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            cache,
            Html(html::missing(&settings, &url, &id)?),
        )
            .into_response(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_taken_unless_refused() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, value.parse().unwrap());
            takes_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("gzip; q=0.0"));
        assert!(!with("br, deflate"));
        assert!(!takes_gzip(&HeaderMap::new()));
    }
}
