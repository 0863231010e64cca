//! DESIGN.md's command block, verbatim, and what goes wrong when it should.

use std::sync::Arc;

use triage_core::Priority;
use triage_core::clock::ManualClock;
use triage_core::incident::DetectionSource;
use triage_store::{NewIncident, Store, StoreOptions};

use crate::harness::Cli;

/// Fills the database up to INC-789 so that the runbook's keys exist.
fn seed_up_to_789(cli: &Cli) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Store::open(cli.db.to_str().unwrap(), StoreOptions::default())
            .await
            .unwrap();
        let actor = store.authenticate(&cli.token).await.unwrap().unwrap();
        // The server's own (test) time: P1 incidents seeded earlier would be past their
        // response time, and the engine would record breaches while the runbook runs.
        let clock = Arc::new(ManualClock::new("2026-11-22T10:00:00Z".parse().unwrap()));
        let now = triage_core::clock::Clock::now(&*clock);
        let new = |summary: &str| NewIncident {
            summary: summary.to_string(),
            description: String::new(),
            priority: Some(Priority::P1),
            severity: None,
            assignee: None,
            services: vec![],
            labels: vec![],
            detection_source: DetectionSource::Monitoring,
            detected_at: None,
        };
        // Fillers concurrently (keys in any order among them), the two named ones alone.
        for (fillers, named) in [
            (455, "Database connection pool exhausted"),
            (332, "Disk usage alert on db-7"),
        ] {
            let mut tasks = Vec::new();
            for _ in 0..fillers {
                let (store, actor, new) = (store.clone(), actor.clone(), new("Older incident"));
                tasks.push(tokio::spawn(async move {
                    store.create_incident(new, &actor, now).await.unwrap()
                }));
            }
            for task in tasks {
                task.await.unwrap();
            }
            store
                .create_incident(new(named), &actor, now)
                .await
                .unwrap();
        }
        store.close().await;
    });
}

#[test]
fn the_design_runbook_works_verbatim() {
    let cli = Cli::start();
    seed_up_to_789(&cli);
    cli.run(&[
        "user",
        "add",
        "oncall@example.com",
        "--name",
        "On Call",
        "--group",
        "sre",
    ])
    .ok();

    let script: &[(&[&str], &str)] = &[
        (
            &["transition", "INC-456", "--name", "Investigating"],
            "INC-456: Open → Investigating",
        ),
        (
            &["assign", "INC-456", "--user", "oncall@example.com"],
            "INC-456: assigned to On Call <oncall@example.com>",
        ),
        (
            &[
                "transition",
                "INC-456",
                "--name",
                "In Progress",
                "--comment",
                "Root cause identified: Database connection pool exhausted",
            ],
            "INC-456: Investigating → In Progress",
        ),
        (
            &[
                "transition",
                "INC-456",
                "--name",
                "Monitoring",
                "--comment",
                "Fix deployed, monitoring for 24 hours",
            ],
            "INC-456: In Progress → Monitoring",
        ),
        (
            &[
                "resolve",
                "INC-456",
                "--resolution",
                "Fixed",
                "--comment",
                "Incident resolved. No recurrence in 24h.",
            ],
            "INC-456: Monitoring → Resolved",
        ),
        (
            &[
                "transition",
                "INC-789",
                "--name",
                "False Alarm",
                "--comment",
                "Alert triggered by scheduled maintenance",
            ],
            "INC-789: Open → False Alarm",
        ),
    ];
    for (args, expected) in script {
        let run = cli.run(args).ok();
        assert_eq!(run.stdout.trim(), *expected);
    }

    let incident = cli.run(&["show", "INC-456", "--json"]).ok().json();
    assert_eq!(incident["status"], "Resolved");
    assert_eq!(incident["resolution"], "Fixed");
    assert_eq!(incident["assignee"]["email"], "oncall@example.com");
    let shown = cli.run(&["show", "INC-456"]).ok().stdout;
    assert!(shown.contains("Status:      Resolved (Done)"), "{shown}");
    assert!(shown.contains("Priority:    Critical (P1)"), "{shown}");

    let timeline = cli.run(&["timeline", "INC-456"]).ok().stdout;
    let lines: Vec<&str> = timeline.lines().map(|l| &l[25..]).collect();
    assert_eq!(
        lines,
        vec![
            "Ada Admin created the incident (Open): Database connection pool exhausted",
            "Ada Admin moved Open → Investigating",
            "Ada Admin assigned the incident to oncall@example.com",
            "Ada Admin moved Investigating → In Progress: Root cause identified: Database connection pool exhausted",
            "Ada Admin moved In Progress → Monitoring: Fix deployed, monitoring for 24 hours",
            "Ada Admin moved Monitoring → Resolved (resolution: Fixed): Incident resolved. No recurrence in 24h.",
        ]
    );
    let false_alarm = cli.run(&["show", "INC-789", "--json"]).ok().json();
    assert_eq!(false_alarm["status"], "False Alarm");

    // The post-mortem, as DESIGN.md's last line has it: drafted from the timeline into a
    // file, edited, pushed back, published; then the incident closes.
    let refused = cli.run(&["transition", "INC-456", "--name", "Closed"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("needs a published post-mortem"),
        "{}",
        refused.stderr
    );
    let created = cli.run(&["postmortem", "INC-456"]).ok();
    assert_eq!(
        created.stdout.trim(),
        "Created incident-INC-456-post-mortem.md"
    );
    let file = cli.dir.path().join("incident-INC-456-post-mortem.md");
    let text = std::fs::read_to_string(&file).unwrap();
    crate::harness::check_snapshot("incident-INC-456-post-mortem.md", &text);
    let again = cli.run(&["postmortem", "INC-456"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("exists: push your edits"),
        "{}",
        again.stderr
    );
    std::fs::write(
        &file,
        text.replace(
            "### What went well\n",
            "### What went well\n\nThe on-call engineer had it within minutes.\n",
        ),
    )
    .unwrap();
    let pushed = cli
        .run(&[
            "postmortem",
            "push",
            "INC-456",
            "incident-INC-456-post-mortem.md",
        ])
        .ok();
    assert_eq!(
        pushed.stdout.trim(),
        "INC-456: post-mortem saved (revision 1, Draft, version 2)"
    );
    let printed = cli.run(&["postmortem", "INC-456", "--stdout"]).ok().stdout;
    assert!(printed.contains("The on-call engineer had it within minutes."));
    let published = cli.run(&["postmortem", "publish", "INC-456"]).ok();
    assert_eq!(
        published.stdout.trim(),
        "INC-456: post-mortem Published (revision 1)"
    );
    let closed = cli.run(&["transition", "INC-456", "--name", "Closed"]).ok();
    assert_eq!(closed.stdout.trim(), "INC-456: Resolved → Closed");
    std::fs::write(&file, "# Notes\n").unwrap();
    let bad = cli.run(&[
        "postmortem",
        "push",
        "INC-456",
        "incident-INC-456-post-mortem.md",
    ]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr.trim(),
        "error: incident-INC-456-post-mortem.md: line 1: the first line must be `# Post-mortem: KEY title`"
    );
}

#[test]
fn refusals_exit_1_with_the_servers_message_and_usage_errors_exit_2() {
    let cli = Cli::start();
    let key = cli
        .run(&[
            "create",
            "--summary",
            "Checkout errors",
            "--service",
            "checkout",
        ])
        .ok()
        .stdout
        .trim()
        .to_string();
    assert_eq!(key, "INC-1");

    let refused = cli.run(&["transition", &key, "--name", "Investigating"]);
    assert_eq!(refused.code, 1);
    assert_eq!(
        refused.stderr.trim(),
        "error: cannot move to Investigating: needs a priority (available: Investigating, False Alarm)"
    );
    assert_eq!(refused.stdout, "");
    let unchanged = cli.run(&["show", &key, "--json"]).ok().json();
    assert_eq!(unchanged["status"], "Open");
    assert_eq!(unchanged["version"], 1);

    let unknown = cli.run(&["transition", &key, "--name", "Done-ish"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown
            .stderr
            .contains("available: Investigating, False Alarm"),
        "{}",
        unknown.stderr
    );

    let missing = cli.run(&["show", "INC-404"]);
    assert_eq!(missing.code, 1);
    assert_eq!(missing.stderr.trim(), "error: no incident INC-404");

    let bad_priority = cli.run(&["update", &key, "--priority", "P9"]);
    assert_eq!(bad_priority.code, 2);
    assert!(
        bad_priority.stderr.contains("use P1, P2, P3 or P4"),
        "{}",
        bad_priority.stderr
    );
    assert_eq!(cli.run(&["transition", &key]).code, 2);
    assert_eq!(cli.run(&["update", &key]).code, 2);
    assert_eq!(cli.run(&["frobnicate"]).code, 2);

    let no_token = crate::harness::command(cli.dir.path())
        .env("TRIAGE_URL", cli.server.url())
        .args(["list"])
        .output()
        .unwrap();
    assert_eq!(no_token.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("no token: set TRIAGE_TOKEN"));

    let unreachable = cli.run_as(&cli.token, &["--url", "http://127.0.0.1:9", "list"]);
    assert_eq!(unreachable.code, 1);
    assert!(
        unreachable
            .stderr
            .contains("cannot reach Triage at http://127.0.0.1:9")
    );

    // Updating and linking through the CLI.
    cli.run(&["update", &key, "--priority", "high", "--severity", "sev2"])
        .ok();
    cli.run(&["transition", &key, "--name", "investigating"])
        .ok();
    cli.run(&[
        "create",
        "--summary",
        "Payment provider down",
        "--priority",
        "P1",
    ])
    .ok();
    let linked = cli
        .run(&["link", &key, "--to", "INC-2", "--type", "is caused by"])
        .ok();
    assert_eq!(linked.stdout.trim(), "INC-1 is caused by INC-2 (link 1)");
    let shown = cli.run(&["show", "INC-2"]).ok().stdout;
    assert!(
        shown.contains("[1] causes INC-1  Checkout errors (Investigating)"),
        "{shown}"
    );
    let listed = cli.run(&["list", "--priority", "P1"]).ok().stdout;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.lines().nth(1).unwrap().starts_with("INC-2  Open"),
        "{listed}"
    );
    let transitions = cli.run(&["transitions", &key]).ok().stdout;
    assert!(
        transitions.contains("In Progress → In Progress"),
        "{transitions}"
    );
    cli.run(&["unlink", &key, "1"]).ok();
    assert_eq!(
        cli.run(&["show", &key, "--json"]).ok().json()["links"],
        serde_json::json!([])
    );
}
