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
/// sent as multi-statement queries, one round trip for many; PostgreSQL takes one
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

    /// Multi-statement queries in SQLite's positional form ([`positional`]), each
    /// carrying about [`JOINED_PARAMETERS`] values at most.
    fn joined(self) -> Vec<(String, Vec<Value>)> {
        let mut queries = Vec::new();
        let mut sql = String::new();
        let mut all: Vec<Value> = Vec::new();
        for (statement, values) in self.statements {
            if !sql.is_empty() && all.len() + values.len() > JOINED_PARAMETERS {
                queries.push((std::mem::take(&mut sql), std::mem::take(&mut all)));
            }
            if !sql.is_empty() {
                sql.push_str(";\n");
            }
            let (statement, values) = positional(&statement, values);
            sql.push_str(&statement);
            all.extend(values);
        }
        if !sql.is_empty() {
            queries.push((sql, all));
        }
        queries
    }
}

/// The most values one multi-statement query carries on SQLite: a bound on the size of
/// one round trip, nothing more.
const JOINED_PARAMETERS: usize = 4_000;

/// A statement written with `$1…$n` in SQLite's positional form: each placeholder
/// becomes `?` and the values are laid out in the order the placeholders appear (a
/// value used twice is bound twice). sqlx binds a numbered SQLite parameter by asking
/// SQLite its name, which SQLite finds by a linear search, so binding n numbered
/// parameters costs n² steps; `?` parameters are bound in order, in n. A placeholder
/// with no value is NULL, as sqlx binds it.
pub(crate) fn positional(sql: &str, values: Vec<Value>) -> (String, Vec<Value>) {
    let mut out = String::with_capacity(sql.len());
    let mut order: Vec<usize> = Vec::with_capacity(values.len());
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<usize>() {
            Ok(n) if n > 0 => {
                out.push('?');
                order.push(n - 1);
            }
            _ => out.push_str(&rest[at..at + 1 + digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    if order.iter().copied().eq(0..values.len()) {
        return (out, values);
    }
    let laid_out = order
        .iter()
        .map(|&i| values.get(i).cloned().unwrap_or(Value::Int(None)))
        .collect();
    (out, laid_out)
}

/// `sql` (written with `$1…$n`) with `values` bound, in the connection's dialect.
pub(crate) fn query_with(
    postgres: bool,
    sql: String,
    values: Vec<Value>,
) -> Query<'static, Any, AnyArguments> {
    let (sql, values) = if postgres {
        (sql, values)
    } else {
        positional(&sql, values)
    };
    bind_all(sqlx::query(AssertSqlSafe(sql)), values)
}

/// The most parameters one statement should carry: statements with lists of values
/// split them into rows of this many (well under SQLite's limit of 32,766 and
/// PostgreSQL's of 65,535).
pub(crate) const MAX_PARAMETERS: usize = 240;

/// `text` as an SQL string literal (quotes doubled): how a domain value's one spelling
/// (`Category::Done.as_str()`, a status the workflow names) enters a statement built
/// with `format!`, where binding it would renumber the statement's parameters.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

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
    fn statements_are_joined_in_positional_form() {
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
            "UPDATE t SET a = ? WHERE id = ?;\nINSERT INTO e VALUES (?, ?, ?)"
        );
        assert_eq!(
            values,
            &vec![1.into(), 2.into(), "x".into(), 3.into(), "x".into()]
        );
    }

    #[test]
    fn large_writes_are_split_into_bounded_queries() {
        let mut statements = Statements::default();
        for n in 0..2_000 {
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
                .all(|(_, values)| values.len() <= JOINED_PARAMETERS)
        );
        assert_eq!(
            joined.iter().map(|(_, values)| values.len()).sum::<usize>(),
            6_000
        );
    }

    #[test]
    fn positional_form_lays_values_out_in_order_of_use() {
        let (sql, values) = positional(
            "SELECT $2 || '$' || $10, $1, $2, '$.path', $3",
            vec!["a".into(), "b".into()],
        );
        assert_eq!(sql, "SELECT ? || '$' || ?, ?, ?, '$.path', ?");
        // $10 and $3 have no value: NULL, as sqlx would bind them.
        assert_eq!(
            values,
            vec![
                "b".into(),
                Value::Int(None),
                "a".into(),
                "b".into(),
                Value::Int(None)
            ]
        );
        // In order and each once: the values are kept as they are.
        let (sql, values) = positional("VALUES ($1, $2)", vec![1.into(), 2.into()]);
        assert_eq!((sql.as_str(), values.len()), ("VALUES (?, ?)", 2));
    }

    #[test]
    fn placeholders_count_from_start() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
