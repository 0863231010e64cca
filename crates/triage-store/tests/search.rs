//! Text search: the same answers on both backends; on SQLite, exact whether or not the
//! index has caught up, through edits, and when the index file is lost or was left ahead
//! of a database restored from a backup.

use std::path::Path;

use jiff::Timestamp;
use triage_core::incident::DetectionSource;
use triage_store::{
    Actor, IncidentChanges, IncidentFilter, ListRequest, NewIncident, Store, StoreOptions,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn now() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

async fn open(path: &Path) -> Store {
    Store::open(path.to_str().unwrap(), StoreOptions::default())
        .await
        .unwrap()
}

/// The bootstrapped admin, and its token.
async fn admin(store: &Store) -> (Actor, String) {
    let (_, token) = store
        .bootstrap_admin("admin@example.com", None, now())
        .await
        .unwrap();
    let actor = store.authenticate(&token.token).await.unwrap().unwrap();
    (actor, token.token)
}

async fn create(store: &Store, actor: &Actor, summary: &str, description: &str) -> String {
    let new = NewIncident {
        summary: summary.to_string(),
        description: description.to_string(),
        priority: None,
        severity: None,
        assignee: None,
        services: vec![],
        labels: vec![],
        detection_source: DetectionSource::Monitoring,
        detected_at: None,
    };
    store.create_incident(new, actor, now()).await.unwrap().key
}

/// Keys of the incidents containing `text`, oldest first.
async fn search(store: &Store, text: &str) -> Vec<String> {
    let request = ListRequest {
        filter: IncidentFilter {
            text: Some(text.to_string()),
            ..IncidentFilter::default()
        },
        ..ListRequest::default()
    };
    let page = store.list_incidents(request).await.unwrap();
    let mut keys: Vec<String> = page.items.into_iter().map(|i| i.key).collect();
    keys.reverse();
    keys
}

async fn populate(store: &Store, actor: &Actor) {
    create(store, actor, "Checkout latency", "p99 over 2 s in eu-west").await;
    create(store, actor, "Certificate expired", "api.example.com TLS").await;
    create(
        store,
        actor,
        "Queue backlog",
        "orders stuck; CHECKOUT retries",
    )
    .await;
}

/// Every search here must give the same answer before and after the index catches up.
async fn assert_searches(store: &Store) {
    assert_eq!(search(store, "checkout").await, ["INC-1", "INC-3"]);
    assert_eq!(search(store, "LATENCY").await, ["INC-1"]);
    assert_eq!(search(store, "xample.co").await, ["INC-2"]);
    assert_eq!(search(store, "inc-2").await, ["INC-2"]);
    assert_eq!(search(store, "s in eu").await, ["INC-1"]);
    assert_eq!(search(store, "2 s").await, ["INC-1"]);
    assert_eq!(search(store, "Q").await, ["INC-3"]);
    assert!(search(store, "no such words").await.is_empty());
    assert!(search(store, "100%").await.is_empty());
    assert!(search(store, "\"").await.is_empty());
}

async fn search_is_exact_before_and_after_indexing(backend: Backend) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let (actor, _) = admin(&store).await;
    populate(&store, &actor).await;
    assert_searches(&store).await;
    store.refresh_search_index().await.unwrap();
    assert_searches(&store).await;
}

async fn an_edited_incident_is_found_by_its_new_text_only(backend: Backend) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let (actor, _) = admin(&store).await;
    populate(&store, &actor).await;
    store.refresh_search_index().await.unwrap();
    let changes = IncidentChanges {
        summary: Some("Payment gateway timeouts".to_string()),
        ..IncidentChanges::default()
    };
    store
        .update_incident("INC-1", changes, None, &actor, now())
        .await
        .unwrap();
    // Not yet indexed: the queued incident is compared row by row, the stale entry unused.
    assert_eq!(search(&store, "latency").await, Vec::<String>::new());
    assert_eq!(search(&store, "gateway").await, ["INC-1"]);
    store.refresh_search_index().await.unwrap();
    assert_eq!(search(&store, "latency").await, Vec::<String>::new());
    assert_eq!(search(&store, "gateway").await, ["INC-1"]);
    assert_eq!(search(&store, "checkout").await, ["INC-3"]);
}

on_both_backends_async!(
    search_is_exact_before_and_after_indexing,
    an_edited_incident_is_found_by_its_new_text_only,
);

// The index file is SQLite's; PostgreSQL's trigram indexes are part of its database.

#[tokio::test]
async fn a_lost_index_file_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("triage.db");
    let store = open(&db).await;
    let (actor, _) = admin(&store).await;
    populate(&store, &actor).await;
    store.refresh_search_index().await.unwrap();
    store.close().await;
    drop(store);

    std::fs::remove_file(dir.path().join("triage.db-search")).unwrap();
    let store = open(&db).await;
    assert_searches(&store).await;
    store.refresh_search_index().await.unwrap();
    assert_searches(&store).await;
}

#[tokio::test]
async fn an_index_ahead_of_a_restored_database_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("triage.db");
    let backup = dir.path().join("backup.db");
    let store = open(&db).await;
    let (actor, token) = admin(&store).await;
    create(&store, &actor, "Checkout latency", "").await;
    store.backup_to(backup.to_str().unwrap()).await.unwrap();
    create(&store, &actor, "Certificate expired", "").await;
    create(&store, &actor, "Queue backlog", "").await;
    store.refresh_search_index().await.unwrap();
    store.close().await;
    drop(store);

    // Restore the backup; the index file beside it still holds the later incidents.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&backup, &db).unwrap();
    let store = open(&db).await;
    let actor = store.authenticate(&token).await.unwrap().unwrap();
    create(&store, &actor, "Disk full on db-3", "").await;
    store.refresh_search_index().await.unwrap();
    assert_eq!(search(&store, "expired").await, Vec::<String>::new());
    assert_eq!(search(&store, "backlog").await, Vec::<String>::new());
    assert_eq!(search(&store, "disk full").await, ["INC-2"]);
    assert_eq!(search(&store, "latency").await, ["INC-1"]);
}
