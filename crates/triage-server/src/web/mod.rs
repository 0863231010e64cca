//! The web console: server-rendered pages for responders, signed in with a password and
//! a session cookie. Pages are askama templates (`templates/`) extending one layout;
//! every form carries its session's CSRF token; roles apply as in the API.

mod actions;
mod admin;
mod cookies;
mod create;
mod dashboard;
pub(crate) mod error;
mod incident;
mod list;
mod live;
mod paging;
mod postmortem;
mod reports;
mod schedules;
mod services;
mod session;
mod sign_in;
mod silences;
mod status_page;
mod view;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::AppState;

pub use session::SESSION_LIFETIME;

/// The stylesheet and the one script, shipped inside the binary.
const STYLESHEET: &str = include_str!("../../assets/app.css");
const SCRIPT: &str = include_str!("../../assets/app.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/incidents", get(list::page))
        .route("/incidents/new", get(create::form).post(create::submit))
        .route("/incidents/{key}", get(incident::page))
        .route("/incidents/{key}/postmortem", get(postmortem::page))
        .route("/incidents/{key}/postmortem.md", get(postmortem::file))
        .route(
            "/incidents/{key}/postmortem/{action}",
            axum::routing::post(postmortem::act),
        )
        .route(
            "/incidents/{key}/{action}",
            axum::routing::post(incident::act),
        )
        .route("/action-items", get(actions::page))
        .route(
            "/action-items/{id}/{action}",
            axum::routing::post(actions::change),
        )
        .route("/reports", get(reports::page))
        .route("/services", get(services::list).post(services::create))
        .route("/services/{name}", get(services::page))
        .route(
            "/services/{name}/{action}",
            axum::routing::post(services::act),
        )
        .route("/schedules", get(schedules::list).post(schedules::create))
        .route("/schedules/{name}", get(schedules::page))
        .route(
            "/schedules/{name}/overrides",
            axum::routing::post(schedules::add_override),
        )
        .route(
            "/schedules/{name}/overrides/{id}/remove",
            axum::routing::post(schedules::remove_override),
        )
        .route(
            "/schedules/{name}/feed",
            axum::routing::post(schedules::create_feed),
        )
        .route(
            "/contact-methods",
            get(paging::contacts).post(paging::add_contact),
        )
        .route(
            "/contact-methods/{id}/remove",
            axum::routing::post(paging::remove_contact),
        )
        .route(
            "/escalation-policies",
            get(paging::policies).post(paging::create_policy),
        )
        .route(
            "/escalation-policies/{name}/delete",
            axum::routing::post(paging::delete_policy),
        )
        .route("/silences", get(silences::page).post(silences::create))
        .route(
            "/silences/{id}/expire",
            axum::routing::post(silences::expire),
        )
        .route("/status-page", get(status_page::page))
        .route(
            "/status-page/{action}",
            axum::routing::post(status_page::act),
        )
        .route("/admin", get(admin::page))
        .route("/admin/{action}", axum::routing::post(admin::act))
        .route("/login", get(sign_in::form).post(sign_in::submit))
        .route("/logout", axum::routing::post(sign_in::sign_out))
        .route("/live/incidents", get(live::incidents))
        .route("/live/incidents/{key}", get(live::incident))
        .route(
            "/assets/app.css",
            get(|| asset("text/css; charset=utf-8", STYLESHEET)),
        )
        .route(
            "/assets/app.js",
            get(|| asset("text/javascript; charset=utf-8", SCRIPT)),
        )
}

async fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}
