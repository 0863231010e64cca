//! Stakeholder updates from the real binary: `triage stakeholder add/list/remove`, and
//! `triage update KEY --message … --next 15m` posting an update that a real webhook
//! receiver gets; its flags are refused where they make no sense.

use serde_json::Value;
use triage_testdb::receiver::Receiver;

use crate::harness::Cli;

#[test]
fn a_commander_updates_stakeholders_from_the_command_line() {
    let cli = Cli::start();
    let receiver = Receiver::start();
    cli.run(&[
        "create",
        "--summary",
        "Checkout down",
        "--priority",
        "P3",
        "--severity",
        "SEV1",
    ])
    .ok();
    cli.run(&["transition", "INC-1", "--name", "Investigating"])
        .ok();
    let hook = format!("{}/status", receiver.url);
    let added = cli
        .run(&["stakeholder", "add", "INC-1", "webhook", &hook])
        .ok();
    let host = receiver.url.trim_start_matches("http://");
    assert_eq!(
        added.stdout.trim(),
        format!("INC-1: webhook {host} added as stakeholder 1")
    );
    cli.run(&["stakeholder", "add", "inc-1", "email", "cto@example.com"])
        .ok();
    let listed = cli.run(&["stakeholder", "list", "INC-1"]).ok();
    assert_eq!(
        listed.stdout,
        format!("   1  webhook {host}\n   2  email cto@example.com\n")
    );
    cli.run(&["stakeholder", "remove", "INC-1", "2"]).ok();

    let posted = cli
        .run(&[
            "update",
            "INC-1",
            "--message",
            "Rolling back the 10:05 deploy",
            "--impact",
            "Checkout fails for a third of users",
            "--next",
            "15m",
        ])
        .ok();
    assert_eq!(
        posted.stdout,
        format!(
            "INC-1: update 1 sent to webhook {host}\nnext update due by 2026-11-22 10:15 UTC\n"
        )
    );
    let received = &receiver.wait_for(1)[0];
    assert_eq!(received.path, "/status");
    let body: Value = serde_json::from_str(&received.body).unwrap();
    assert_eq!(body["event"], "incident.stakeholder_update");
    assert_eq!(body["update"]["message"], "Rolling back the 10:05 deploy");
    assert_eq!(
        body["update"]["impact"],
        "Checkout fails for a third of users"
    );

    // Fields and an update together: the change first, then the update.
    let both = cli
        .run(&[
            "update",
            "INC-1",
            "--severity",
            "SEV2",
            "--message",
            "Rolled back",
            "--json",
        ])
        .ok();
    assert_eq!(both.json()["message"], "Rolled back");
    let shown = cli.run(&["show", "INC-1", "--json"]).ok().json();
    assert_eq!(shown["severity"], "SEV2");
    assert_eq!(shown["update_cadence"]["kept"], 2);
    let shown = cli.run(&["show", "INC-1"]).ok().stdout;
    assert!(
        shown.contains("Next update: due by 2026-11-22 10:30:00 UTC\n"),
        "{shown}"
    );
    assert!(
        shown.contains("Cadence:     kept 2 of 2 (100 %)\n"),
        "{shown}"
    );

    let refused = cli.run(&["update", "INC-1", "--message", "x", "--public"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("INC-1 has no open incident on the status page: publish it first"),
        "{}",
        refused.stderr
    );
    let usage = cli.run(&["update", "INC-1", "--next", "15m"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    let usage = cli.run(&["update", "INC-1"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    assert!(usage.stderr.contains("or post an update with --message"));
}
