//! The response report over a large history: `--history` incidents (1,000,000 by
//! default) spread evenly over the last 1,000 days, each with its timeline (created,
//! restored, closed), services, priorities, acknowledgements, false alarms and
//! recurrences, written straight into the server's database in bulk before it starts; then
//! `GET /api/v1/reports` (what `triage report` asks) timed one request at a time for
//! windows of 30 days (the default), a year and the whole history, and for one service,
//! beside the real `triage report` binary end to end. The first request over each window
//! is shown apart: it tallies the days no report kept yet.

use std::process::Command;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Executor};
use triage_testdb::Backend;

use crate::load::Client;
use crate::server::Server;

/// Days the seeded history spans.
const DAYS: i64 = 1000;
/// Rows per INSERT statement, and incidents per transaction.
const ROWS: usize = 500;
const BATCH: usize = 50_000;
/// Services the incidents are spread over.
const SERVICES: usize = 20;

fn micros(at: Timestamp) -> i64 {
    at.as_microsecond()
}

/// One seeded incident's rows: the incident, its service, its three events.
fn rows(n: usize, now: Timestamp, total: usize) -> (String, String, [String; 3]) {
    let id = n + 1000;
    let span = SignedDuration::from_hours(24 * DAYS);
    let back = SignedDuration::from_micros(
        (span.as_micros() * (total - n) as i128 / total as i128) as i64,
    );
    let created = now - back;
    let detected = created - SignedDuration::from_mins((n % 7) as i64);
    let priority = n % 4 + 1;
    let response = [15, 60, 240, 1440][priority - 1];
    let due = detected + SignedDuration::from_mins(response);
    let acknowledged = (!n.is_multiple_of(10))
        .then(|| detected + SignedDuration::from_mins((n * 13 % 40) as i64 + 1));
    let mitigated = detected + SignedDuration::from_mins(30 + (n % 60) as i64);
    let resolved = mitigated + SignedDuration::from_mins(60);
    let false_alarm = n.is_multiple_of(50);
    let (status, resolution) = if false_alarm {
        ("False Alarm", "NULL".to_string())
    } else {
        ("Closed", "'Fixed'".to_string())
    };
    let recurrence = if n % 33 == 1 && n > 1 {
        (id - 1).to_string()
    } else {
        "NULL".to_string()
    };
    let ack = acknowledged.map_or("NULL".to_string(), |a| micros(a).to_string());
    let incident = format!(
        "({id}, 'BEN-{n}', {n}, 'Seeded incident {n} on svc-{service}', '', '{status}', 'Done', \
         {priority}, {severity}, 'monitoring', {detected}, {resolution}, {created}, {resolved}, \
         {resolved}, 3, {ack}, {due}, {mitigated}, {recurrence}, {kept}, {missed})",
        service = n % SERVICES,
        severity = (n / 4) % 4 + 1,
        detected = micros(detected),
        created = micros(created),
        resolved = micros(resolved),
        due = micros(due),
        mitigated = micros(mitigated),
        kept = n % 3,
        missed = usize::from(n.is_multiple_of(5)),
    );
    let service = format!("({id}, 'svc-{}')", n % SERVICES);
    let event = |at: Timestamp, kind: &str, data: String| {
        format!("({id}, {}, '{kind}', '{data}')", micros(at))
    };
    let events = [
        event(
            created,
            "created",
            format!(
                "{{\"kind\":\"created\",\"summary\":\"Seeded incident {n}\",\"status\":\"Open\",\"detection_source\":\"monitoring\"}}"
            ),
        ),
        event(
            mitigated,
            "status_changed",
            "{\"kind\":\"status_changed\",\"transition\":\"Monitoring\",\"from\":\"In Progress\",\"to\":\"Monitoring\"}".to_string(),
        ),
        event(
            resolved,
            "status_changed",
            format!("{{\"kind\":\"status_changed\",\"transition\":\"{status}\",\"from\":\"Monitoring\",\"to\":\"{status}\"}}"),
        ),
    ];
    (incident, service, events)
}

async fn seed(url: &str, backend: Backend, total: usize, now: Timestamp) {
    sqlx::any::install_default_drivers();
    let mut connection = AnyConnection::connect(url).await.expect("the database");
    let mut n = 0;
    while n < total {
        let end = (n + BATCH).min(total);
        let mut transaction = connection.begin().await.expect("a transaction");
        for chunk in (n..end).collect::<Vec<_>>().chunks(ROWS) {
            let mut incidents = Vec::with_capacity(ROWS);
            let mut services = Vec::with_capacity(ROWS);
            let mut events = Vec::with_capacity(ROWS * 3);
            for &i in chunk {
                let (incident, service, three) = rows(i, now, total);
                incidents.push(incident);
                services.push(service);
                events.extend(three);
            }
            let statements = [
                format!(
                    "INSERT INTO incidents (id, key, number, summary, description, status, \
                     status_category, priority, severity, detection_source, detected_at, \
                     resolution, created_at, updated_at, resolved_at, version, acknowledged_at, \
                     response_due_at, mitigated_at, recurrence_of, updates_kept, updates_missed) \
                     VALUES {}",
                    incidents.join(",")
                ),
                format!(
                    "INSERT INTO incident_services (incident_id, service) VALUES {}",
                    services.join(",")
                ),
                format!(
                    "INSERT INTO events (incident_id, at, kind, data) VALUES {}",
                    events.join(",")
                ),
            ];
            for sql in statements {
                transaction
                    .execute(AssertSqlSafe(sql))
                    .await
                    .expect("seeding");
            }
        }
        transaction.commit().await.expect("a commit");
        n = end;
    }
    if backend == Backend::Sqlite {
        // The search index is not what is measured: the seeded rows are left out of it
        // so that indexing a million incidents does not run beside the measurement.
        connection
            .execute("DELETE FROM search_queue")
            .await
            .expect("the search queue");
    }
    connection.execute("ANALYZE").await.expect("ANALYZE");
    connection.close().await.expect("closing");
}

fn median_ms(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1000.0
}

fn max_ms(samples: &[Duration]) -> f64 {
    samples
        .iter()
        .max()
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Writes `total` incidents ending now into the database at `url`, before the server
/// starts: its reports are then timed in its first minute, before its background keeper
/// of day tallies first runs (`triage-server/src/tallies.rs`).
pub fn seed_history(url: &str, backend: Backend, total: usize) {
    // The history ends at the wall clock the server will run on.
    #[allow(clippy::disallowed_methods)]
    let now = Timestamp::now();
    let seeding = Instant::now();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(seed(url, backend, total, now));
    println!(
        "{total} incidents over {DAYS} days with 3 timeline events each, on {SERVICES} services, \
         seeded in {:.0} s\n",
        seeding.elapsed().as_secs_f64()
    );
}

pub fn run(triage: &str, server: &Server) {
    let client = Client::new(&server.url, &server.token);
    // The first request over a window tallies the days no report has kept yet and keeps
    // them; the ones after read the kept days (and the day still in progress).
    println!(
        "| report | incidents in it | first (ms) | samples after it | median (ms) | max (ms) |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, query, samples) in [
        ("30 days (the default)", "since=30d", 15),
        ("30 days, one service", "since=30d&service=svc-3", 15),
        ("365 days", "since=365d", 7),
        ("the whole history", "since=1001d", 5),
    ] {
        let path = format!("/api/v1/reports?{query}");
        let mut times = Vec::new();
        let mut counted = 0;
        for _ in 0..=samples {
            let started = Instant::now();
            let (status, body) = client.get_text(&path);
            times.push(started.elapsed());
            assert_eq!(status, 200, "{body}");
            let report: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            counted = report["incidents"].as_u64().unwrap_or(0);
        }
        let first = times.remove(0);
        println!(
            "| GET /api/v1/reports?{query} — {label} | {counted} | {:.0} | {samples} | {:.0} | {:.0} |",
            first.as_secs_f64() * 1000.0,
            median_ms(times.clone()),
            max_ms(&times)
        );
    }
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let output = Command::new(triage)
            .args(["report", "--since", "30d"])
            .env("TRIAGE_URL", &server.url)
            .env("TRIAGE_TOKEN", &server.token)
            .output()
            .expect("triage report");
        times.push(started.elapsed());
        assert!(output.status.success(), "{output:?}");
    }
    println!(
        "| `triage report --since 30d` (the binary, end to end) | | | 7 | {:.0} | {:.0} |",
        median_ms(times.clone()),
        max_ms(&times)
    );
}
