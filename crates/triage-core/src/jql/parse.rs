//! The parser: recursive descent over the tokens, `OR` binding looser than `AND`, `AND`
//! looser than `NOT`. Errors read as Jira's do and say where.

use super::lex::{self, Kind, Token};
use super::{Clause, Direction, Field, JqlError, Operand, Operator, Query, Sort, Term, Value};

const OPERATORS: &str =
    "'=', '!=', '~', '!~', '<', '<=', '>', '>=', 'in', 'not in', 'is' and 'is not'";

/// Words that cannot be values or fields unless quoted.
const RESERVED: [&str; 11] = [
    "and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc",
];

/// Parses a whole query. An empty query matches everything.
pub fn parse(text: &str) -> Result<Query, JqlError> {
    let tokens = lex::tokens(text)?;
    let mut parser = Parser {
        tokens,
        position: 0,
        end: end_of(text),
    };
    let clause = if parser.peek().is_none() || parser.at_order_by() {
        None
    } else {
        Some(parser.or()?)
    };
    let mut order_by = Vec::new();
    if parser.at_order_by() {
        parser.position += 2;
        loop {
            order_by.push(parser.sort()?);
            if !parser.eat(|k| *k == Kind::Comma) {
                break;
            }
        }
    }
    if let Some(token) = parser.peek() {
        let expected = if clause.is_some() && order_by.is_empty() {
            "Expecting either 'OR' or 'AND'"
        } else {
            "Expecting ',' or the end of the query"
        };
        return Err(parser.error_at(token, &format!("{expected} but got '{}'.", token.text())));
    }
    Ok(Query { clause, order_by })
}

/// Where "the end of the query" is, for errors there.
fn end_of(text: &str) -> (usize, usize) {
    let line = text.matches('\n').count() + 1;
    let character = text.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, character)
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    end: (usize, usize),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(keyword))
    }

    fn at_order_by(&self) -> bool {
        self.peek_keyword("order")
            && self
                .tokens
                .get(self.position + 1)
                .is_some_and(|t| t.is_keyword("by"))
    }

    fn eat(&mut self, matches: impl Fn(&Kind) -> bool) -> bool {
        if self.peek().is_some_and(|t| matches(&t.kind)) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.eat(|k| matches!(k, Kind::Word(w) if w.eq_ignore_ascii_case(keyword)))
    }

    fn error_at(&self, token: &Token, message: &str) -> JqlError {
        JqlError {
            message: message.to_string(),
            line: token.line,
            character: token.character,
        }
    }

    /// An error at the current token, or at the end of the query.
    fn expected(&self, what: &str) -> JqlError {
        match self.peek() {
            Some(token) => self.error_at(
                token,
                &format!("Expecting {what} but got '{}'.", token.text()),
            ),
            None => JqlError {
                message: format!("Expecting {what} but the query ended."),
                line: self.end.0,
                character: self.end.1,
            },
        }
    }

    fn or(&mut self) -> Result<Clause, JqlError> {
        let mut parts = vec![self.and()?];
        while self.eat_keyword("or") {
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Clause::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Clause, JqlError> {
        let mut parts = vec![self.not()?];
        while self.eat_keyword("and") {
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Clause::And(parts)
        })
    }

    fn not(&mut self) -> Result<Clause, JqlError> {
        if self.eat_keyword("not") {
            return Ok(Clause::Not(Box::new(self.not()?)));
        }
        if self.eat(|k| *k == Kind::Open) {
            let inner = self.or()?;
            if !self.eat(|k| *k == Kind::Close) {
                return Err(self.expected("')'"));
            }
            return Ok(inner);
        }
        self.term().map(Clause::Term)
    }

    fn field(&mut self) -> Result<Field, JqlError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("a field name"));
        };
        let name = match &token.kind {
            Kind::Word(word) if !is_reserved(word) => word,
            Kind::Quoted(text) => text,
            _ => return Err(self.expected("a field name")),
        };
        let field = Field::parse(name).ok_or_else(|| {
            self.error_at(
                &token,
                &format!("Field '{name}' does not exist or you do not have permission to view it."),
            )
        })?;
        self.position += 1;
        Ok(field)
    }

    fn term(&mut self) -> Result<Term, JqlError> {
        let field = self.field()?;
        let operator_token = self.peek().cloned();
        let operator = self.operator()?;
        let operand = self.operand(operator)?;
        let empty_with_equals =
            operand == Operand::Empty && matches!(operator, Operator::Equals | Operator::NotEquals);
        let supported = if empty_with_equals {
            field.supports(Operator::Is)
        } else {
            field.supports(operator)
        };
        if !supported {
            let at = operator_token.expect("an operator was read");
            return Err(self.error_at(
                &at,
                &format!(
                    "The operator '{}' is not supported by the '{}' field.",
                    operator.as_str(),
                    field.as_str()
                ),
            ));
        }
        Ok(Term {
            field,
            operator,
            operand,
        })
    }

    fn operator(&mut self) -> Result<Operator, JqlError> {
        let expected = format!("operator; the valid operators are {OPERATORS},");
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected(&expected));
        };
        let operator = match &token.kind {
            Kind::Symbol(symbol) => match *symbol {
                "=" => Operator::Equals,
                "!=" => Operator::NotEquals,
                "~" => Operator::Contains,
                "!~" => Operator::NotContains,
                "<" => Operator::Less,
                "<=" => Operator::LessOrEqual,
                ">" => Operator::Greater,
                _ => Operator::GreaterOrEqual,
            },
            _ if token.is_keyword("in") => Operator::In,
            _ if token.is_keyword("is") => {
                self.position += 1;
                return Ok(if self.eat_keyword("not") {
                    Operator::IsNot
                } else {
                    Operator::Is
                });
            }
            _ if token.is_keyword("not") => {
                self.position += 1;
                if self.eat_keyword("in") {
                    return Ok(Operator::NotIn);
                }
                return Err(self.expected("'in' after 'not'"));
            }
            _ => return Err(self.expected(&expected)),
        };
        self.position += 1;
        Ok(operator)
    }

    fn operand(&mut self, operator: Operator) -> Result<Operand, JqlError> {
        match operator {
            Operator::Is | Operator::IsNot => {
                if self.eat_keyword("empty") || self.eat_keyword("null") {
                    Ok(Operand::Empty)
                } else {
                    Err(self.expected("EMPTY or NULL after 'is'"))
                }
            }
            Operator::In | Operator::NotIn => {
                if !self.eat(|k| *k == Kind::Open) {
                    return Err(self.expected("'(' and a list of values"));
                }
                let mut values = vec![self.value()?];
                while self.eat(|k| *k == Kind::Comma) {
                    values.push(self.value()?);
                }
                if !self.eat(|k| *k == Kind::Close) {
                    return Err(self.expected("',' or ')'"));
                }
                Ok(Operand::List(values))
            }
            _ => {
                if self.eat_keyword("empty") || self.eat_keyword("null") {
                    Ok(Operand::Empty)
                } else {
                    self.value().map(Operand::Value)
                }
            }
        }
    }

    fn value(&mut self) -> Result<Value, JqlError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.expected("a value"));
        };
        match token.kind {
            Kind::Quoted(text) => {
                self.position += 1;
                Ok(Value::Text(text))
            }
            Kind::Word(word) if !is_reserved(&word) => {
                self.position += 1;
                if !self.eat(|k| *k == Kind::Open) {
                    return Ok(Value::Text(word));
                }
                let mut args = Vec::new();
                if !self.eat(|k| *k == Kind::Close) {
                    loop {
                        match self.peek().map(|t| t.kind.clone()) {
                            Some(Kind::Word(arg) | Kind::Quoted(arg)) => {
                                args.push(arg);
                                self.position += 1;
                            }
                            _ => return Err(self.expected("a function argument")),
                        }
                        if self.eat(|k| *k == Kind::Close) {
                            break;
                        }
                        if !self.eat(|k| *k == Kind::Comma) {
                            return Err(self.expected("',' or ')'"));
                        }
                    }
                }
                Ok(Value::Function { name: word, args })
            }
            _ => Err(self.expected("a value")),
        }
    }

    fn sort(&mut self) -> Result<Sort, JqlError> {
        let at = self.peek().cloned();
        let field = self.field()?;
        if !field.sortable() {
            let at = at.expect("a field was read");
            return Err(self.error_at(
                &at,
                &format!("Field '{}' does not support sorting.", field.as_str()),
            ));
        }
        let direction = if self.eat_keyword("asc") {
            Some(Direction::Ascending)
        } else if self.eat_keyword("desc") {
            Some(Direction::Descending)
        } else {
            None
        };
        Ok(Sort { field, direction })
    }
}

pub(super) fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}
