//! Listing incidents: filters, sorting and keyset (cursor) pagination, so that page 500
//! costs what page 1 does.

use sqlx::{AssertSqlSafe, Row};
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

use crate::db::{Backend, Store};
use crate::error::{StoreError, StoreResult};
use crate::model::{Incident, Page};

use super::load::load_incidents;
use crate::search::{self, Strategy, text_condition};
use crate::sql::{Value, bind_all};

/// The most incidents one page holds.
pub const MAX_PAGE: u32 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Unassigned,
    Email(String),
}

/// Every filter that is set must match; a list filter matches any of its values.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub statuses: Vec<String>,
    pub categories: Vec<Category>,
    pub priorities: Vec<Priority>,
    pub severities: Vec<Severity>,
    pub assignee: Option<AssigneeFilter>,
    pub service: Option<String>,
    pub label: Option<String>,
    /// Words in the key, summary or description, any case.
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortField {
    Created,
    Updated,
    Priority,
    Key,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl SortField {
    /// Parses `created`, `-updated`, `priority`, `key`…: a leading `-` sorts descending.
    pub fn parse(text: &str) -> StoreResult<(SortField, SortOrder)> {
        let text = text.trim();
        let (order, name) = match text.strip_prefix('-') {
            Some(name) => (SortOrder::Desc, name),
            None => (SortOrder::Asc, text.strip_prefix('+').unwrap_or(text)),
        };
        let field = match name.to_ascii_lowercase().as_str() {
            "created" | "created_at" => SortField::Created,
            "updated" | "updated_at" => SortField::Updated,
            "priority" => SortField::Priority,
            "key" => SortField::Key,
            _ => {
                return Err(StoreError::Invalid(format!(
                    "cannot sort by '{text}': use created, updated, priority or key, with a leading - for descending"
                )));
            }
        };
        Ok((field, order))
    }

    /// The SQL expression sorted on; always an integer, so cursors are uniform.
    fn expression(self) -> &'static str {
        match self {
            SortField::Created => "i.created_at",
            SortField::Updated => "i.updated_at",
            SortField::Priority => "COALESCE(i.priority, 5)",
            SortField::Key => "i.number",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub filter: IncidentFilter,
    pub sort: SortField,
    pub order: SortOrder,
    pub limit: u32,
    pub cursor: Option<String>,
}

impl Default for ListRequest {
    fn default() -> Self {
        Self {
            filter: IncidentFilter::default(),
            sort: SortField::Created,
            order: SortOrder::Desc,
            limit: 50,
            cursor: None,
        }
    }
}

/// Collects WHERE clauses and their parameters, numbering placeholders as it goes.
#[derive(Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl Conditions {
    pub(crate) fn param(&mut self, value: Value) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    /// Incidents whose key, summary or description contain `text`, any case.
    fn text(&mut self, text: &str, strategy: Strategy) {
        let clause = text_condition(strategy, text, |value| self.param(value));
        self.clauses.push(clause);
    }

    fn any_of(&mut self, column: &str, values: Vec<Value>) {
        if values.is_empty() {
            return;
        }
        let placeholders: Vec<String> = values.into_iter().map(|v| self.param(v)).collect();
        self.clauses
            .push(format!("{column} IN ({})", placeholders.join(", ")));
    }
}

impl Store {
    pub async fn list_incidents(&self, request: ListRequest) -> StoreResult<Page<Incident>> {
        if request.limit == 0 || request.limit > MAX_PAGE {
            return Err(StoreError::Invalid(format!(
                "limit must be between 1 and {MAX_PAGE}"
            )));
        }
        let filter = request.filter;
        let mut conditions = Conditions::default();
        let statuses = filter
            .statuses
            .iter()
            .map(|s| self.canonical_status(s).map(Value::from))
            .collect::<StoreResult<Vec<_>>>()?;
        conditions.any_of("i.status", statuses);
        conditions.any_of(
            "i.status_category",
            filter
                .categories
                .iter()
                .map(|c| Value::from(c.as_str().to_string()))
                .collect(),
        );
        conditions.any_of(
            "i.priority",
            filter
                .priorities
                .iter()
                .map(|p| Value::from(i64::from(p.rank())))
                .collect(),
        );
        conditions.any_of(
            "i.severity",
            filter
                .severities
                .iter()
                .map(|s| Value::from(i64::from(s.rank())))
                .collect(),
        );
        match filter.assignee {
            Some(AssigneeFilter::Unassigned) => {
                conditions.clauses.push("i.assignee_id IS NULL".to_string());
            }
            Some(AssigneeFilter::Email(email)) => {
                let p = conditions.param(Value::from(email.trim().to_lowercase()));
                conditions.clauses.push(format!(
                    "i.assignee_id = (SELECT id FROM users WHERE email = {p})"
                ));
            }
            None => {}
        }
        if let Some(service) = filter.service {
            let p = conditions.param(Value::from(service.trim().to_string()));
            conditions.clauses.push(format!(
                "EXISTS (SELECT 1 FROM incident_services s WHERE s.incident_id = i.id AND s.service = {p})"
            ));
        }
        if let Some(label) = filter.label {
            let p = conditions.param(Value::from(label.trim().to_string()));
            conditions.clauses.push(format!(
                "EXISTS (SELECT 1 FROM incident_labels l WHERE l.incident_id = i.id AND l.label = {p})"
            ));
        }
        let mut connection = self.read.acquire().await?;
        if let Some(text) = filter.text.filter(|t| !t.trim().is_empty()) {
            let text = text.trim();
            let strategy = search::strategy(&mut connection, self.search.is_some(), text).await?;
            conditions.text(text, strategy);
        }
        let expression = request.sort.expression();
        let (compare, direction) = match request.order {
            SortOrder::Asc => (">", "ASC"),
            SortOrder::Desc => ("<", "DESC"),
        };
        if let Some(cursor) = &request.cursor {
            let (value, id) = parse_cursor(cursor)?;
            let v = conditions.param(Value::from(value));
            let i = conditions.param(Value::from(id));
            // The same condition; each database seeks its index with one of the forms.
            conditions.clauses.push(match self.backend() {
                Backend::Sqlite => format!(
                    "({expression} {compare} {v} OR ({expression} = {v} AND i.id {compare} {i}))"
                ),
                Backend::Postgres => format!("({expression}, i.id) {compare} ({v}, {i})"),
            });
        }
        let where_clause = if conditions.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.clauses.join(" AND "))
        };
        let limit = conditions.param(Value::from(i64::from(request.limit) + 1));
        let sql = format!(
            "SELECT i.id, {expression} AS sort_value FROM incidents i {where_clause} \
             ORDER BY {expression} {direction}, i.id {direction} LIMIT {limit}"
        );
        // On PostgreSQL not kept as a prepared statement: planned each time for its
        // values, since a filter or text may match a handful of incidents or most of them
        // (its generic plan for a text search read every row). On SQLite the text search
        // strategy already gives rare and common text different statements, so it stays
        // prepared.
        let query = bind_all(sqlx::query(AssertSqlSafe(sql)), conditions.params)
            .persistent(self.backend() == Backend::Sqlite);
        let rows = query.fetch_all(&mut *connection).await?;
        let mut keys: Vec<(i64, i64)> = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("sort_value")?)))
            .collect::<StoreResult<_>>()?;
        let more = keys.len() > request.limit as usize;
        keys.truncate(request.limit as usize);
        let next_cursor = more
            .then(|| keys.last().map(|(id, value)| format!("{value}.{id}")))
            .flatten();
        let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
        Ok(Page {
            items: load_incidents(&mut connection, &ids).await?,
            next_cursor,
        })
    }

    /// The workflow's spelling of a status name given in any case.
    fn canonical_status(&self, name: &str) -> StoreResult<String> {
        let workflow = self.workflow();
        workflow
            .find_status(name)
            .map(|s| s.name.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = workflow.statuses.iter().map(|s| s.name.as_str()).collect();
                StoreError::Invalid(format!(
                    "unknown status '{name}': statuses are {}",
                    names.join(", ")
                ))
            })
    }
}

fn parse_cursor(cursor: &str) -> StoreResult<(i64, i64)> {
    let invalid = || {
        StoreError::Invalid(
            "cursor is not valid: pass the next_cursor of the previous page unchanged".to_string(),
        )
    };
    let (value, id) = cursor.split_once('.').ok_or_else(invalid)?;
    Ok((
        value.parse().map_err(|_| invalid())?,
        id.parse().map_err(|_| invalid())?,
    ))
}
