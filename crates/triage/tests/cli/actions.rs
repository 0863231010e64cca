//! Action items from the real binary: added, listed (the incident's and the backlog),
//! updated, done, verified; usage and refusals exit as the CLI promises.

use crate::harness::Cli;

#[test]
fn action_items_from_the_command_line() {
    let cli = Cli::start();
    cli.run(&["create", "--summary", "Pool exhausted", "--priority", "P2"])
        .ok();
    cli.run(&["user", "add", "ann@example.com", "--name", "Ann"])
        .ok();
    let added = cli
        .run(&[
            "action",
            "add",
            "INC-1",
            "--title",
            "Alert on pool usage",
            "--kind",
            "monitoring",
            "--owner",
            "ann@example.com",
            "--due",
            "2026-11-21",
        ])
        .ok();
    assert_eq!(
        added.stdout.trim(),
        "#1 [Open] monitoring Alert on pool usage (ann@example.com, due 2026-11-21, OVERDUE) INC-1"
    );
    cli.run(&["action", "add", "INC-1", "--title", "Raise the pool"])
        .ok();
    let listed = cli.run(&["action", "list", "--overdue"]).ok();
    assert_eq!(listed.stdout.lines().count(), 1, "{}", listed.stdout);
    let listed = cli.run(&["action", "list", "INC-1"]).ok();
    assert_eq!(listed.stdout.lines().count(), 2, "{}", listed.stdout);
    let updated = cli
        .run(&[
            "action",
            "update",
            "2",
            "--owner",
            "ann@example.com",
            "--due",
            "2026-12-01",
        ])
        .ok();
    assert_eq!(
        updated.stdout.trim(),
        "#2 [Open] fix Raise the pool (ann@example.com, due 2026-12-01) INC-1"
    );
    let refused = cli.run(&["action", "verify", "1", "--how", "game day"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("only a Done item is verified"),
        "{}",
        refused.stderr
    );
    cli.run(&["action", "done", "1"]).ok();
    let verified = cli
        .run(&[
            "action",
            "verify",
            "1",
            "--how",
            "The alert fired in the game day",
        ])
        .ok();
    assert_eq!(
        verified.stdout.trim(),
        "#1 [Done] monitoring Alert on pool usage (ann@example.com, due 2026-11-21, verified) INC-1"
    );
    let mine = cli
        .run(&[
            "action",
            "list",
            "--owner",
            "ann@example.com",
            "--status",
            "Open",
        ])
        .ok();
    assert_eq!(mine.stdout.lines().count(), 1, "{}", mine.stdout);
    let usage = cli.run(&["action", "update", "2"]);
    assert_eq!(usage.code, 2);
    let bad = cli.run(&["action", "add", "INC-1", "--title", "x", "--kind", "chore"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("action item kind 'chore' is not allowed")
    );
}
