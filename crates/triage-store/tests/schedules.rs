//! On-call schedules and overrides as stored, on both backends.

use jiff::Timestamp;
use triage_core::role::Role;
use triage_store::{
    Actor, NewOverride, NewSchedule, NewUser, ScheduleLayer, Store, StoreError, StoreOptions,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn now() -> Timestamp {
    at("2026-11-23T06:00:00Z")
}

async fn setup(backend: Backend) -> (TestDb, Store, Actor) {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let (_, token) = store
        .bootstrap_admin("admin@example.com", Some("Ada Admin"), now())
        .await
        .unwrap();
    let actor = store.authenticate(&token.token).await.unwrap().unwrap();
    for email in ["ann@example.com", "bob@example.com", "cy@example.com"] {
        let user = NewUser {
            email: email.to_string(),
            name: None,
            role: Role::Responder,
            groups: Vec::new(),
        };
        store.create_user(user, now()).await.unwrap();
    }
    (db, store, actor)
}

fn primary() -> NewSchedule {
    NewSchedule {
        name: "primary".to_string(),
        description: "Storage on call".to_string(),
        time_zone: "Europe/Berlin".to_string(),
        layers: vec![
            ScheduleLayer {
                name: String::new(),
                users: vec!["Ann@Example.com".to_string(), "bob@example.com".to_string()],
                shift: "1w".to_string(),
                start: "2026-11-16T09:00".to_string(),
                restrictions: Vec::new(),
            },
            ScheduleLayer {
                name: "business hours".to_string(),
                users: vec!["cy@example.com".to_string()],
                shift: "1w".to_string(),
                start: "2026-11-16T00:00:00".to_string(),
                restrictions: vec!["Monday-Friday 09:00-17:00".to_string()],
            },
        ],
    }
}

async fn schedules_are_stored_as_written_and_computed_by_the_core(backend: Backend) {
    let (_db, store, _) = setup(backend).await;
    let created = store.create_schedule(primary(), now()).await.unwrap();
    assert_eq!(created.layers[0].name, "Layer 1");
    assert_eq!(
        created.layers[0].users,
        ["ann@example.com", "bob@example.com"]
    );
    assert_eq!(created.layers[1].start, "2026-11-16T00:00");
    assert_eq!(created.layers[1].restrictions, ["mon-fri 09:00-17:00"]);
    assert_eq!(store.schedule("primary", now()).await.unwrap(), created);
    let duplicate = store.create_schedule(primary(), now()).await.unwrap_err();
    assert!(matches!(duplicate, StoreError::Duplicate(_)), "{duplicate}");

    let model = created.model().unwrap();
    // Monday 2026-11-23 07:00 in Berlin: ann's week ends at 09:00; business hours are
    // cy's; in the evening, bob's week.
    assert_eq!(
        model.on_call_at(at("2026-11-23T06:00:00Z")).map(|(u, _)| u),
        Some("ann@example.com")
    );
    assert_eq!(
        model.on_call_at(at("2026-11-23T17:00:00Z")).map(|(u, _)| u),
        Some("bob@example.com")
    );
    assert_eq!(
        model.on_call_at(at("2026-11-23T09:00:00Z")).map(|(u, _)| u),
        Some("cy@example.com")
    );

    let mut changed = primary();
    changed.layers.truncate(1);
    changed.time_zone = "UTC".to_string();
    let updated = store
        .update_schedule("primary", changed, at("2026-11-23T07:00:00Z"))
        .await
        .unwrap();
    assert_eq!(updated.layers.len(), 1);
    assert_eq!(updated.time_zone, "UTC");
    assert_eq!(updated.created_at, created.created_at);
    assert_eq!(store.schedules(now()).await.unwrap(), vec![updated]);
    store.delete_schedule("primary").await.unwrap();
    assert!(matches!(
        store.schedule("primary", now()).await,
        Err(StoreError::NotFound(_))
    ));
}

/// A change that makes a schedule's description bad.
type Change = Box<dyn Fn(&mut NewSchedule)>;

async fn bad_schedules_are_refused_and_change_nothing(backend: Backend) {
    let (_db, store, _) = setup(backend).await;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|s| s.time_zone = "Mars/Olympus".into()),
            "time zone 'Mars/Olympus' is unknown",
        ),
        (
            Box::new(|s| s.layers[0].shift = "0d".into()),
            "shift length '0d' is not allowed",
        ),
        (
            Box::new(|s| s.layers[0].users.clear()),
            "layer 'Layer 1' has nobody in its rotation",
        ),
        (
            Box::new(|s| s.layers[1].restrictions = vec!["weekdays".into()]),
            "restriction 'weekdays' is not allowed",
        ),
        (
            Box::new(|s| s.layers[0].start = "next monday".into()),
            "layer start 'next monday' is not a local date and time",
        ),
        (Box::new(|s| s.layers.clear()), "at least one layer"),
        (
            Box::new(|s| s.layers[1].users = vec!["nobody@example.com".into()]),
            "no user with e-mail 'nobody@example.com'",
        ),
    ];
    for (change, expected) in cases {
        let mut bad = primary();
        change(&mut bad);
        let error = store.create_schedule(bad, now()).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(store.schedules(now()).await.unwrap().is_empty());
}

async fn overrides_cover_windows_and_may_not_overlap(backend: Backend) {
    let (_db, store, actor) = setup(backend).await;
    store.create_schedule(primary(), now()).await.unwrap();
    let cover = |start: &str, end: &str| NewOverride {
        user: "cy@example.com".to_string(),
        start: at(start),
        end: at(end),
    };
    let added = store
        .add_override(
            "primary",
            cover("2026-11-23T07:00:00Z", "2026-11-23T09:00:00Z"),
            &actor,
            now(),
        )
        .await
        .unwrap();
    assert_eq!(added.user, "cy@example.com");
    assert_eq!(added.created_by.as_deref(), Some("admin@example.com"));
    let schedule = store.schedule("primary", now()).await.unwrap();
    assert_eq!(schedule.overrides, vec![added.clone()]);
    assert_eq!(
        schedule
            .model()
            .unwrap()
            .on_call_at(at("2026-11-23T08:00:00Z"))
            .map(|(u, _)| u),
        Some("cy@example.com")
    );
    for (window, expected) in [
        (
            cover("2026-11-23T08:00:00Z", "2026-11-23T10:00:00Z"),
            "overlaps another one",
        ),
        (
            cover("2026-11-23T12:00:00Z", "2026-11-23T11:00:00Z"),
            "must end after it starts",
        ),
        (
            cover("2026-11-22T12:00:00Z", "2026-11-22T13:00:00Z"),
            "must end in the future",
        ),
    ] {
        let error = store
            .add_override("primary", window, &actor, now())
            .await
            .unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    let nobody = NewOverride {
        user: "nobody@example.com".to_string(),
        ..cover("2026-11-24T07:00:00Z", "2026-11-24T09:00:00Z")
    };
    assert!(matches!(
        store.add_override("primary", nobody, &actor, now()).await,
        Err(StoreError::NotFound(_))
    ));
    // Touching windows are fine.
    store
        .add_override(
            "primary",
            cover("2026-11-23T09:00:00Z", "2026-11-23T10:00:00Z"),
            &actor,
            now(),
        )
        .await
        .unwrap();
    store
        .remove_override("primary", added.id, now())
        .await
        .unwrap();
    assert!(matches!(
        store.remove_override("primary", added.id, now()).await,
        Err(StoreError::NotFound(_))
    ));
    // Past overrides are left out of what is read as of later.
    assert!(
        store
            .schedule("primary", at("2026-11-23T10:00:00Z"))
            .await
            .unwrap()
            .overrides
            .is_empty()
    );
}

on_both_backends_async!(schedules_are_stored_as_written_and_computed_by_the_core);
on_both_backends_async!(bad_schedules_are_refused_and_change_nothing);
on_both_backends_async!(overrides_cover_windows_and_may_not_overlap);
