//! JQL, the query language Jira clients and runbook scripts search with: the subset
//! incident tooling uses, parsed into a tree, checked (which field takes which
//! operator), and printed back so that `parse(print(q)) == q`.
//!
//! Only syntax and field/operator rules live here; what a value means (a status name, a
//! user, a date such as `-1d`) is decided where the query runs, against the workflow and
//! the users it knows.

pub mod date;
mod field;
mod lex;
mod parse;
mod print;
#[cfg(test)]
mod tests;
pub mod vocabulary;

pub use field::Field;
pub use parse::parse;

/// A whole query: an optional condition and the sort.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub clause: Option<Clause>,
    pub order_by: Vec<Sort>,
}

/// A condition. `And` and `Or` hold two or more parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    And(Vec<Clause>),
    Or(Vec<Clause>),
    Not(Box<Clause>),
    Term(Term),
}

/// `field operator operand`, e.g. `status in (Open, "In Progress")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: Field,
    pub operator: Operator,
    pub operand: Operand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    NotContains,
    In,
    NotIn,
    Is,
    IsNot,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Operator {
    pub const ALL: [Operator; 12] = [
        Operator::Equals,
        Operator::NotEquals,
        Operator::Contains,
        Operator::NotContains,
        Operator::In,
        Operator::NotIn,
        Operator::Is,
        Operator::IsNot,
        Operator::Greater,
        Operator::GreaterOrEqual,
        Operator::Less,
        Operator::LessOrEqual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "=",
            Operator::NotEquals => "!=",
            Operator::Contains => "~",
            Operator::NotContains => "!~",
            Operator::In => "in",
            Operator::NotIn => "not in",
            Operator::Is => "is",
            Operator::IsNot => "is not",
            Operator::Greater => ">",
            Operator::GreaterOrEqual => ">=",
            Operator::Less => "<",
            Operator::LessOrEqual => "<=",
        }
    }

    /// `!=`, `!~`, `not in` and `is not`.
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Operator::NotEquals | Operator::NotContains | Operator::NotIn | Operator::IsNot
        )
    }
}

/// What an operator compares with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    Value(Value),
    List(Vec<Value>),
    /// `EMPTY` or `NULL`.
    Empty,
}

/// One value: a word or quoted string (the same to JQL), or a function call such as
/// `currentUser()` or `startOfDay(-1)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Function { name: String, args: Vec<String> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// `ORDER BY field [ASC|DESC]`; no direction leaves it to the field's own default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    pub field: Field,
    pub direction: Option<Direction>,
}

/// A query that does not parse, with where (1-based, as Jira counts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Error in the JQL Query: {message} (line {line}, character {character})")]
pub struct JqlError {
    pub message: String,
    pub line: usize,
    pub character: usize,
}
