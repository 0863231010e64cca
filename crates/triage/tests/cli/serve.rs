//! `triage serve` itself: starts on an empty database, says how to get a token, and
//! answers health checks; `--demo` leaves something to look at.

use crate::harness::{command, serve};

#[test]
fn serve_explains_the_first_step_and_answers_health() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[], 4);
    assert!(
        served.lines[0].contains("(database: triage.db)"),
        "{:?}",
        served.lines
    );
    assert_eq!(
        served.lines[1],
        "No users yet. Create the first admin and its API token with:"
    );
    assert_eq!(
        served.lines[2].trim(),
        "triage admin bootstrap --db triage.db --email you@example.com"
    );
    let health: serde_json::Value = ureq::get(format!("{}/health", served.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert!(dir.path().join("triage.db").exists());
}

#[test]
fn demo_mode_prints_a_working_token_and_has_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--demo"], 4);
    let export = &served.lines[2];
    assert!(
        served.lines[3].starts_with(&format!(
            "Web console: {}/ (sign in as admin@example.com with password ",
            served.url
        )),
        "{:?}",
        served.lines
    );
    let token = export.split("TRIAGE_TOKEN=").nth(1).unwrap().trim();
    let list = command(dir.path())
        .env("TRIAGE_URL", &served.url)
        .env("TRIAGE_TOKEN", token)
        .args(["list", "--json"])
        .output()
        .unwrap();
    assert!(list.status.success());
    let page: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
}
