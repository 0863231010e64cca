//! Rich text both ways: Atlassian Document Format (what REST v3 writes) to Triage's plain
//! text and back. Either version reads either form; clients configured for v3 often
//! still send strings.

use serde_json::{Value, json};

/// The plain text of a string or an ADF document; `None` for anything else.
pub(super) fn to_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Null => Some(String::new()),
        Value::Object(node) if node.get("type").and_then(Value::as_str) == Some("doc") => {
            let mut blocks = Vec::new();
            for block in node
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                blocks.push(block_text(block));
            }
            Some(blocks.join("\n"))
        }
        _ => None,
    }
}

/// A block's text: its inline nodes run together, nested blocks on lines of their own.
fn block_text(node: &Value) -> String {
    let kind = node.get("type").and_then(Value::as_str).unwrap_or_default();
    let attr = |name: &str| {
        node.get("attrs")
            .and_then(|a| a.get(name))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    match kind {
        "text" => node
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        "hardBreak" => "\n".to_string(),
        "mention" | "emoji" => attr("text"),
        "inlineCard" => attr("url"),
        _ => {
            let children = node.get("content").and_then(Value::as_array);
            let inline = children.is_some_and(|c| {
                c.iter().all(|child| {
                    matches!(
                        child.get("type").and_then(Value::as_str),
                        Some("text" | "hardBreak" | "mention" | "emoji" | "inlineCard")
                    )
                })
            });
            let parts = children.into_iter().flatten().map(block_text);
            let separator = if inline { "" } else { "\n" };
            let text = parts.collect::<Vec<_>>().join(separator);
            if kind == "listItem" {
                format!("- {text}")
            } else {
                text
            }
        }
    }
}

/// Plain text as an ADF document: a paragraph per line, `null` when empty (as Jira
/// answers an empty description).
pub(super) fn from_text(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    let paragraphs: Vec<Value> = text
        .split('\n')
        .map(|line| {
            if line.is_empty() {
                json!({ "type": "paragraph", "content": [] })
            } else {
                json!({ "type": "paragraph", "content": [{ "type": "text", "text": line }] })
            }
        })
        .collect();
    json!({ "type": "doc", "version": 1, "content": paragraphs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_survives_a_round_trip() {
        for text in ["primary unreachable", "line one\nline two", "a\n\nb"] {
            assert_eq!(to_text(&from_text(text)).as_deref(), Some(text));
        }
        assert_eq!(from_text(""), Value::Null);
    }

    #[test]
    fn documents_flatten_to_lines() {
        let doc = json!({
            "type": "doc", "version": 1,
            "content": [
                { "type": "paragraph", "content": [
                    { "type": "text", "text": "Pool " },
                    { "type": "text", "text": "exhausted", "marks": [{ "type": "strong" }] },
                    { "type": "hardBreak" },
                    { "type": "mention", "attrs": { "id": "x", "text": "@alice" } }
                ]},
                { "type": "bulletList", "content": [
                    { "type": "listItem", "content": [
                        { "type": "paragraph", "content": [{ "type": "text", "text": "restart" }] }
                    ]}
                ]}
            ]
        });
        assert_eq!(to_text(&doc).unwrap(), "Pool exhausted\n@alice\n- restart");
        assert_eq!(to_text(&json!(42)), None);
        assert_eq!(to_text(&json!({ "type": "paragraph" })), None);
    }
}
