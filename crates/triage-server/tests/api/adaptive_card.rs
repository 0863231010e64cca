//! Adaptive Cards checked by Microsoft's own library: the npm package `adaptivecards`,
//! run under Node.js, parses a card against the schema version it names
//! (`adaptive_card.js`). `.ci/run` installs it under `~/.cache/triage-node`
//! (`TRIAGE_NODE_PATH` names another place); elsewhere the check is skipped with a note.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::senders::available;

fn modules() -> PathBuf {
    match std::env::var_os("TRIAGE_NODE_PATH") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
            .join(".cache/triage-node/node_modules"),
    }
}

/// Fails unless `card` is a valid Adaptive Card of the version it names.
pub fn assert_adaptive_card(card: &Value) {
    let modules = modules();
    if !available(
        "Adaptive Cards library (npm adaptivecards)",
        modules.join("adaptivecards").is_dir(),
    ) {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/adaptive_card.js");
    let mut child = Command::new("node")
        .arg(script)
        .env("NODE_PATH", &modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(card.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the card is not valid Adaptive Card {}: {}\n{card}",
        card["version"],
        String::from_utf8_lossy(&output.stdout)
    );
}
