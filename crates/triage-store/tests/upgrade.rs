//! Upgrades keep data: databases written by an earlier version (`tests/fixtures/`) open
//! with this one, every migration since applied, on both backends.
//!
//! `v20.db` was written by the version whose last migration is 0020 (`triage serve
//! --demo`, then through its API: ann with two webhook contact methods, one after 2m; a
//! one-level policy `db` with a 30m acknowledgement timeout on service `billing`; INC-8
//! P1 paging, INC-9 P2 acknowledged by ann, INC-10 P1 marked False Alarm while it was
//! still escalating — that version's bug). `v20.postgres.sql` is the same data copied
//! by that version's `triage migrate-data` into PostgreSQL, dumped with `pg_dump
//! --inserts`.

use jiff::{SignedDuration, Timestamp};
use sqlx::{AnyConnection, Connection, Executor, Row};
use triage_store::{Store, StoreError, StoreOptions};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

const SQLITE_FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v20.db");
const POSTGRES_FIXTURE: &str = include_str!("fixtures/v20.postgres.sql");

/// A test database holding the fixture, not yet opened by this version.
async fn earlier(backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    match backend {
        Backend::Sqlite => {
            std::fs::copy(SQLITE_FIXTURE, &db.db).unwrap();
        }
        Backend::Postgres => {
            sqlx::any::install_default_drivers();
            let mut connection = AnyConnection::connect(&db.url).await.unwrap();
            connection
                .execute(sqlx::raw_sql(sqlx::AssertSqlSafe(POSTGRES_FIXTURE)))
                .await
                .unwrap();
            connection.close().await.unwrap();
        }
    }
    db
}

async fn rows(db: &TestDb, sql: &'static str) -> Vec<sqlx::any::AnyRow> {
    sqlx::any::install_default_drivers();
    let mut connection = AnyConnection::connect(&db.url).await.unwrap();
    let rows = sqlx::query(sql).fetch_all(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    rows
}

async fn a_database_of_version_20_opens_with_its_paging_intact(backend: Backend) {
    let db = earlier(backend).await;
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    // Nothing was lost: the ten incidents, their timelines, the queued pages.
    let incidents = rows(&db, "SELECT COUNT(*) AS n FROM incidents").await;
    assert_eq!(incidents[0].try_get::<i64, _>("n").unwrap(), 10);
    let outbox = rows(
        &db,
        "SELECT idempotency_key, purpose, round FROM outbox ORDER BY id",
    )
    .await;
    assert_eq!(outbox.len(), 6);
    for row in &outbox {
        let key: String = row.try_get("idempotency_key").unwrap();
        assert!(key.starts_with("page-"), "{key}");
        assert_eq!(row.try_get::<String, _>("purpose").unwrap(), "page");
        assert_eq!(row.try_get::<Option<i64>, _>("round").unwrap(), Some(0));
    }
    let acked = store.incident("INC-9").await.unwrap();
    let first = acked.acknowledged_at.expect("INC-9 was acknowledged");
    // The acknowledgement still holds the round: acknowledging again is refused.
    let token = store
        .create_token("ann@example.com", "upgrade test", first)
        .await
        .unwrap();
    let ann = store.authenticate(&token.token).await.unwrap().unwrap();
    let again = store.acknowledge("INC-9", &ann, None, first).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    // The False Alarm left escalating by the earlier version pages nobody now: its next
    // step ends the escalation instead of firing a level.
    let later = first + SignedDuration::from_mins(10);
    let paged = store.run_escalations(later).await.unwrap();
    assert!(paged.iter().all(|n| n.incident != "INC-10"), "{paged:?}");
    let states = rows(
        &db,
        "SELECT i.key, e.state FROM escalations e JOIN incidents i ON i.id = e.incident_id \
         ORDER BY i.key",
    )
    .await;
    let states: Vec<(String, String)> = states
        .iter()
        .map(|r| (r.try_get("key").unwrap(), r.try_get("state").unwrap()))
        .collect();
    assert!(
        states.contains(&("INC-10".to_string(), "resolved".to_string())),
        "{states:?}"
    );

    // The incident still paging goes on and is acknowledged as today's would be.
    let now: Timestamp = later;
    let done = store.acknowledge("INC-8", &ann, None, now).await.unwrap();
    assert_eq!(done.acknowledged_at, Some(now));
    store.close().await;
}

on_both_backends_async!(a_database_of_version_20_opens_with_its_paging_intact);
