//! Schedules, overrides and `triage oncall` from the command line, with the real binary.

use crate::harness::Cli;

#[test]
fn who_is_on_call_from_the_command_line() {
    let cli = Cli::start();
    for email in ["ann@example.com", "bob@example.com", "cy@example.com"] {
        cli.run(&["user", "add", email, "--role", "responder"]).ok();
    }
    let created = cli
        .run(&[
            "schedule",
            "add",
            "primary",
            "--time-zone",
            "Europe/Berlin",
            "--users",
            "ann@example.com,bob@example.com",
            "--shift",
            "1w",
            "--start",
            "2026-11-16T09:00",
        ])
        .ok();
    assert_eq!(created.stdout.trim(), "schedule primary created");
    // A second schedule from a file with two layers.
    let file = cli.dir.path().join("support.json");
    std::fs::write(
        &file,
        r#"{"time_zone": "America/New_York", "layers": [
            {"users": ["cy@example.com"], "shift": "1d", "start": "2026-11-01T08:00"},
            {"name": "days", "users": ["bob@example.com"], "shift": "1w", "start": "2026-11-02T00:00",
             "restrictions": ["mon-fri 09:00-17:00"]}]}"#,
    )
    .unwrap();
    cli.run(&[
        "schedule",
        "add",
        "support",
        "--file",
        file.to_str().unwrap(),
    ])
    .ok();

    // The test clock: Sunday 2026-11-22 10:00 UTC.
    let now = cli.run(&["oncall"]).ok();
    let lines: Vec<&str> = now.stdout.lines().collect();
    assert!(lines[0].starts_with("SCHEDULE"), "{}", now.stdout);
    assert!(lines[1].starts_with("primary"), "{}", now.stdout);
    assert!(lines[1].contains("ann@example.com"), "{}", now.stdout);
    assert!(
        lines[1].contains("2026-11-23 08:00:00 UTC"),
        "{}",
        now.stdout
    );
    assert!(lines[2].contains("cy@example.com"), "{}", now.stdout);

    let covered = cli
        .run(&[
            "override",
            "add",
            "primary",
            "--user",
            "cy@example.com",
            "--start",
            "2026-11-23T07:00:00Z",
            "--for",
            "4h",
        ])
        .ok();
    assert!(
        covered
            .stdout
            .contains("cy@example.com covers primary from 2026-11-23 07:00:00 UTC"),
        "{}",
        covered.stdout
    );
    let at = cli
        .run(&["oncall", "primary", "--at", "2026-11-23T08:30:00Z"])
        .ok();
    assert!(
        at.stdout.contains("cy@example.com  override"),
        "{}",
        at.stdout
    );
    let json = cli
        .run(&[
            "--json",
            "oncall",
            "primary",
            "--at",
            "2026-11-23T12:00:00Z",
        ])
        .ok()
        .json();
    assert_eq!(json["on_call"]["user"], "bob@example.com");

    // Shown in the schedule's own time zone: the hand-off at 09:00 CET.
    let shown = cli
        .run(&["schedule", "show", "primary", "--days", "2"])
        .ok();
    assert!(
        shown
            .stdout
            .contains("Layer 1: ann@example.com, bob@example.com in turn, 1w each"),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains(
            "Mon 2026-11-23 08:00 CET  Mon 2026-11-23 12:00 CET  cy@example.com   override"
        ),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains(
            "Mon 2026-11-23 12:00 CET  Tue 2026-11-24 11:00 CET  bob@example.com  Layer 1"
        ),
        "{}",
        shown.stdout
    );

    let bad = cli.run(&[
        "schedule",
        "add",
        "broken",
        "--time-zone",
        "Europe/Atlantis",
        "--users",
        "ann@example.com",
        "--shift",
        "1w",
        "--start",
        "2026-11-16T09:00",
    ]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("time zone 'Europe/Atlantis' is unknown"),
        "{}",
        bad.stderr
    );
    let missing = cli.run(&["schedule", "add", "broken", "--time-zone", "UTC"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("give --shift"),
        "{}",
        missing.stderr
    );

    // An escalation policy through the primary schedule, then a person; a service uses it.
    let policy = cli.dir.path().join("policy.json");
    std::fs::write(
        &policy,
        r#"{"repeat": 1, "levels": [
            {"targets": [{"schedule": "primary"}], "delay": "5m"},
            {"targets": [{"user": "cy@example.com"}], "delay": "1h"}]}"#,
    )
    .unwrap();
    let added = cli
        .run(&[
            "escalation",
            "add",
            "storage",
            "--file",
            policy.to_str().unwrap(),
        ])
        .ok();
    assert!(
        added
            .stdout
            .contains("1. page on call in primary; after 5m without an acknowledgement, go on"),
        "{}",
        added.stdout
    );
    cli.run(&["service", "add", "storage"]).ok();
    let set = cli
        .run(&[
            "service",
            "set",
            "storage",
            "--escalation-policy",
            "storage",
            "--paging",
            "P1",
        ])
        .ok();
    assert!(
        set.stdout.contains("escalation:    storage"),
        "{}",
        set.stdout
    );
    assert!(set.stdout.contains("pages for:     P1"), "{}", set.stdout);
    let shown = cli.run(&["escalation", "show", "storage"]).ok();
    assert!(
        shown.stdout.contains("used by: storage"),
        "{}",
        shown.stdout
    );
    let refused = cli.run(&["schedule", "delete", "primary"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("used by escalation policy storage"),
        "{}",
        refused.stderr
    );

    cli.run(&["schedule", "delete", "support"]).ok();
    let listed = cli.run(&["schedule", "list"]).ok();
    assert!(!listed.stdout.contains("support"), "{}", listed.stdout);
}
