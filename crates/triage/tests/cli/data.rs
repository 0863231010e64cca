//! `triage backup` of a live SQLite database under write load, and `triage migrate-data`
//! from a SQLite file into PostgreSQL, served afterwards exactly as before.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use sqlx::{Connection, Row};
use triage_testdb::{Backend, TestDb, postgres_enabled};

use crate::harness::{Cli, Run, command, serve};

/// Bootstraps an admin on `db` with the real binary; answers the token.
pub fn bootstrap(dir: &Path, db: &str) -> String {
    let run: Run = command(dir)
        .args([
            "admin",
            "bootstrap",
            "--db",
            db,
            "--email",
            "admin@example.com",
        ])
        .output()
        .unwrap()
        .into();
    run.ok().stdout.lines().last().unwrap().trim().to_string()
}

/// Creates an incident over HTTP; answers its key, or nothing if the server did not
/// acknowledge it.
pub fn create(url: &str, token: &str, summary: &str) -> Option<String> {
    let mut response = ureq::post(format!("{url}/api/v1/incidents"))
        .header("Authorization", format!("Bearer {token}"))
        .send_json(json!({ "summary": summary, "priority": "P2" }))
        .ok()?;
    let body: serde_json::Value = response.body_mut().read_json().ok()?;
    Some(body["key"].as_str()?.to_string())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `PRAGMA integrity_check`, and whether every incident has its timeline and its number.
fn check_backup(path: &Path) -> i64 {
    runtime().block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut connection = sqlx::AnyConnection::connect(&url).await.unwrap();
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        assert_eq!(integrity, "ok", "{}", path.display());
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM incidents), \
                    (SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS \
                        (SELECT 1 FROM events e WHERE e.incident_id = i.id)), \
                    (SELECT COALESCE(MAX(last), 0) FROM key_counters)",
        )
        .fetch_one(&mut connection)
        .await
        .unwrap();
        let (incidents, without_events, last): (i64, i64, i64) =
            (row.get(0), row.get(1), row.get(2));
        assert_eq!(without_events, 0, "an incident without its timeline");
        assert_eq!(last, incidents, "keys handed out = incidents");
        connection.close().await.unwrap();
        incidents
    })
}

#[test]
fn a_backup_taken_under_write_load_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db").display().to_string();
    let token = bootstrap(dir.path(), &db);
    let served = serve(dir.path(), &["--db", &db], 1);
    let stop = Arc::new(AtomicBool::new(false));
    // Each writer says when a create was acknowledged.
    let (created, acknowledged) = std::sync::mpsc::channel::<()>();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (url, token, stop, created) = (
                served.url.clone(),
                token.clone(),
                stop.clone(),
                created.clone(),
            );
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    create(&url, &token, &format!("load {w}-{n}")).expect("a create");
                    let _ = created.send(());
                    n += 1;
                }
            })
        })
        .collect();
    // Back up only once writes are flowing.
    for _ in 0..20 {
        acknowledged.recv().expect("writers running");
    }
    let mut backups = Vec::new();
    for n in 0..3 {
        let to = dir.path().join(format!("backup-{n}.db"));
        let run: Run = command(dir.path())
            .args(["backup", "--db", &db, "--to"])
            .arg(&to)
            .output()
            .unwrap()
            .into();
        assert!(run.ok().stdout.starts_with("Backed up"));
        backups.push(to);
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    let counts: Vec<i64> = backups.iter().map(|b| check_backup(b)).collect();
    assert!(counts[0] >= 20, "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");

    let again: Run = command(dir.path())
        .args(["backup", "--db", &db, "--to"])
        .arg(&backups[0])
        .output()
        .unwrap()
        .into();
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let missing: Run = command(dir.path())
        .args(["backup", "--db", "nowhere.db", "--to", "x.db"])
        .output()
        .unwrap()
        .into();
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("there is no database at nowhere.db"),
        "{}",
        missing.stderr
    );
    assert!(!dir.path().join("nowhere.db").exists());
}

#[test]
fn migrate_data_moves_a_sqlite_team_to_postgres() {
    if !postgres_enabled() {
        return;
    }
    let cli = Cli::start();
    cli.run(&[
        "create",
        "--summary",
        "Checkout is slow",
        "--priority",
        "P1",
        "--service",
        "checkout",
    ])
    .ok();
    cli.run(&["create", "--summary", "Search down", "--priority", "P2"])
        .ok();
    cli.run(&["comment", "INC-1", "Looking at the database"])
        .ok();
    cli.run(&["transition", "INC-1", "--name", "Investigating"])
        .ok();
    cli.run(&["link", "INC-2", "--to", "INC-1", "--type", "is caused by"])
        .ok();
    // Acknowledged, so that the server on the copy (on the real clock, a day or more
    // later) has no response time to find lapsed.
    for key in ["INC-1", "INC-2"] {
        cli.run(&["ack", key]).ok();
    }
    let before: Vec<serde_json::Value> = ["INC-1", "INC-2"]
        .iter()
        .map(|key| cli.run(&["--json", "show", key]).ok().json())
        .collect();
    let timeline = cli.run(&["--json", "timeline", "INC-1"]).ok().json();

    let target = TestDb::new(Backend::Postgres);
    let from = cli.db.display().to_string();
    let migrate = |extra: &[&str]| -> Run {
        command(cli.dir.path())
            .args(["migrate-data", "--from", &from, "--to", &target.db])
            .args(extra)
            .output()
            .unwrap()
            .into()
    };
    let run = migrate(&[]).ok();
    assert!(
        run.stdout.contains("         2  incidents"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("every table's row count matches"),
        "{}",
        run.stdout
    );
    let refused = migrate(&[]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("not empty"), "{}", refused.stderr);
    migrate(&["--replace"]).ok();

    let served = serve(cli.dir.path(), &["--db", &target.db], 1);
    let on_postgres = |args: &[&str]| -> serde_json::Value {
        let run: Run = command(cli.dir.path())
            .env("TRIAGE_URL", &served.url)
            .env("TRIAGE_TOKEN", &cli.token)
            .args(args)
            .output()
            .unwrap()
            .into();
        run.ok().json()
    };
    for (key, expected) in ["INC-1", "INC-2"].iter().zip(&before) {
        assert_eq!(&on_postgres(&["--json", "show", key]), expected);
    }
    assert_eq!(on_postgres(&["--json", "timeline", "INC-1"]), timeline);
    let created = on_postgres(&["--json", "create", "--summary", "First on PostgreSQL"]);
    assert_eq!(created["key"], "INC-3");
}
