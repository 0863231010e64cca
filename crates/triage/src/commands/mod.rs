//! One module per group of subcommands, each with its argument structs and `run`
//! functions.

pub mod actions;
pub mod admin;
pub mod data;
mod demo;
pub mod incidents;
pub mod oncall;
pub mod people;
pub mod postmortems;
pub mod report;
pub mod serve;
pub mod services;
pub mod silences;
pub mod updates;
pub mod workflow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Characters left as they are in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'@');

/// `value` made safe as one segment of a URL path.
pub fn segment(value: &str) -> String {
    utf8_percent_encode(value.trim(), SEGMENT).to_string()
}

/// A JSON value of an answer as text to print: a string as it is, null as nothing.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
