//! `triage report` from the real binary: the table people read, the CSV rows a
//! spreadsheet takes and the API's JSON, over incidents made with the CLI; a window
//! that cannot be read exits as a refusal. `triage review` prints an incident's
//! checklist.

use crate::harness::{Cli, check_snapshot};

#[test]
fn the_report_as_a_table_csv_and_json() {
    let cli = Cli::start();
    // The clock stands at 10:00: each incident started earlier, as detected_at says.
    for (summary, priority, service, detected) in [
        ("Checkout down", "P1", "checkout", "2026-11-22T09:50:00Z"),
        ("Search slow", "P3", "search", "2026-11-22T09:58:00Z"),
        ("Checkout errors", "P2", "checkout", "2026-11-22T09:00:00Z"),
    ] {
        cli.run(&[
            "create",
            "--summary",
            summary,
            "--priority",
            priority,
            "--severity",
            "SEV2",
            "--service",
            service,
            "--detected-at",
            detected,
        ])
        .ok();
    }
    cli.run(&["ack", "INC-1"]).ok();
    cli.run(&["ack", "INC-3"]).ok();
    cli.run(&["transition", "INC-2", "--name", "False Alarm"])
        .ok();
    let table = cli.run(&["report", "--since", "1d"]).ok();
    check_snapshot("report.txt", &table.stdout);
    let csv = cli
        .run(&[
            "report",
            "--since",
            "1d",
            "--format",
            "csv",
            "--service",
            "checkout",
        ])
        .ok();
    check_snapshot("report-checkout.csv", &csv.stdout);
    let json = cli
        .run(&["report", "--since", "1d", "--format", "json"])
        .ok();
    let report = json.json();
    assert_eq!(report["incidents"], 3);
    // MTTA: 10 minutes (INC-1) and an hour (INC-3).
    assert_eq!(report["mtta"]["mean_seconds"], 2100);
    let review = cli.run(&["review", "INC-1"]).ok();
    assert_eq!(
        review.stdout.lines().take(3).collect::<Vec<_>>(),
        [
            "INC-1 review: 2 of 5 met",
            "  ✓ Detection      Reported by a user at 2026-11-22 09:50 UTC",
            "  ✓ Response       Acknowledged at 2026-11-22 10:00 UTC, 10m after detection, within P1's 15m",
        ]
    );
    let refused = cli.run(&["report", "--since", "last week"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("since 'last week' is not allowed"),
        "{}",
        refused.stderr
    );
}
