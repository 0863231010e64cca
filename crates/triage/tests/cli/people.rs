//! Users, groups and tokens from the command line.

use std::io::Write;
use std::process::Stdio;

use crate::harness::{Cli, Run, command};

#[test]
fn admins_manage_people_and_group_membership_drives_conditions() {
    let cli = Cli::start();
    cli.run(&["user", "add", "support@example.com", "--role", "responder"])
        .ok();
    let token = cli
        .run(&["token", "create", "--user", "support@example.com"])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert!(token.starts_with("trg_"));
    let me = cli.run_as(&token, &["whoami", "--json"]).ok().json();
    assert_eq!(me["email"], "support@example.com");

    cli.run(&["create", "--summary", "Queue backlog", "--priority", "P3"])
        .ok();
    for status in ["Investigating", "In Progress"] {
        cli.run_as(&token, &["transition", "INC-1", "--name", status])
            .ok();
    }
    let refused = cli.run_as(&token, &["transition", "INC-1", "--name", "Monitoring"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .contains("only members of the 'sre' group may do this"),
        "{}",
        refused.stderr
    );

    let updated = cli
        .run(&[
            "user",
            "update",
            "support@example.com",
            "--add-group",
            "sre",
            "--json",
        ])
        .ok()
        .json();
    assert_eq!(updated["groups"], serde_json::json!(["sre"]));
    cli.run_as(&token, &["transition", "INC-1", "--name", "Monitoring"])
        .ok();

    let forbidden = cli.run_as(&token, &["user", "add", "x@example.com"]);
    assert_eq!(forbidden.code, 1);
    assert!(
        forbidden.stderr.contains("only admins may do this"),
        "{}",
        forbidden.stderr
    );

    cli.run(&["group", "add", "dba", "--description", "Database admins"])
        .ok();
    let groups = cli.run(&["group", "list"]).ok().stdout;
    assert!(
        groups.contains("sre    admin@example.com, support@example.com"),
        "{groups}"
    );
    let users = cli.run(&["user", "list"]).ok().stdout;
    assert!(users.contains("support@example.com  support"), "{users}");

    let tokens = cli
        .run(&["token", "list", "--user", "support@example.com", "--json"])
        .ok()
        .json();
    let id = tokens["tokens"][0]["id"].as_i64().unwrap().to_string();
    cli.run(&["token", "revoke", &id]).ok();
    assert_eq!(cli.run_as(&token, &["whoami"]).code, 1);
}

/// Runs `triage ARGS` as `token` with `input` on standard input.
fn run_with_input(cli: &Cli, token: &str, args: &[&str], input: &str) -> Run {
    let mut child = command(cli.dir.path())
        .env("TRIAGE_URL", cli.server.url())
        .env("TRIAGE_TOKEN", token)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

#[test]
fn console_passwords_from_standard_input() {
    let cli = Cli::start();
    cli.run(&["user", "add", "support@example.com"]).ok();
    let set = run_with_input(
        &cli,
        &cli.token,
        &["user", "passwd", "support@example.com"],
        "a long password\n",
    )
    .ok();
    assert_eq!(
        set.stdout.trim(),
        "Password set for support@example.com; their console sessions have ended."
    );
    let short = run_with_input(
        &cli,
        &cli.token,
        &["user", "passwd", "support@example.com"],
        "short\n",
    );
    assert_eq!(short.code, 1);
    assert!(
        short.stderr.contains("at least 10 characters"),
        "{}",
        short.stderr
    );
    let none = run_with_input(
        &cli,
        &cli.token,
        &["user", "passwd", "support@example.com"],
        "",
    );
    assert_eq!(none.code, 2);

    // The first admin can get a password at bootstrap; a short one changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = |input: &str| -> Run {
        let mut child = command(dir.path())
            .args([
                "admin",
                "bootstrap",
                "--db",
                "fresh.db",
                "--email",
                "first@example.com",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().into()
    };
    let refused = bootstrap("tiny\n");
    assert_eq!(refused.code, 2);
    assert!(!dir.path().join("fresh.db").exists(), "nothing was created");
    bootstrap("the first admin's password\n").ok();
}

#[test]
fn the_service_catalog_from_the_command_line() {
    let cli = Cli::start();
    let added = cli
        .run(&[
            "service",
            "add",
            "checkout",
            "--owner",
            "sre",
            "--runbook",
            "https://runbooks.example.com/checkout",
        ])
        .ok();
    assert_eq!(added.stdout.trim(), "service checkout added");
    let listed = cli.run(&["service", "list"]).ok();
    assert!(
        listed.stdout.contains("checkout")
            && listed
                .stdout
                .contains("https://runbooks.example.com/checkout")
    );
    let bad = cli.run(&["service", "add", "checkout"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("already exists"), "{}", bad.stderr);

    let created = cli
        .run(&["integration", "add", "checkout", "--kind", "alertmanager"])
        .ok();
    let key = created.stdout.trim();
    assert_eq!(key.len(), 32, "{}", created.stdout);
    assert!(created.stderr.contains("its key is shown only now"));
    let listed = cli
        .run(&["--json", "integration", "list", "checkout"])
        .ok()
        .json();
    let id = listed["integrations"][0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let unknown = cli.run(&["integration", "add", "checkout", "--kind", "nagios"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("use alertmanager, pagerduty, grafana or webhook")
    );
    let revoked = cli.run(&["integration", "revoke", &id]).ok();
    assert_eq!(
        revoked.stdout.trim(),
        format!("integration {id} of checkout revoked")
    );
}
