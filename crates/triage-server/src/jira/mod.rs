//! A Jira-compatible REST API (`/rest/api/2`, `/rest/api/3`, `/rest/api/latest`), so
//! that Jira clients and runbook scripts (the Python `jira` library, Jira CLIs) work
//! against Triage unchanged: incidents are the issues of one project, the workflow's
//! transitions are Jira transitions, JQL searches them.
//!
//! Answers have Jira's shapes (every resource with `self`, empty fields present as
//! `null`, Jira timestamps), errors Jira's `{"errorMessages","errors"}`. Version 2 writes
//! rich text as plain strings and version 3 as Atlassian Document Format; both read
//! either. Whether users are named the Server way (`name`) or the Cloud way
//! (`accountId`) is the server's [`Deployment`], which `serverInfo` reports.

mod adf;
mod error;
mod fields;
mod issues;
mod links;
mod meta;
mod render;
mod search;
mod site;
mod transitions;
mod users;

use axum::routing::get;
use axum::{Extension, Router};

use crate::AppState;

pub use site::Deployment;
use site::Version;

pub fn router() -> Router<AppState> {
    let api = |version: Version| {
        Router::new()
            .merge(meta::router())
            .merge(issues::router())
            .merge(transitions::router())
            .merge(links::router())
            .merge(search::router())
            .fallback(error::no_such_route)
            .layer(Extension(version))
    };
    Router::new()
        .nest("/rest/api/2", api(Version::Two))
        .nest("/rest/api/3", api(Version::Three))
        .nest("/rest/api/latest", api(Version::Latest))
        .route(
            "/rest/auth/1/session",
            get(meta::session).layer(Extension(Version::Two)),
        )
}
