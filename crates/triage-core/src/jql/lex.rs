//! Splits a query into tokens, each with the line and character it starts at.

use super::JqlError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    /// A bare word: a field, keyword, value or function name.
    Word(String),
    /// A string in double or single quotes, unescaped.
    Quoted(String),
    /// `=`, `!=`, `~`, `!~`, `<`, `<=`, `>`, `>=`.
    Symbol(&'static str),
    Open,
    Close,
    Comma,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Token {
    pub kind: Kind,
    pub line: usize,
    pub character: usize,
}

impl Token {
    /// How the token reads in an error message.
    pub fn text(&self) -> String {
        match &self.kind {
            Kind::Word(word) => word.clone(),
            Kind::Quoted(text) => text.clone(),
            Kind::Symbol(symbol) => symbol.to_string(),
            Kind::Open => "(".to_string(),
            Kind::Close => ")".to_string(),
            Kind::Comma => ",".to_string(),
        }
    }

    /// Whether the token is the keyword `keyword` (any case, never when quoted).
    pub fn is_keyword(&self, keyword: &str) -> bool {
        matches!(&self.kind, Kind::Word(word) if word.eq_ignore_ascii_case(keyword))
    }
}

/// Characters that end a bare word; JQL reserves them.
pub(super) fn is_special(c: char) -> bool {
    c.is_whitespace() || "=!~<>(),\"'".contains(c)
}

pub(super) fn tokens(text: &str) -> Result<Vec<Token>, JqlError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let (mut line, mut character) = (1, 0);
    // Advances over one character, keeping the position.
    let mut next = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        let c = chars.next();
        if c == Some('\n') {
            line += 1;
            character = 0;
        } else if c.is_some() {
            character += 1;
        }
        (c, line, character)
    };
    while let Some(&c) = chars.peek() {
        let (_, at_line, at) = next(&mut chars);
        let token = |kind| Token {
            kind,
            line: at_line,
            character: at,
        };
        match c {
            c if c.is_whitespace() => {}
            '(' => out.push(token(Kind::Open)),
            ')' => out.push(token(Kind::Close)),
            ',' => out.push(token(Kind::Comma)),
            '=' => out.push(token(Kind::Symbol("="))),
            '~' => out.push(token(Kind::Symbol("~"))),
            '!' | '<' | '>' => {
                let followed = chars.peek().copied();
                let symbol = match (c, followed) {
                    ('!', Some('=')) => "!=",
                    ('!', Some('~')) => "!~",
                    ('<', Some('=')) => "<=",
                    ('>', Some('=')) => ">=",
                    ('<', _) => "<",
                    ('>', _) => ">",
                    // `!` alone means NOT.
                    _ => {
                        out.push(token(Kind::Word("NOT".to_string())));
                        continue;
                    }
                };
                if symbol.len() == 2 {
                    next(&mut chars);
                }
                out.push(token(Kind::Symbol(symbol)));
            }
            '"' | '\'' => {
                let mut value = String::new();
                loop {
                    match next(&mut chars).0 {
                        None => {
                            return Err(JqlError {
                                message: format!(
                                    "The quoted string starting with {c} is not closed."
                                ),
                                line: at_line,
                                character: at,
                            });
                        }
                        Some(end) if end == c => break,
                        Some('\\') => match next(&mut chars).0 {
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some(escaped @ ('"' | '\'' | '\\' | ' ')) => value.push(escaped),
                            Some(other) => {
                                return Err(JqlError {
                                    message: format!(
                                        "The escape sequence '\\{other}' is not allowed: use \\\", \\', \\\\, \\n or \\t."
                                    ),
                                    line: at_line,
                                    character: at,
                                });
                            }
                            None => continue,
                        },
                        Some(other) => value.push(other),
                    }
                }
                out.push(token(Kind::Quoted(value)));
            }
            c => {
                let mut word = String::from(c);
                while let Some(&c) = chars.peek() {
                    if is_special(c) {
                        break;
                    }
                    word.push(c);
                    next(&mut chars);
                }
                out.push(token(Kind::Word(word)));
            }
        }
    }
    Ok(out)
}
