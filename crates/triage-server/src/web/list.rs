//! The incident list: filters in a GET form, so the URL holds the filter and can be
//! shared; the same query string as the API's; pages by cursor.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

use super::error::PageError;
use super::session::{Nav, SignedIn};
use super::view::Row;
use crate::AppState;
use crate::listing::ListQuery;

/// Incidents per page.
const PAGE: u32 = 50;

/// A filter's current value, and the options of its select (value, label).
pub struct Filter {
    pub options: Vec<(String, String)>,
    pub value: String,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    nav: Nav,
    error: Option<String>,
    query: ListQuery,
    category: Filter,
    priority: Filter,
    severity: Filter,
    sort: Filter,
    rows: Vec<Row>,
    next: Option<String>,
}

fn filter(options: Vec<(String, String)>, value: &Option<String>) -> Filter {
    Filter {
        options,
        value: value.clone().unwrap_or_default(),
    }
}

/// The URL of the page after this one: the same filter, the next cursor.
fn next_url(query: &ListQuery, cursor: &str) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    let fields = [
        ("status", &query.status),
        ("category", &query.category),
        ("priority", &query.priority),
        ("severity", &query.severity),
        ("assignee", &query.assignee),
        ("service", &query.service),
        ("label", &query.label),
        ("q", &query.q),
        ("sort", &query.sort),
    ];
    for (name, value) in fields {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            url.append_pair(name, value);
        }
    }
    url.append_pair("cursor", cursor);
    format!("/incidents?{}", url.finish())
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (query, mut error) = match query {
        Ok(Query(query)) => (query, None),
        Err(rejection) => (ListQuery::default(), Some(rejection.body_text())),
    };
    let mut rows = Vec::new();
    let mut next = None;
    if error.is_none() {
        let request = query.request(&signed_in.actor).map(|mut request| {
            request.limit = PAGE;
            request
        });
        let listed = match request {
            Ok(request) => state
                .store
                .list_incidents(request)
                .await
                .map_err(Into::into),
            Err(api_error) => Err(api_error),
        };
        match listed {
            Ok(page) => {
                let now = state.now();
                rows = page.items.iter().map(|i| Row::new(i, now)).collect();
                next = page.next_cursor.map(|cursor| next_url(&query, &cursor));
            }
            Err(api_error) => error = Some(api_error.to_string()),
        }
    }
    let categories = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_string(), c.as_str().to_string()))
        .collect();
    let priorities = Priority::ALL
        .iter()
        .map(|p| (p.code().to_string(), p.to_string()))
        .collect();
    let severities = Severity::ALL
        .iter()
        .map(|s| (s.code().to_string(), s.to_string()))
        .collect();
    let sorts = [
        ("-created", "Newest first"),
        ("created", "Oldest first"),
        ("-updated", "Recently changed"),
        ("priority", "Most urgent first"),
        ("key", "By key"),
    ]
    .iter()
    .map(|(v, l)| (v.to_string(), l.to_string()))
    .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        nav: signed_in.nav(),
        error,
        category: filter(categories, &query.category),
        priority: filter(priorities, &query.priority),
        severity: filter(severities, &query.severity),
        sort: filter(sorts, &query.sort),
        query,
        rows,
        next,
    };
    Ok((status, Html(page.render()?)).into_response())
}
