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

#[test]
fn response_times_are_the_servers_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--demo", "--response-time", "P1=5m,P3=2h"], 4);
    let token = served.lines[2]
        .split("TRIAGE_TOKEN=")
        .nth(1)
        .unwrap()
        .trim();
    let create = |priority: &str| -> serde_json::Value {
        let out = command(dir.path())
            .env("TRIAGE_URL", &served.url)
            .env("TRIAGE_TOKEN", token)
            .args([
                "create",
                "--summary",
                "Checkout slow",
                "--priority",
                priority,
            ])
            .args(["--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let after = |incident: &serde_json::Value| {
        let at = |field: &str| {
            incident[field]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        };
        at("response_due_at")
            .duration_since(at("detected_at"))
            .as_secs()
    };
    assert_eq!(after(&create("P1")), 5 * 60);
    assert_eq!(after(&create("P2")), 60 * 60, "P2 keeps the default");
    assert_eq!(after(&create("P3")), 2 * 60 * 60);

    let refused = command(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--response-time",
            "P5=1h",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("'P5=1h' is not allowed") && stderr.contains("P1=15m"),
        "{stderr}"
    );

    let refused = command(dir.path())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--update-cadence",
            "SEV1=soon",
        ])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("update cadence 'SEV1=soon' is not allowed") && stderr.contains("SEV3=1h"),
        "{stderr}"
    );
}

#[test]
fn an_unusable_smtp_relay_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (url, from, says) in [
        (
            "ftp://mail.example.com",
            "triage@example.com",
            "the SMTP URL is not usable",
        ),
        (
            "smtp://127.0.0.1:25",
            "not an address",
            "the sender 'not an address' is not an address",
        ),
    ] {
        let refused = command(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--smtp-url", url, "--mail-from", from])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
}
