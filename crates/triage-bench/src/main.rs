//! `triage-bench`: starts a real `triage serve` on a fresh SQLite file, drives it over
//! loopback and prints a Markdown report: create and transition throughput with p50/p99,
//! p99 at a fixed request rate, list/filter latency over a large database, server memory.
//!
//! ```text
//! cargo build --release -p triage -p triage-bench
//! target/release/triage-bench
//! ```

mod alerts;
mod console;
mod jira;
mod load;
mod paging;
mod postmortem;
mod report;
mod server;
mod stats;
mod status_page;

use std::time::Duration;

use clap::Parser;
use serde_json::json;

use crate::load::{Client, closed_loop, open_loop};
use crate::server::Server;
use crate::stats::Stats;
use triage_testdb::Backend;

#[derive(Parser)]
#[command(about = "Benchmark a real triage server over loopback")]
struct Args {
    /// The `triage` binary; by default the one next to this program.
    #[arg(long)]
    triage: Option<String>,
    /// Concurrent clients for the throughput runs.
    #[arg(long, default_value_t = 32)]
    workers: usize,
    /// Seconds each throughput run lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Requests per second of the fixed-rate run.
    #[arg(long, default_value_t = 1000)]
    rate: u64,
    /// Incidents in the database for the list/filter run.
    #[arg(long, default_value_t = 100_000)]
    incidents: usize,
    /// Requests per list query measured.
    #[arg(long, default_value_t = 300)]
    list_samples: usize,
    /// Run on a fresh PostgreSQL database (on the server `TRIAGE_TEST_POSTGRES` names,
    /// postgres://postgres@127.0.0.1:5432/postgres by default) instead of SQLite.
    #[arg(long)]
    postgres: bool,
    /// Measure only the web console's pages (on a fresh database).
    #[arg(long)]
    console: bool,
    /// Measure alert intake side by side with a real Alertmanager instead.
    #[arg(long)]
    alerts: bool,
    /// The Alertmanager binary for `--alerts`.
    #[arg(long, default_value = triage_testdb::alertmanager::ALERTMANAGER)]
    alertmanager: String,
    /// Rounds of `--alerts` (each runs Alertmanager, then Triage).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Active alerts for the memory comparison of `--alerts`.
    #[arg(long, default_value_t = 100_000)]
    active: usize,
    /// Measure paging instead: incident or alert to page at a webhook receiver, beside
    /// Alertmanager's alert-to-webhook time, and many escalations sharing a deadline.
    #[arg(long)]
    paging: bool,
    /// Pages measured per `--paging` run.
    #[arg(long, default_value_t = 1000)]
    pages: usize,
    /// Escalations sharing one deadline in `--paging`.
    #[arg(long, default_value_t = 10_000)]
    escalations: usize,
    /// Their level-1 wait in seconds.
    #[arg(long, default_value_t = 30)]
    escalation_delay: u64,
    /// Measure the Jira-compatible API beside /api/v1 instead, over `--incidents`
    /// incidents.
    #[arg(long)]
    jira: bool,
    /// Measure the public status page instead: /status and summary.json under a crowd,
    /// beside the health route, over `--rounds` rounds.
    #[arg(long)]
    status_page: bool,
    /// Measure post-mortem generation instead: drafting and rendering the post-mortems
    /// of `--postmortems` incidents of `--events` timeline events each.
    #[arg(long)]
    postmortem: bool,
    /// Incidents of the post-mortem run.
    #[arg(long, default_value_t = 5)]
    postmortems: usize,
    /// Timeline events per incident of the post-mortem run (besides its creation).
    #[arg(long, default_value_t = 9_999)]
    events: usize,
    /// Measure the response report instead, over `--history` incidents with their
    /// timelines seeded in bulk.
    #[arg(long)]
    report: bool,
    /// Incidents of the report run.
    #[arg(long, default_value_t = 1_000_000)]
    history: usize,
}

fn main() {
    let args = Args::parse();
    let triage = args.triage.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().expect("own path");
        exe.with_file_name("triage").display().to_string()
    });
    let backend = if args.postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    if args.paging {
        let settings = paging::Settings {
            alertmanager: args.alertmanager.clone(),
            pages: args.pages,
            escalations: args.escalations,
            delay: args.escalation_delay,
            workers: args.workers.min(8),
        };
        paging::run(&triage, backend, &settings);
        return;
    }
    if args.alerts {
        let settings = alerts::Settings {
            alertmanager: args.alertmanager.clone(),
            workers: args.workers,
            seconds: args.seconds,
            rounds: args.rounds,
            active: args.active,
            rate: args.rate,
        };
        alerts::run(&triage, backend, &settings);
        return;
    }
    if args.report {
        println!("# triage-bench --report ({backend:?})\n");
        let server = Server::start_seeded(&triage, backend, |url| {
            report::seed_history(url, backend, args.history);
        });
        report::run(&triage, &server);
        return;
    }
    let server = Server::start(&triage, backend);
    if args.console {
        println!("# triage-bench --console ({backend:?})");
        console::run(&server, args.list_samples);
        return;
    }
    let client = Client::new(&server.url, &server.token);
    client.post(
        "/api/v1/users",
        json!({ "email": "oncall@example.com", "role": "responder", "groups": ["sre"] }),
    );
    if args.jira {
        println!("# triage-bench --jira ({backend:?})");
        let seed = load::fill(&server, args.workers, args.incidents, |client, n| {
            client.create(&incident_body(n))
        });
        assert_eq!(seed.errors, 0, "seeding incidents");
        jira::run(&server, args.incidents, args.list_samples);
        return;
    }
    if args.postmortem {
        println!("# triage-bench --postmortem ({backend:?})\n");
        let settings = postmortem::Settings {
            incidents: args.postmortems,
            events: args.events,
        };
        postmortem::run(&server, &settings);
        return;
    }
    if args.status_page {
        println!("# triage-bench --status-page ({backend:?})\n");
        let settings = status_page::Settings {
            workers: args.workers,
            seconds: args.seconds,
            rounds: args.rounds,
        };
        status_page::run(&server, &settings);
        return;
    }
    let run = Duration::from_secs(args.seconds);

    println!("# triage-bench\n");
    println!(
        "{backend:?}, workers {}, {} s per run, fixed rate {} req/s, {} incidents for listing\n",
        args.workers, args.seconds, args.rate, args.incidents
    );
    println!("| run | requests | errors | throughput (req/s) | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|---|---|---|");

    let creates = closed_loop(&server, args.workers, run, |client, worker, n| {
        client.create(&incident_body(worker * 1_000_000 + n))
    });
    row("create incident", &creates);

    // Each worker moves its own incident In Progress ⇄ Monitoring.
    let keys: Vec<String> = (0..args.workers)
        .map(|n| prepare_in_progress(&client, n))
        .collect();
    let transitions = closed_loop(&server, args.workers, run, |client, worker, n| {
        let name = if n.is_multiple_of(2) {
            "Monitoring"
        } else {
            "In Progress"
        };
        client.transition(&keys[worker], name)
    });
    row("transition", &transitions);
    // Each incident is back In Progress (it is, or this moves it there).
    for key in &keys {
        let _ = client.transition(key, "In Progress");
    }

    let fixed = open_loop(
        &server,
        args.workers,
        run,
        args.rate,
        |client, worker, n| {
            let name = if n.is_multiple_of(2) {
                "Monitoring"
            } else {
                "In Progress"
            };
            client.transition(&keys[worker % keys.len()], name)
        },
    );
    row(&format!("transition at {} req/s", args.rate), &fixed);

    let existing = creates.count + args.workers;
    let missing = args.incidents.saturating_sub(existing);
    let seed = load::fill(&server, args.workers, missing, |client, n| {
        client.create(&incident_body(10_000_000 + n))
    });
    row(&format!("seed {missing} incidents (create)"), &seed);

    println!(
        "\n## List and filter over {} incidents\n",
        args.incidents.max(existing)
    );
    println!("| query | p50 (ms) | p95 (ms) | p99 (ms) |");
    println!("|---|---|---|---|");
    let middle = args.incidents / 2;
    let queries = [
        ("newest 50", "limit=50".to_string()),
        (
            "status=Investigating",
            "status=Investigating&limit=50".to_string(),
        ),
        (
            "category=todo&priority=P1",
            "category=todo&priority=P1&limit=50".to_string(),
        ),
        ("service=svc-7", "service=svc-7&limit=50".to_string()),
        (
            "assignee=none, by priority",
            "assignee=none&sort=priority&limit=50".to_string(),
        ),
        (
            "label=customer-facing",
            "label=customer-facing&limit=50".to_string(),
        ),
        (
            "page in the middle (cursor)",
            format!("sort=key&limit=50&cursor={middle}.{middle}"),
        ),
        (
            "text q=checkout (common)",
            "q=checkout&limit=50".to_string(),
        ),
        (
            "text q=#10012345 (one match)",
            "q=%2310012345&limit=50".to_string(),
        ),
        (
            "text q=no-such-words (no match)",
            "q=no-such-words&limit=50".to_string(),
        ),
    ];
    for (name, query) in queries {
        let stats = load::sequential(
            &client,
            args.list_samples,
            &format!("/api/v1/incidents?{query}"),
        );
        println!(
            "| `{name}` | {:.2} | {:.2} | {:.2} |",
            stats.percentile_ms(50.0),
            stats.percentile_ms(95.0),
            stats.percentile_ms(99.0)
        );
    }
    let memory = server.memory();
    println!(
        "\nserver memory: RSS {:.1} MiB now, peak {:.1} MiB",
        memory.rss_kib as f64 / 1024.0,
        memory.peak_kib as f64 / 1024.0
    );
}

fn row(name: &str, stats: &Stats) {
    println!(
        "| {name} | {} | {} | {:.0} | {:.2} | {:.2} |",
        stats.count,
        stats.errors,
        stats.throughput(),
        stats.percentile_ms(50.0),
        stats.percentile_ms(99.0)
    );
}

/// A varied incident: 20 services, four priorities, some labels, words to search.
fn incident_body(n: usize) -> serde_json::Value {
    let words = ["database", "latency", "checkout", "queue", "certificate"];
    let priority = ["P1", "P2", "P3", "P4"][n % 4];
    let severity = ["SEV1", "SEV2", "SEV3", "SEV4"][(n / 4) % 4];
    let mut body = json!({
        "summary": format!("{} trouble #{n}", words[n % words.len()]),
        "description": "load generated",
        "priority": priority,
        "severity": severity,
        "services": [format!("svc-{}", n % 20)],
        "labels": if n.is_multiple_of(10) { json!(["customer-facing"]) } else { json!([]) },
        "detection_source": if n.is_multiple_of(3) { "user_report" } else { "monitoring" },
    });
    if n.is_multiple_of(2) {
        body["assignee"] = json!("oncall@example.com");
    }
    body
}

fn prepare_in_progress(client: &Client, n: usize) -> String {
    let key = client.create_key(&incident_body(n));
    for name in ["Investigating", "In Progress"] {
        client
            .transition(&key, name)
            .expect("preparing a transition");
    }
    key
}
