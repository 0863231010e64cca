//! The incident list's query string, shared by the API (`GET /api/v1/incidents`) and the
//! console's list page, so both read filters the same way and a console URL holds the
//! same filter the API takes.

use serde::{Deserialize, Serialize};
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};
use triage_store::{Actor, AssigneeFilter, IncidentFilter, ListRequest, SortField};

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<String>,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub severity: Option<String>,
    pub assignee: Option<String>,
    pub service: Option<String>,
    pub label: Option<String>,
    pub q: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Splits `a,b,c` and parses each part.
fn each<T, E: ToString>(
    text: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> ApiResult<Vec<T>> {
    text.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| parse(part).map_err(|e| ApiError::invalid(e.to_string())))
        .collect()
}

/// `text` unless it is blank (an empty form field means "no filter").
fn given(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

impl ListQuery {
    /// The store request this query asks for; `me` is `actor`.
    pub fn request(&self, actor: &Actor) -> ApiResult<ListRequest> {
        let assignee = given(&self.assignee).map(|a| match a.as_str() {
            "none" | "unassigned" => AssigneeFilter::Unassigned,
            "me" => AssigneeFilter::Email(actor.email.clone()),
            email => AssigneeFilter::Email(email.to_string()),
        });
        let filter = IncidentFilter {
            statuses: each(self.status.as_deref(), |s| Ok::<_, String>(s.to_string()))?,
            categories: each(self.category.as_deref(), Category::parse)?,
            priorities: each(self.priority.as_deref(), Priority::parse)?,
            severities: each(self.severity.as_deref(), Severity::parse)?,
            assignee,
            service: given(&self.service),
            label: given(&self.label),
            text: given(&self.q),
        };
        let sort = given(&self.sort).unwrap_or_else(|| "-created".to_string());
        let (sort, order) = SortField::parse(&sort)?;
        Ok(ListRequest {
            filter,
            sort,
            order,
            limit: self.limit.unwrap_or(50),
            cursor: given(&self.cursor),
        })
    }
}
