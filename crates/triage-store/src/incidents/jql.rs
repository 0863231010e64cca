//! Searching incidents with JQL: a parsed query becomes one SQL condition and sort,
//! values are checked against the workflow (an unknown status is an error, as in Jira),
//! and a page is read by offset with the total count, as Jira's search answers.

use std::collections::HashMap;

use jiff::Timestamp;
use sqlx::{AssertSqlSafe, Row};
use triage_core::jql::{self, Clause, Direction, Field, Operand, Operator, Query, Term, Value};
use triage_core::workflow::Category;
use triage_core::{Priority, Severity};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::model::Incident;
use crate::search::{self, Strategy, escape_like, text_condition};
use crate::sql::{Value as Param, bind_all, literal};
use crate::time::to_db;

use super::list::Conditions;
use super::load::load_incidents;

/// Who searches and when: `currentUser()` and relative dates mean them.
pub struct JqlContext {
    /// The searcher's e-mail. Assignee and reporter values are e-mails too (the caller
    /// resolves names and account ids).
    pub user: String,
    pub now: Timestamp,
}

/// One page of a search, whether more follow, and how many match in all (when counted).
pub struct JqlPage {
    pub incidents: Vec<Incident>,
    pub more: bool,
    pub total: Option<i64>,
}

impl Store {
    /// A page of `max_results` incidents from `start_at`; `count` also counts every
    /// match (Jira's `total`), which costs a pass over all of them.
    pub async fn search_jql(
        &self,
        query: &Query,
        context: &JqlContext,
        start_at: u32,
        max_results: u32,
        count: bool,
    ) -> StoreResult<JqlPage> {
        let mut connection = self.read.acquire().await?;
        // Each `text ~` value searched the way its commonness calls for, as lists do.
        let mut strategies = HashMap::new();
        for text in query.clause.iter().flat_map(searched_texts) {
            let strategy = search::strategy(&mut connection, self.search.is_some(), text).await?;
            strategies.insert(text.to_string(), strategy);
        }
        let mut translation = Translation {
            store: self,
            context,
            strategies,
            conditions: Conditions::default(),
        };
        let where_clause = match &query.clause {
            Some(clause) => format!("WHERE {}", translation.clause(clause)?),
            None => String::new(),
        };
        let order = translation.order(query)?;
        let mut params = translation.conditions.params;
        let total = if count {
            let count_sql = format!("SELECT COUNT(*) FROM incidents i {where_clause}");
            let total: i64 = bind_all(sqlx::query(AssertSqlSafe(count_sql)), params.clone())
                .persistent(false)
                .fetch_one(&mut *connection)
                .await?
                .try_get(0)?;
            Some(total)
        } else {
            None
        };
        let limit = format!("${}", params.len() + 1);
        let offset = format!("${}", params.len() + 2);
        // One more than asked, to know whether another page follows.
        params.push(Param::from(i64::from(max_results) + 1));
        params.push(Param::from(i64::from(start_at)));
        let sql = format!(
            "SELECT i.id FROM incidents i {where_clause} ORDER BY {order} \
             LIMIT {limit} OFFSET {offset}"
        );
        let mut ids: Vec<i64> = bind_all(sqlx::query(AssertSqlSafe(sql)), params)
            .persistent(false)
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
        let more = ids.len() > max_results as usize;
        ids.truncate(max_results as usize);
        Ok(JqlPage {
            incidents: load_incidents(&mut connection, &ids).await?,
            more,
            total,
        })
    }
}

struct Translation<'a> {
    store: &'a Store,
    context: &'a JqlContext,
    /// How each `text ~` value is searched, by its trimmed text.
    strategies: HashMap<String, Strategy>,
    conditions: Conditions,
}

/// The values of the query's `text ~` terms, trimmed.
fn searched_texts(clause: &Clause) -> Vec<&str> {
    match clause {
        Clause::And(parts) | Clause::Or(parts) => parts.iter().flat_map(searched_texts).collect(),
        Clause::Not(inner) => searched_texts(inner),
        Clause::Term(Term {
            field: Field::Text,
            operand: Operand::Value(Value::Text(text)),
            ..
        }) => vec![text.trim()],
        Clause::Term(_) => Vec::new(),
    }
}

fn no_such_value(field: Field, value: &str) -> StoreError {
    StoreError::Invalid(format!(
        "The value '{value}' does not exist for the field '{}'.",
        field.as_str()
    ))
}

/// A value as written, for messages.
fn written(value: &Value) -> String {
    match value {
        Value::Text(text) => text.clone(),
        function => function.to_string(),
    }
}

/// The values an operand lists (one for `=`, several for `in`).
fn values(operand: &Operand) -> &[Value] {
    match operand {
        Operand::Value(value) => std::slice::from_ref(value),
        Operand::List(values) => values,
        Operand::Empty => &[],
    }
}

impl Translation<'_> {
    fn param(&mut self, value: Param) -> String {
        self.conditions.param(value)
    }

    fn list(&mut self, values: Vec<Param>) -> String {
        values
            .into_iter()
            .map(|v| self.param(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn clause(&mut self, clause: &Clause) -> StoreResult<String> {
        Ok(match clause {
            Clause::And(parts) => self.joined(parts, " AND ")?,
            Clause::Or(parts) => self.joined(parts, " OR ")?,
            Clause::Not(inner) => format!("NOT ({})", self.clause(inner)?),
            Clause::Term(term) => format!("({})", self.term(term)?),
        })
    }

    fn joined(&mut self, parts: &[Clause], separator: &str) -> StoreResult<String> {
        let parts = parts
            .iter()
            .map(|p| self.clause(p))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(format!("({})", parts.join(separator)))
    }

    fn term(&mut self, term: &Term) -> StoreResult<String> {
        let Term {
            field,
            operator,
            operand,
        } = term;
        let (field, operator) = (*field, *operator);
        // `= EMPTY` is `is EMPTY`.
        let operator = match (operator, operand) {
            (Operator::Equals, Operand::Empty) => Operator::Is,
            (Operator::NotEquals, Operand::Empty) => Operator::IsNot,
            _ => operator,
        };
        match field {
            Field::Project => {
                let prefix = self.store.key_prefix().to_string();
                self.constant(field, operator, operand, |v| {
                    v.eq_ignore_ascii_case(&prefix)
                        || v == "10000"
                        || v.eq_ignore_ascii_case("Incidents")
                })
            }
            Field::IssueType => self.constant(field, operator, operand, |v| {
                v.eq_ignore_ascii_case("Incident") || v == "10001"
            }),
            Field::Key => self.key(operator, operand),
            Field::Status => {
                let workflow = self.store.workflow().clone();
                let names = self.texts(field, operand, |v| {
                    jql::vocabulary::status(&workflow, v).map(|s| Param::from(s.to_string()))
                })?;
                Ok(self.membership("i.status", operator, names))
            }
            Field::StatusCategory => {
                let names = self.texts(field, operand, |v| {
                    jql::vocabulary::category(v).map(|c| Param::from(c.as_str()))
                })?;
                Ok(self.membership("i.status_category", operator, names))
            }
            Field::Priority => self.ranked(field, "i.priority", operator, operand, |v| {
                Priority::parse(v).ok().map(Priority::rank)
            }),
            Field::Severity => self.ranked(field, "i.severity", operator, operand, |v| {
                Severity::parse(v).ok().map(Severity::rank)
            }),
            Field::Assignee => self.person("i.assignee_id", operator, operand),
            Field::Reporter => self.person("i.reporter_id", operator, operand),
            Field::Resolution => self.resolution(operator, operand),
            Field::Labels => self.names("incident_labels", "label", operator, operand),
            Field::Component => self.names("incident_services", "service", operator, operand),
            Field::Created => self.date("i.created_at", operator, operand),
            Field::Updated => self.date("i.updated_at", operator, operand),
            Field::Resolved => self.date("i.resolved_at", operator, operand),
            Field::Summary => self.contains(field, &["i.summary"], operator, operand),
            Field::Description => {
                if operator == Operator::Is {
                    return Ok("i.description = ''".to_string());
                }
                if operator == Operator::IsNot {
                    return Ok("i.description <> ''".to_string());
                }
                self.contains(field, &["i.description"], operator, operand)
            }
            Field::Comment => {
                let commented = "i.id IN (SELECT c.incident_id FROM comments c)".to_string();
                match operator {
                    Operator::Is => Ok(format!("NOT {commented}")),
                    Operator::IsNot => Ok(commented),
                    _ => {
                        let condition = self.in_comments(field, operand)?;
                        Ok(if operator.is_negative() {
                            format!("NOT ({condition})")
                        } else {
                            condition
                        })
                    }
                }
            }
            Field::Text => {
                let text = self.single_text(field, operand)?;
                let strategy = self
                    .strategies
                    .get(text.trim())
                    .copied()
                    .unwrap_or(Strategy::Scan);
                let fields = text_condition(strategy, text.trim(), |v| self.param(v));
                let comments = self.in_comments(field, operand)?;
                let condition = format!("{fields} OR {comments}");
                Ok(if operator.is_negative() {
                    format!("NOT ({condition})")
                } else {
                    condition
                })
            }
        }
    }

    /// Incidents with a comment holding every word of the value: one pass over the
    /// comments, not one look per incident.
    fn in_comments(&mut self, field: Field, operand: &Operand) -> StoreResult<String> {
        let matching = self.contains(field, &["c.body"], Operator::Contains, operand)?;
        Ok(format!(
            "i.id IN (SELECT c.incident_id FROM comments c WHERE {matching})"
        ))
    }

    /// Each value as text (functions are not values of this field), mapped by `known`.
    fn texts(
        &self,
        field: Field,
        operand: &Operand,
        known: impl Fn(&str) -> Option<Param>,
    ) -> StoreResult<Vec<Param>> {
        values(operand)
            .iter()
            .map(|value| match value {
                Value::Text(text) => known(text).ok_or_else(|| no_such_value(field, text)),
                function => Err(no_such_value(field, &written(function))),
            })
            .collect()
    }

    fn single_text(&self, field: Field, operand: &Operand) -> StoreResult<String> {
        match operand {
            Operand::Value(Value::Text(text)) => Ok(text.clone()),
            other => Err(StoreError::Invalid(format!(
                "The field '{}' takes one text value, not {}.",
                field.as_str(),
                match other {
                    Operand::Empty => "EMPTY".to_string(),
                    Operand::List(_) => "a list".to_string(),
                    Operand::Value(value) => written(value),
                }
            ))),
        }
    }

    /// `column in (…)` and its negation; `is EMPTY` where the column can be null.
    fn membership(&mut self, column: &str, operator: Operator, values: Vec<Param>) -> String {
        match operator {
            Operator::Is => format!("{column} IS NULL"),
            Operator::IsNot => format!("{column} IS NOT NULL"),
            _ => {
                let list = self.list(values);
                if operator.is_negative() {
                    format!("{column} NOT IN ({list})")
                } else {
                    format!("{column} IN ({list})")
                }
            }
        }
    }

    /// A field every incident has the same value of (its project, its issue type): the
    /// values must name it, and the condition is then always or never true.
    fn constant(
        &self,
        field: Field,
        operator: Operator,
        operand: &Operand,
        names_it: impl Fn(&str) -> bool,
    ) -> StoreResult<String> {
        self.texts(field, operand, |v| names_it(v).then(|| Param::from(v)))?;
        Ok(if operator.is_negative() {
            "1 = 0"
        } else {
            "1 = 1"
        }
        .to_string())
    }

    fn key(&mut self, operator: Operator, operand: &Operand) -> StoreResult<String> {
        let prefix = format!("{}-", self.store.key_prefix());
        let numbers = values(operand)
            .iter()
            .map(|value| {
                let text = written(value);
                let upper = text.trim().to_ascii_uppercase();
                // A key (INC-12) is a number; a bare number is an issue id, the row id.
                if let Some(number) = upper
                    .strip_prefix(&prefix)
                    .and_then(|n| n.parse::<i64>().ok())
                {
                    Ok(("i.number", number))
                } else if let Ok(id) = upper.parse::<i64>() {
                    Ok(("i.id", id))
                } else {
                    Err(StoreError::Invalid(format!(
                        "An issue with key '{text}' does not exist for field 'key'."
                    )))
                }
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if let Some(symbol) = comparison(operator) {
            let (column, number) = numbers[0];
            let p = self.param(Param::from(number));
            return Ok(format!("{column} {symbol} {p}"));
        }
        let parts: Vec<String> = numbers
            .into_iter()
            .map(|(column, number)| {
                let p = self.param(Param::from(number));
                format!("{column} = {p}")
            })
            .collect();
        let any = parts.join(" OR ");
        Ok(if operator.is_negative() {
            format!("NOT ({any})")
        } else {
            any
        })
    }

    /// Priority and severity: `>` means more urgent, as in Jira (`priority > High` is
    /// Critical), which is a smaller rank.
    fn ranked(
        &mut self,
        field: Field,
        column: &str,
        operator: Operator,
        operand: &Operand,
        rank: impl Fn(&str) -> Option<u8>,
    ) -> StoreResult<String> {
        let ranks = self.texts(field, operand, |v| {
            rank(v).map(|r| Param::from(i64::from(r)))
        })?;
        let flipped = match operator {
            Operator::Greater => Some("<"),
            Operator::GreaterOrEqual => Some("<="),
            Operator::Less => Some(">"),
            Operator::LessOrEqual => Some(">="),
            _ => None,
        };
        if let Some(symbol) = flipped {
            let p = self.param(ranks[0].clone());
            return Ok(format!("{column} {symbol} {p}"));
        }
        Ok(self.membership(column, operator, ranks))
    }

    fn person(
        &mut self,
        column: &str,
        operator: Operator,
        operand: &Operand,
    ) -> StoreResult<String> {
        let emails = values(operand)
            .iter()
            .map(|value| match value {
                Value::Function { name, .. } if name.eq_ignore_ascii_case("currentUser") => {
                    Ok(Param::from(self.context.user.to_lowercase()))
                }
                Value::Text(email) => Ok(Param::from(email.trim().to_lowercase())),
                function => Err(StoreError::Invalid(format!(
                    "The function '{}' is not supported here: use currentUser() or a user.",
                    written(function)
                ))),
            })
            .collect::<StoreResult<Vec<_>>>()?;
        match operator {
            Operator::Is | Operator::IsNot => Ok(self.membership(column, operator, emails)),
            _ => {
                let list = self.list(emails);
                let ids = format!("(SELECT id FROM users WHERE email IN ({list}))");
                Ok(if operator.is_negative() {
                    format!("{column} NOT IN {ids}")
                } else {
                    format!("{column} IN {ids}")
                })
            }
        }
    }

    fn resolution(&mut self, operator: Operator, operand: &Operand) -> StoreResult<String> {
        let workflow = self.store.workflow().clone();
        let mut unresolved = false;
        let names = self.texts(Field::Resolution, operand, |v| {
            if v.trim().eq_ignore_ascii_case("Unresolved") {
                return Some(Param::Text(None));
            }
            jql::vocabulary::resolution(&workflow, v).map(|r| Param::from(r.to_string()))
        })?;
        let named: Vec<Param> = names
            .into_iter()
            .filter(|n| {
                let none = *n == Param::Text(None);
                unresolved |= none;
                !none
            })
            .collect();
        if !unresolved {
            return Ok(self.membership("i.resolution", operator, named));
        }
        // "Unresolved" is the empty resolution.
        let mut parts = vec!["i.resolution IS NULL".to_string()];
        if !named.is_empty() {
            parts.push(self.membership("i.resolution", Operator::In, named));
        }
        let any = parts.join(" OR ");
        Ok(if operator.is_negative() {
            format!("NOT ({any})")
        } else {
            any
        })
    }

    /// Labels and services: rows of their own.
    fn names(
        &mut self,
        table: &str,
        column: &str,
        operator: Operator,
        operand: &Operand,
    ) -> StoreResult<String> {
        let any = format!("EXISTS (SELECT 1 FROM {table} n WHERE n.incident_id = i.id)");
        match operator {
            Operator::Is => return Ok(format!("NOT {any}")),
            Operator::IsNot => return Ok(any),
            _ => {}
        }
        let names: Vec<Param> = values(operand)
            .iter()
            .map(|v| Param::from(written(v).trim().to_string()))
            .collect();
        let list = self.list(names);
        let matching = format!(
            "EXISTS (SELECT 1 FROM {table} n WHERE n.incident_id = i.id AND n.{column} IN ({list}))"
        );
        // As in Jira, `labels != x` leaves out incidents without labels.
        Ok(if operator.is_negative() {
            format!("{any} AND NOT {matching}")
        } else {
            matching
        })
    }

    fn date(&mut self, column: &str, operator: Operator, operand: &Operand) -> StoreResult<String> {
        match operator {
            Operator::Is => return Ok(format!("{column} IS NULL")),
            Operator::IsNot => return Ok(format!("{column} IS NOT NULL")),
            _ => {}
        }
        let Operand::Value(value) = operand else {
            return Err(StoreError::Invalid(format!(
                "The operator '{}' takes one date.",
                operator.as_str()
            )));
        };
        let at = jql::date::instant(value, self.context.now).map_err(StoreError::Invalid)?;
        let p = self.param(Param::from(to_db(at)));
        let symbol =
            comparison(operator).unwrap_or(if operator.is_negative() { "<>" } else { "=" });
        Ok(format!("{column} {symbol} {p}"))
    }

    /// Every word of the value appears in one of `columns`, any case.
    fn contains(
        &mut self,
        field: Field,
        columns: &[&str],
        operator: Operator,
        operand: &Operand,
    ) -> StoreResult<String> {
        let text = self.single_text(field, operand)?;
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return Ok("1 = 1".to_string());
        }
        let mut parts = Vec::new();
        for word in words {
            let p = self.param(Param::from(format!(
                "%{}%",
                escape_like(&word.to_lowercase())
            )));
            let any: Vec<String> = columns
                .iter()
                .map(|c| format!("lower({c}) LIKE {p} ESCAPE '\\'"))
                .collect();
            parts.push(format!("({})", any.join(" OR ")));
        }
        let all = parts.join(" AND ");
        Ok(if operator.is_negative() {
            format!("NOT ({all})")
        } else {
            all
        })
    }

    /// `ORDER BY`, ending with the row id so that pages never overlap.
    fn order(&self, query: &Query) -> StoreResult<String> {
        if query.order_by.is_empty() {
            return Ok("i.id DESC".to_string());
        }
        let workflow = self.store.workflow();
        let mut parts: Vec<String> = query
            .order_by
            .iter()
            .map(|sort| {
                let urgent_first = match sort.direction {
                    Some(Direction::Ascending) => false,
                    Some(Direction::Descending) | None => true,
                };
                let expression = match sort.field {
                    Field::Priority => return Ok(urgency_order("i.priority", urgent_first)),
                    Field::Severity => return Ok(urgency_order("i.severity", urgent_first)),
                    Field::Created => "i.created_at".to_string(),
                    Field::Updated => "i.updated_at".to_string(),
                    Field::Resolved => "i.resolved_at".to_string(),
                    Field::Key | Field::Project | Field::IssueType => "i.number".to_string(),
                    Field::Summary => "lower(i.summary)".to_string(),
                    Field::Resolution => "i.resolution".to_string(),
                    Field::Assignee => {
                        "(SELECT lower(display_name) FROM users WHERE id = i.assignee_id)"
                            .to_string()
                    }
                    Field::Reporter => {
                        "(SELECT lower(display_name) FROM users WHERE id = i.reporter_id)"
                            .to_string()
                    }
                    Field::Status => {
                        let cases: String = workflow
                            .statuses
                            .iter()
                            .enumerate()
                            .map(|(n, s)| format!(" WHEN {} THEN {n}", literal(&s.name)))
                            .collect();
                        format!("(CASE i.status{cases} END)")
                    }
                    Field::StatusCategory => {
                        let cases: String = Category::ALL
                            .iter()
                            .enumerate()
                            .map(|(n, c)| format!(" WHEN {} THEN {n}", literal(c.as_str())))
                            .collect();
                        format!("(CASE i.status_category{cases} END)")
                    }
                    Field::Labels
                    | Field::Component
                    | Field::Description
                    | Field::Comment
                    | Field::Text => {
                        return Err(StoreError::Invalid(format!(
                            "Field '{}' does not support sorting.",
                            sort.field.as_str()
                        )));
                    }
                };
                let direction = match sort.direction {
                    Some(Direction::Descending) => "DESC",
                    Some(Direction::Ascending) | None => "ASC",
                };
                // Empty values last either way, as Jira shows them.
                Ok(format!("({expression}) IS NULL, {expression} {direction}"))
            })
            .collect::<StoreResult<_>>()?;
        parts.push("i.id ASC".to_string());
        Ok(parts.join(", "))
    }
}

/// Priority or severity order: most urgent first is the rank ascending with empty ones
/// last, the very expression the incident indexes are ordered by.
fn urgency_order(column: &str, urgent_first: bool) -> String {
    if urgent_first {
        format!("COALESCE({column}, 5) ASC")
    } else {
        format!("({column} IS NULL), {column} DESC")
    }
}

/// SQL for the ordering operators.
fn comparison(operator: Operator) -> Option<&'static str> {
    match operator {
        Operator::Greater => Some(">"),
        Operator::GreaterOrEqual => Some(">="),
        Operator::Less => Some("<"),
        Operator::LessOrEqual => Some("<="),
        _ => None,
    }
}
