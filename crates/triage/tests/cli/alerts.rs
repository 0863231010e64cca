//! Alert settings, alerts and silences from the command line, with the real binary.

use crate::harness::Cli;

/// Sends a generic webhook alert to the server, as a monitoring script would.
fn send(cli: &Cli, key: &str, body: &str) -> u16 {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .post(format!("{}/hooks/webhook/{key}", cli.server.url()))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn alert_settings_alerts_and_silences_from_the_command_line() {
    let cli = Cli::start();
    cli.run(&["service", "add", "storage"]).ok();
    let set = cli
        .run(&[
            "service",
            "set",
            "storage",
            "--on-resolved",
            "resolve",
            "--flap-window",
            "10m",
            "--group-by",
            "cluster",
            "--map",
            "warning=P2/SEV3",
        ])
        .ok();
    assert!(
        set.stdout.contains("on resolved:   resolve"),
        "{}",
        set.stdout
    );
    assert!(set.stdout.contains("flap window:   600s"));
    assert!(set.stdout.contains("warning=P2/SEV3"));
    let bad = cli.run(&["service", "set", "storage", "--on-resolved", "close"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("use leave, monitoring or resolve"),
        "{}",
        bad.stderr
    );
    let bad = cli.run(&["service", "set", "storage", "--flap-window", "soon"]);
    assert_eq!(bad.code, 2);

    let silenced = cli
        .run(&[
            "silence",
            "add",
            "--service",
            "storage",
            "--match",
            "host=~db0[12]",
            "--for",
            "2h",
            "--comment",
            "CHG-42",
        ])
        .ok();
    assert!(
        silenced.stdout.starts_with("silence 1 active until"),
        "{}",
        silenced.stdout
    );
    let refused = cli.run(&["silence", "add", "--for", "1h", "--comment", "x"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("needs a service"),
        "{}",
        refused.stderr
    );

    let key = cli
        .run(&["integration", "add", "storage", "--kind", "webhook"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let alerts = r#"{"alerts": [
        {"key": "disk-db01", "summary": "Disk full on db01", "severity": "warning", "labels": {"host": "db01", "cluster": "prod"}},
        {"key": "disk-db03", "summary": "Disk full on db03", "severity": "warning", "labels": {"host": "db03", "cluster": "prod"}}]}"#;
    assert_eq!(send(&cli, &key, alerts), 200);
    let listed = cli.run(&["service", "alerts", "storage", "--firing"]).ok();
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", listed.stdout);
    assert!(listed.stdout.contains("silenced (1)"));
    assert!(listed.stdout.contains("INC-1"));
    let incident = cli.run(&["--json", "show", "INC-1"]).ok().json();
    assert_eq!(incident["priority"], "P2");

    let list = cli.run(&["silence", "list", "--state", "active"]).ok();
    assert!(list.stdout.contains("host=~\"db0[12]\"") && list.stdout.contains("CHG-42"));
    assert_eq!(
        cli.run(&["silence", "expire", "1"]).ok().stdout.trim(),
        "silence 1 ended"
    );
    let again = cli.run(&["silence", "expire", "1"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already ended"));
}
