//! JQL searches: what each field and operator selects, the sort and the paging, and the
//! errors for values that do not exist — the same answers on both backends.

use jiff::{SignedDuration, Timestamp};
use triage_core::incident::DetectionSource;
use triage_core::{Priority, Severity, jql};
use triage_store::{
    Actor, IncidentChanges, JqlContext, NewIncident, NewUser, Store, StoreOptions, TransitionInput,
};
use triage_testdb::{Backend, TestDb, on_both_backends_async};

fn start() -> Timestamp {
    "2026-11-22T10:00:00Z".parse().unwrap()
}

struct Fixture {
    store: Store,
    admin: Actor,
    _db: TestDb,
}

fn new(summary: &str, priority: Option<Priority>, labels: &[&str]) -> NewIncident {
    NewIncident {
        summary: summary.to_string(),
        description: String::new(),
        priority,
        severity: priority.map(|p| Severity::from_rank(i64::from(p.rank())).unwrap()),
        assignee: None,
        services: vec![],
        labels: labels.iter().map(|l| l.to_string()).collect(),
        detection_source: DetectionSource::UserReport,
        detected_at: None,
    }
}

/// INC-1 P1 [db] created day 0, assigned to bob, resolved Fixed on day 1;
/// INC-2 P3 [db, eu] day 1, description "pool exhausted";
/// INC-3 no priority, no labels, day 2, a comment "failover done";
/// INC-4 P2 [eu] day 3, assigned to the admin.
async fn fixture(backend: Backend) -> Fixture {
    let db = TestDb::new(backend);
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let (_, token) = store
        .bootstrap_admin("admin@example.com", Some("Ada Admin"), start())
        .await
        .unwrap();
    let admin = store.authenticate(&token.token).await.unwrap().unwrap();
    store
        .create_user(
            NewUser {
                email: "bob@example.com".into(),
                name: Some("Bob".into()),
                role: triage_core::role::Role::Responder,
                groups: vec![],
            },
            start(),
        )
        .await
        .unwrap();
    let day = |n: i64| start() + SignedDuration::from_hours(24 * n);
    let mut one = new("Checkout down", Some(Priority::P1), &["db"]);
    one.assignee = Some("bob@example.com".into());
    store.create_incident(one, &admin, day(0)).await.unwrap();
    for (name, resolution) in [
        ("Investigating", None),
        ("In Progress", None),
        ("Monitoring", None),
        ("Resolved", Some("Fixed")),
    ] {
        let input = TransitionInput {
            name: Some(name.into()),
            comment: None,
            resolution: resolution.map(str::to_string),
        };
        store
            .transition_incident("INC-1", input, None, &admin, day(1))
            .await
            .unwrap();
    }
    let mut two = new("Latency in eu-west", Some(Priority::P3), &["db", "eu"]);
    two.description = "pool exhausted".into();
    store.create_incident(two, &admin, day(1)).await.unwrap();
    store
        .create_incident(new("Certificate expiring", None, &[]), &admin, day(2))
        .await
        .unwrap();
    store
        .add_comment("INC-3", "failover done", &admin, day(2))
        .await
        .unwrap();
    let mut four = new("Queue backlog", Some(Priority::P2), &["eu"]);
    four.assignee = Some("admin@example.com".into());
    store.create_incident(four, &admin, day(3)).await.unwrap();
    // Touch INC-2 last, so `updated` orders differently from `created`.
    let changes = IncidentChanges {
        summary: Some("Latency in eu-west-1".into()),
        ..IncidentChanges::default()
    };
    store
        .update_incident("INC-2", changes, None, &admin, day(4))
        .await
        .unwrap();
    Fixture {
        store,
        admin,
        _db: db,
    }
}

impl Fixture {
    async fn keys(&self, text: &str) -> Vec<String> {
        let query = jql::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let context = JqlContext {
            user: self.admin.email.clone(),
            now: start() + SignedDuration::from_hours(24 * 5),
        };
        let page = self
            .store
            .search_jql(&query, &context, 0, 100, true)
            .await
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(page.total, Some(page.incidents.len() as i64), "{text}");
        assert!(!page.more, "{text}");
        page.incidents.into_iter().map(|i| i.key).collect()
    }

    async fn error(&self, text: &str) -> String {
        let query = jql::parse(text).unwrap();
        let context = JqlContext {
            user: self.admin.email.clone(),
            now: start(),
        };
        match self.store.search_jql(&query, &context, 0, 10, false).await {
            Ok(_) => panic!("{text} was accepted"),
            Err(e) => e.to_string(),
        }
    }
}

async fn fields_and_operators_select_as_jira_does(backend: Backend) {
    let f = fixture(backend).await;
    let cases: &[(&str, &[&str])] = &[
        ("ORDER BY key ASC", &["INC-1", "INC-2", "INC-3", "INC-4"]),
        ("", &["INC-4", "INC-3", "INC-2", "INC-1"]),
        (
            "project = INC ORDER BY key",
            &["INC-1", "INC-2", "INC-3", "INC-4"],
        ),
        ("project != INC", &[]),
        (
            "issuetype = Incident AND key in (INC-2, inc-4) ORDER BY key",
            &["INC-2", "INC-4"],
        ),
        ("key > INC-2 ORDER BY key", &["INC-3", "INC-4"]),
        ("status = Resolved", &["INC-1"]),
        (
            "status != Resolved ORDER BY key",
            &["INC-2", "INC-3", "INC-4"],
        ),
        ("statusCategory = done", &["INC-1"]),
        (
            "statusCategory in (\"To Do\", indeterminate) ORDER BY key",
            &["INC-2", "INC-3", "INC-4"],
        ),
        ("priority = High", &["INC-4"]),
        ("priority > High", &["INC-1"]),
        ("priority <= High ORDER BY key", &["INC-2", "INC-4"]),
        ("priority is EMPTY", &["INC-3"]),
        ("severity = SEV3", &["INC-2"]),
        ("assignee = \"bob@example.com\"", &["INC-1"]),
        ("assignee = currentUser()", &["INC-4"]),
        ("assignee is EMPTY ORDER BY key", &["INC-2", "INC-3"]),
        ("assignee != bob@example.com", &["INC-4"]),
        (
            "reporter = admin@example.com ORDER BY key DESC",
            &["INC-4", "INC-3", "INC-2", "INC-1"],
        ),
        (
            "resolution = Unresolved ORDER BY key",
            &["INC-2", "INC-3", "INC-4"],
        ),
        ("resolution = Fixed", &["INC-1"]),
        ("resolution is not EMPTY", &["INC-1"]),
        ("labels = db ORDER BY key", &["INC-1", "INC-2"]),
        ("labels in (eu) AND labels = db", &["INC-2"]),
        ("labels != db", &["INC-4"]),
        ("labels is EMPTY", &["INC-3"]),
        (
            "created >= \"2026-11-24\" ORDER BY key",
            &["INC-3", "INC-4"],
        ),
        ("created < -3d ORDER BY key", &["INC-1", "INC-2"]),
        ("updated >= startOfDay(-1d)", &["INC-2"]),
        ("resolved >= \"2026-11-23\"", &["INC-1"]),
        ("summary ~ \"eu west\"", &["INC-2"]),
        (
            "summary !~ checkout ORDER BY key",
            &["INC-2", "INC-3", "INC-4"],
        ),
        ("description ~ pool", &["INC-2"]),
        ("comment ~ failover", &["INC-3"]),
        ("text ~ failover", &["INC-3"]),
        ("text ~ \"inc-4\"", &["INC-4"]),
        (
            "NOT labels = db AND (priority = High OR priority is EMPTY) ORDER BY key",
            &["INC-3", "INC-4"],
        ),
        (
            "labels = eu OR status = Resolved ORDER BY priority DESC",
            &["INC-1", "INC-4", "INC-2"],
        ),
        ("ORDER BY priority", &["INC-1", "INC-4", "INC-2", "INC-3"]),
        (
            "ORDER BY priority ASC",
            &["INC-2", "INC-4", "INC-1", "INC-3"],
        ),
        (
            "ORDER BY updated DESC, key ASC",
            &["INC-2", "INC-4", "INC-3", "INC-1"],
        ),
        (
            "ORDER BY status ASC, key DESC",
            &["INC-4", "INC-3", "INC-2", "INC-1"],
        ),
        (
            "ORDER BY assignee ASC, key ASC",
            &["INC-4", "INC-1", "INC-2", "INC-3"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(f.keys(query).await, *expected, "{query}");
    }
}

async fn pages_and_unknown_values(backend: Backend) {
    let f = fixture(backend).await;
    let query = jql::parse("ORDER BY key ASC").unwrap();
    let context = JqlContext {
        user: f.admin.email.clone(),
        now: start(),
    };
    let page = f
        .store
        .search_jql(&query, &context, 1, 2, true)
        .await
        .unwrap();
    assert_eq!(page.total, Some(4));
    assert!(page.more);
    let keys: Vec<&str> = page.incidents.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["INC-2", "INC-3"]);
    // Uncounted, as Cloud's search/jql asks: the last page knows it is the last.
    let page = f
        .store
        .search_jql(&query, &context, 2, 2, false)
        .await
        .unwrap();
    assert_eq!(page.total, None);
    assert!(!page.more);
    let keys: Vec<&str> = page.incidents.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["INC-3", "INC-4"]);

    assert_eq!(
        f.error("status = Nope").await,
        "The value 'Nope' does not exist for the field 'status'."
    );
    assert_eq!(
        f.error("project = OPS").await,
        "The value 'OPS' does not exist for the field 'project'."
    );
    assert_eq!(
        f.error("key = OPS-1").await,
        "An issue with key 'OPS-1' does not exist for field 'key'."
    );
    assert_eq!(
        f.error("priority = Urgent").await,
        "The value 'Urgent' does not exist for the field 'priority'."
    );
    assert!(
        f.error("created > yesterday")
            .await
            .starts_with("Date value 'yesterday' is invalid: use")
    );
    assert_eq!(
        f.error("resolution = Nope").await,
        "The value 'Nope' does not exist for the field 'resolution'."
    );
}

on_both_backends_async!(
    fields_and_operators_select_as_jira_does,
    pages_and_unknown_values
);
