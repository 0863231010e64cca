//! Categories, statuses (of incidents, action items, alerts) and escalation states are
//! types, not strings: outside the one
//! conversion each has in `triage-core` (`as_str`, `parse`), no code of the store or the
//! server compares one of their names with a string literal — neither in SQL (`status
//! = 'Done'`) nor in Rust (`== "done"`). A new comparison fails here; bind or format the
//! typed value's spelling instead (`Category::Done.as_str()`, `sql::literal`).

use std::path::{Path, PathBuf};

use triage_core::action::ActionStatus;
use triage_core::alert::AlertStatus;
use triage_core::paging::EscalationState;
use triage_core::workflow::{Category, Workflow};

/// Every name a comparison must not spell out.
fn names() -> Vec<String> {
    let workflow = Workflow::builtin();
    let mut names: Vec<String> = workflow.statuses.iter().map(|s| s.name.clone()).collect();
    names.extend(Category::ALL.iter().map(|c| c.as_str().to_string()));
    names.extend(EscalationState::ALL.iter().map(|s| s.as_str().to_string()));
    names.extend(ActionStatus::ALL.iter().map(|s| s.as_str().to_string()));
    names.extend([AlertStatus::Firing, AlertStatus::Resolved].map(|s| s.as_str().to_string()));
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    names.extend(lower);
    names.sort();
    names.dedup();
    names
}

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The places in `text` that compare `name` as a literal.
fn comparisons(text: &str, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    let quoted = format!("'{name}'");
    let rust = format!("\"{name}\"");
    for (n, line) in text.lines().enumerate() {
        let squashed: String = line.split_whitespace().collect::<Vec<_>>().join(" ");
        let sql = ["= ", "<> ", "!= ", "WHEN ", "IN ("]
            .iter()
            .any(|op| squashed.contains(&format!("{op}{quoted}")));
        let code = ["== ", "!= "]
            .iter()
            .any(|op| squashed.contains(&format!("{op}{rust}")));
        if sql || code {
            found.push(format!("line {}: {}", n + 1, line.trim()));
        }
    }
    found
}

#[test]
fn no_category_status_or_state_is_compared_as_a_string() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for crate_dir in ["triage-store/src", "triage-server/src"] {
        sources(&root.join(crate_dir), &mut files);
    }
    assert!(files.len() > 50, "the sources were not found");
    let names = names();
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for name in &names {
            for place in comparisons(&text, name) {
                offences.push(format!("{}: {place}", file.display()));
            }
        }
    }
    assert!(offences.is_empty(), "{}", offences.join("\n"));
}

#[test]
fn the_scan_sees_both_kinds_of_comparison() {
    let sql = "WHERE status_category <> 'Done' AND x";
    assert_eq!(comparisons(sql, "Done").len(), 1);
    let code = "if category == \"done\" {";
    assert_eq!(comparisons(code, "done").len(), 1);
    assert!(comparisons("status: Done", "Done").is_empty());
}
