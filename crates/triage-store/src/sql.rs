//! SQL building blocks shared by the queries: parameter values of mixed types, and
//! [`Statements`], which gathers the statements of one write and sends them to SQLite in
//! as few round trips as their size allows (usually one).
//!
//! On SQLite every round trip is a hand-off to the connection's worker thread and back;
//! a write that needs six statements and sends them one by one spends most of its time
//! in those hand-offs, inside the writer's serialized section. Gathered, they cost one.

use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryAs};
use sqlx::{Any, AnyConnection, AssertSqlSafe};

use crate::error::StoreResult;
use crate::postgres::is_postgres;

/// A parameter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(Some(value))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(Some(value.to_string()))
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(Some(value))
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Value::Text(value)
    }
}

/// Binds `values` in order.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments>,
    values: Vec<Value>,
) -> Query<'q, Any, AnyArguments> {
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
        };
    }
    query
}

/// Binds `values` in order, to a query answering rows as `T`.
pub(crate) fn bind_all_as<'q, T>(
    mut query: QueryAs<'q, Any, T, AnyArguments>,
    values: Vec<Value>,
) -> QueryAs<'q, Any, T, AnyArguments> {
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
        };
    }
    query
}

/// The statements of one write, each written with its own `$1…$n`. On SQLite they are
/// renumbered into one multi-statement query, one round trip; PostgreSQL takes one
/// statement per prepared query, so there they run one by one.
#[derive(Debug, Default)]
pub(crate) struct Statements {
    statements: Vec<(String, Vec<Value>)>,
}

impl Statements {
    pub fn push(&mut self, sql: &str, values: Vec<Value>) {
        self.statements.push((sql.to_string(), values));
    }

    /// Runs every statement, in order.
    pub async fn execute(self, connection: &mut AnyConnection) -> StoreResult<()> {
        if !is_postgres(connection) {
            for (sql, values) in self.joined() {
                bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                    .execute(&mut *connection)
                    .await?;
            }
            return Ok(());
        }
        for (sql, values) in self.statements {
            bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                .execute(&mut *connection)
                .await?;
        }
        Ok(())
    }

    /// Multi-statement queries, their placeholders numbered through, each carrying about
    /// [`MAX_PARAMETERS`] values at most: the driver binds every statement of a query
    /// against the highest placeholder number in it, so one huge query would bind in n².
    fn joined(self) -> Vec<(String, Vec<Value>)> {
        let mut queries = Vec::new();
        let mut sql = String::new();
        let mut all: Vec<Value> = Vec::new();
        for (statement, values) in self.statements {
            if !sql.is_empty() && all.len() + values.len() > MAX_PARAMETERS {
                queries.push((std::mem::take(&mut sql), std::mem::take(&mut all)));
            }
            if !sql.is_empty() {
                sql.push_str(";\n");
            }
            sql.push_str(&renumber(&statement, all.len()));
            all.extend(values);
        }
        if !sql.is_empty() {
            queries.push((sql, all));
        }
        queries
    }
}

/// `$1` becomes `$(1 + offset)`, and so on; nothing else changes.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '$' {
            continue;
        }
        let mut digits = String::new();
        while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(*d);
            chars.next();
        }
        match digits.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(&digits),
        }
    }
    out
}

/// The most parameters one statement should carry. sqlx binds SQLite parameters by
/// asking SQLite each one's name, and SQLite finds a numbered name by a linear search:
/// binding n parameters costs n² steps (measured: a 7,200-parameter insert spent most of
/// its time there). Statements with lists of values split them into rows of this many.
pub(crate) const MAX_PARAMETERS: usize = 240;

/// How many rows of `columns` values one statement takes (at least one).
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMETERS / columns.max(1)).max(1)
}

/// `$start, $start+1, …` for `n` values.
pub(crate) fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_renumbered_when_joined() {
        let mut statements = Statements::default();
        statements.push(
            "UPDATE t SET a = $1 WHERE id = $2",
            vec![1.into(), 2.into()],
        );
        statements.push(
            "INSERT INTO e VALUES ($1, $2, $1)",
            vec!["x".into(), 3.into()],
        );
        let joined = statements.joined();
        assert_eq!(joined.len(), 1);
        let (sql, values) = &joined[0];
        assert_eq!(
            sql,
            "UPDATE t SET a = $1 WHERE id = $2;\nINSERT INTO e VALUES ($3, $4, $3)"
        );
        assert_eq!(values.len(), 4);
    }

    #[test]
    fn large_writes_are_split_into_bounded_queries() {
        let mut statements = Statements::default();
        for n in 0..100 {
            statements.push(
                "INSERT INTO t VALUES ($1, $2, $3)",
                vec![n.into(), n.into(), n.into()],
            );
        }
        let joined = statements.joined();
        assert_eq!(joined.len(), 2);
        assert!(
            joined
                .iter()
                .all(|(_, values)| values.len() <= MAX_PARAMETERS)
        );
        // Each query numbers its placeholders from 1.
        assert!(
            joined[1]
                .0
                .starts_with("INSERT INTO t VALUES ($1, $2, $3);")
        );
    }

    #[test]
    fn placeholders_count_from_start() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(renumber("$10 + $9", 1), "$11 + $10");
    }
}
