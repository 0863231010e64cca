//! Printing a query back as JQL: canonical field names, lower-case keywords in upper
//! case, strings quoted only where a bare word would read differently.

use std::fmt;

use super::lex::is_special;
use super::parse::is_reserved;
use super::{Clause, Direction, Operand, Query, Sort, Term, Value};

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(clause) = &self.clause {
            write!(f, "{clause}")?;
        }
        if !self.order_by.is_empty() {
            if self.clause.is_some() {
                f.write_str(" ")?;
            }
            f.write_str("ORDER BY ")?;
            for (i, sort) in self.order_by.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{sort}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clause::And(parts) => joined(f, parts, " AND "),
            Clause::Or(parts) => joined(f, parts, " OR "),
            Clause::Not(inner) => {
                f.write_str("NOT ")?;
                part(f, inner)
            }
            Clause::Term(term) => write!(f, "{term}"),
        }
    }
}

fn joined(f: &mut fmt::Formatter<'_>, parts: &[Clause], separator: &str) -> fmt::Result {
    for (i, clause) in parts.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        part(f, clause)?;
    }
    Ok(())
}

/// A clause inside another: `AND` and `OR` in parentheses, so the tree reads back the same.
fn part(f: &mut fmt::Formatter<'_>, clause: &Clause) -> fmt::Result {
    match clause {
        Clause::And(_) | Clause::Or(_) => write!(f, "({clause})"),
        _ => write!(f, "{clause}"),
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ", self.field.as_str(), self.operator.as_str())?;
        match &self.operand {
            Operand::Empty => f.write_str("EMPTY"),
            Operand::Value(value) => write!(f, "{value}"),
            Operand::List(values) => {
                f.write_str("(")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(text) => word(f, text, true),
            Value::Function { name, args } => {
                f.write_str(name)?;
                f.write_str("(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    word(f, arg, false)?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field.as_str())?;
        match self.direction {
            Some(Direction::Ascending) => f.write_str(" ASC"),
            Some(Direction::Descending) => f.write_str(" DESC"),
            None => Ok(()),
        }
    }
}

/// A value bare where it reads back as itself, else quoted. Reserved words (`and`,
/// `empty`, …) stay bare only as function arguments, where the parser takes any word.
fn word(f: &mut fmt::Formatter<'_>, text: &str, standalone: bool) -> fmt::Result {
    let quoted = text.is_empty()
        || text.chars().any(|c| is_special(c) || c == '\\')
        || (standalone && is_reserved(text));
    if !quoted {
        return f.write_str(text);
    }
    f.write_str("\"")?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}
