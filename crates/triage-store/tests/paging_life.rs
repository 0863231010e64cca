//! The whole life of paging, model-based: random sequences of operations — open an
//! incident (with or without a priority, on a paging service or not), change its
//! priority or services, take any transition the workflow allows, acknowledge, escalate
//! by hand, comment, fire and resolve alerts of two groups (and so flap them), change
//! the service's paging priorities, move the clock, restart the store — run against the
//! real store and its paging engine (`Store::paging_round`, what the server's engine
//! runs), with a manual clock. Every notification the engine claims is delivered at once
//! and recorded. After every step the deliveries are compared with what a small
//! reference model of the paging rules expects, exactly: pages only while the incident
//! is pageable, level k only after level k−1's delay, each step once, queued pages
//! dropped when it stops paging, nothing but the "resolved" notice after Done, the
//! people paged told when it is acknowledged by someone else or resolved; a breach
//! exactly when the first acknowledgement was late or missing; `acknowledged_at` never
//! changes once set.
//!
//! Cases: `TRIAGE_PAGING_CASES` (default 48 on SQLite, 12 on PostgreSQL, 8 with two
//! stores on one PostgreSQL database).

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use triage_core::Priority;
use triage_core::alert::{AlertBody, AlertSeverity, IntegrationKind, Signal, SignalAction};
use triage_core::incident::DetectionSource;
use triage_core::role::Role;
use triage_core::workflow::Category;
use triage_store::{
    Actor, Attempt, IncidentChanges, NewContactMethod, NewIncident, NewPolicy, NewService, NewUser,
    Outcome, PolicyChanges, PolicyLevel, PolicyTarget, ServiceChanges, Store, StoreOptions,
    TransitionInput,
};
use triage_testdb::{Backend, TestDb, postgres_enabled};

const STEP_DELAY: SignedDuration = SignedDuration::from_mins(2);
const LATE_METHOD: SignedDuration = SignedDuration::from_mins(3);
const ACK_TIMEOUT: SignedDuration = SignedDuration::from_mins(10);
/// Two levels, the policy gone through twice.
const STEPS: u32 = 4;
const PAGED: [&str; 2] = ["ann@example.com", "bob@example.com"];

#[derive(Debug, Clone)]
enum Op {
    Create {
        priority: Option<Priority>,
        on_db: bool,
    },
    SetPriority {
        incident: usize,
        priority: Option<Priority>,
    },
    SetService {
        incident: usize,
        on_db: bool,
    },
    /// The n-th of the transitions allowed now (modulo their number).
    Transition {
        incident: usize,
        pick: usize,
    },
    Acknowledge {
        incident: usize,
        by: usize,
    },
    Escalate {
        incident: usize,
    },
    Comment {
        incident: usize,
    },
    Fire {
        group: usize,
    },
    ResolveAlert {
        group: usize,
    },
    /// Whether the service pages for P2 too, or P1 only.
    PagesP2(bool),
    Advance(i64),
    Restart,
}

fn priority() -> impl Strategy<Value = Option<Priority>> {
    prop_oneof![
        Just(None),
        Just(Some(Priority::P1)),
        Just(Some(Priority::P2)),
        Just(Some(Priority::P3)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (priority(), any::<bool>()).prop_map(|(priority, on_db)| Op::Create { priority, on_db }),
        2 => (0..6usize, priority()).prop_map(|(incident, priority)| Op::SetPriority { incident, priority }),
        1 => (0..6usize, any::<bool>()).prop_map(|(incident, on_db)| Op::SetService { incident, on_db }),
        4 => (0..6usize, 0..6usize).prop_map(|(incident, pick)| Op::Transition { incident, pick }),
        2 => (0..6usize, 0..2usize).prop_map(|(incident, by)| Op::Acknowledge { incident, by }),
        1 => (0..6usize).prop_map(|incident| Op::Escalate { incident }),
        1 => (0..6usize).prop_map(|incident| Op::Comment { incident }),
        2 => (0..2usize).prop_map(|group| Op::Fire { group }),
        2 => (0..2usize).prop_map(|group| Op::ResolveAlert { group }),
        1 => any::<bool>().prop_map(Op::PagesP2),
        6 => (0..900i64).prop_map(Op::Advance),
        1 => Just(Op::Restart),
    ]
}

// ---------------------------------------------------------------- the reference model

/// The running (or last) escalation of an incident, as the model sees it.
#[derive(Debug, Clone, Default)]
struct Escalation {
    /// Rounds started so far; the current one is `rounds - 1`.
    rounds: i64,
    active: bool,
    next_step: u32,
    next_due: Option<Timestamp>,
    ack_deadline: Option<Timestamp>,
    /// The first round whose pages have not been followed by a resolved notice.
    notice_round: i64,
}

#[derive(Debug, Clone)]
struct Incident {
    key: String,
    id: i64,
    priority: Option<Priority>,
    on_db: bool,
    category: Category,
    /// Someone has the current round.
    acknowledged: bool,
    acknowledged_at: Option<Timestamp>,
    first_acknowledged: Option<Timestamp>,
    /// The last transition or comment by a person: progress on an acknowledgement made
    /// at or before it.
    progress_at: Option<Timestamp>,
    detected: Timestamp,
    breached: bool,
    escalation: Escalation,
    /// Pages for a contact method with a delay: (round, step, due).
    queued: Vec<(i64, u32, Timestamp)>,
    /// Pages delivered: (round, contact method).
    paged: Vec<(i64, usize)>,
}

/// Facts that decide paging: done, acknowledged, priority, on the paging service.
type Facts = (bool, bool, Option<Priority>, bool);

impl Incident {
    fn facts(&self) -> Facts {
        (
            self.category == Category::Done,
            self.acknowledged,
            self.priority,
            self.on_db,
        )
    }
}

fn pageable(facts: Facts, pages_p2: bool) -> bool {
    let (done, acknowledged, priority, on_db) = facts;
    !done
        && !acknowledged
        && on_db
        && match priority {
            Some(Priority::P1) => true,
            Some(Priority::P2) => pages_p2,
            _ => false,
        }
}

/// The contact methods: 0 ann's, 1 bob's, 2 bob's after three minutes.
fn methods_of(user: usize) -> &'static [usize] {
    if user == 0 { &[0] } else { &[1, 2] }
}

fn user_of(method: usize) -> usize {
    usize::from(method != 0)
}

#[derive(Default)]
struct Model {
    incidents: Vec<Incident>,
    pages_p2: bool,
    /// Each alert group: its alert firing or not, its incident.
    groups: [(bool, Option<usize>); 2],
    /// Idempotency keys expected to be delivered at the current time.
    expected: BTreeSet<String>,
    /// Notices sent once each: their keys.
    noticed: BTreeSet<String>,
    methods: [i64; 3],
}

impl Model {
    fn page_key(&self, i: usize, round: i64, step: u32, method: usize) -> String {
        format!(
            "page-{}-{round}-{step}-{}",
            self.incidents[i].id, self.methods[method]
        )
    }

    /// Fires every step of incident `i`'s escalation due at `now`.
    fn fire_due(&mut self, i: usize, now: Timestamp) {
        loop {
            let e = &self.incidents[i].escalation;
            let (Some(due), true) = (e.next_due, e.active) else {
                return;
            };
            if due > now {
                return;
            }
            let step = e.next_step;
            if step >= STEPS {
                let e = &mut self.incidents[i].escalation;
                e.active = false;
                e.next_due = None;
                return;
            }
            let round = e.rounds - 1;
            let user = (step % 2) as usize;
            for &method in methods_of(user) {
                if method == 2 {
                    self.incidents[i]
                        .queued
                        .push((round, step, due + LATE_METHOD));
                } else {
                    let key = self.page_key(i, round, step, method);
                    self.expected.insert(key);
                    self.incidents[i].paged.push((round, method));
                }
            }
            let e = &mut self.incidents[i].escalation;
            e.next_step = step + 1;
            e.next_due = Some(due + STEP_DELAY);
        }
    }

    fn deliver_queued(&mut self, i: usize, now: Timestamp) {
        let (due, waiting): (Vec<_>, Vec<_>) = self.incidents[i]
            .queued
            .drain(..)
            .partition(|(_, _, at)| *at <= now);
        self.incidents[i].queued = waiting;
        for (round, step, _) in due {
            let key = self.page_key(i, round, step, 2);
            self.expected.insert(key);
            self.incidents[i].paged.push((round, 2));
        }
    }

    fn start(&mut self, i: usize, now: Timestamp) {
        let e = &mut self.incidents[i].escalation;
        e.rounds += 1;
        e.active = true;
        e.next_step = 0;
        e.next_due = Some(now);
        e.ack_deadline = None;
        self.fire_due(i, now);
    }

    fn notice(&mut self, i: usize, event: &str, from: i64, except: Option<usize>) {
        let e = &self.incidents[i].escalation;
        if e.rounds == 0 {
            return;
        }
        let round = e.rounds - 1;
        let methods: BTreeSet<usize> = self.incidents[i]
            .paged
            .iter()
            .filter(|(r, m)| *r >= from && *r <= round && Some(user_of(*m)) != except)
            .map(|(_, m)| *m)
            .collect();
        for method in methods {
            let key = format!(
                "{event}-{}-{round}-{}",
                self.incidents[i].id, self.methods[method]
            );
            if self.noticed.insert(key.clone()) {
                self.expected.insert(key);
            }
        }
    }

    /// What a change of incident `i` from `before` does (by `by`, who acknowledged).
    fn follow(&mut self, i: usize, before: Option<Facts>, by: Option<usize>, now: Timestamp) {
        let after = self.incidents[i].facts();
        let (was_done, was_acknowledged) = before.map_or((false, false), |b| (b.0, b.1));
        let done_now = after.0 && !was_done;
        let acknowledged_now = after.1 && !was_acknowledged;
        let p2 = self.pages_p2;
        let active = self.incidents[i].escalation.active;
        let changed = before.is_none_or(|b| b.2 != after.2 || b.3 != after.3);
        let mut quiet = done_now || acknowledged_now;
        if active {
            if done_now || acknowledged_now || (changed && !pageable(after, p2)) {
                let e = &mut self.incidents[i].escalation;
                e.active = false;
                e.next_due = None;
                if acknowledged_now {
                    e.ack_deadline = Some(now + ACK_TIMEOUT);
                }
                quiet = true;
            }
        } else if pageable(after, p2) && !before.is_some_and(|b| pageable(b, p2)) {
            self.start(i, now);
        }
        if quiet {
            self.incidents[i].queued.clear();
        }
        if done_now {
            let from = self.incidents[i].escalation.notice_round;
            self.notice(i, "incident.resolved", from, None);
            let e = &mut self.incidents[i].escalation;
            e.ack_deadline = None;
            if e.rounds > 0 {
                e.notice_round = e.rounds;
            }
        } else if acknowledged_now {
            let round = self.incidents[i].escalation.rounds - 1;
            self.notice(i, "incident.acknowledged", round, by);
        }
    }

    /// One look of the engine at `now`: lapses, due steps, breaches, delayed pages.
    fn look(&mut self, now: Timestamp) {
        for i in 0..self.incidents.len() {
            let deadline = self.incidents[i].escalation.ack_deadline;
            if deadline.is_some_and(|d| d <= now) {
                self.incidents[i].escalation.ack_deadline = None;
                let incident = &self.incidents[i];
                let progress = incident.progress_at >= incident.acknowledged_at;
                if incident.acknowledged && !progress {
                    let before = incident.facts();
                    self.incidents[i].acknowledged = false;
                    self.follow(i, Some(before), None, now);
                }
            }
        }
        for i in 0..self.incidents.len() {
            self.fire_due(i, now);
            let incident = &mut self.incidents[i];
            if let Some(priority) = incident.priority
                && incident.first_acknowledged.is_none()
                && incident.category != Category::Done
                && incident.detected + priority.response_sla() <= now
            {
                incident.breached = true;
            }
            self.deliver_queued(i, now);
        }
    }
}

// ------------------------------------------------------------------- the real system

struct World {
    db: TestDb,
    stores: Vec<Store>,
    admin: Actor,
    people: Vec<Actor>,
    integration: i64,
    now: Timestamp,
    model: Model,
    /// Which store the next operation goes to (with two).
    turn: usize,
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

async fn world(backend: Backend, stores: usize) -> World {
    let db = TestDb::new(backend);
    let now = ts("2026-11-23T09:00:00Z");
    let store = Store::open(&db.db, StoreOptions::default()).await.unwrap();
    let (_, token) = store
        .bootstrap_admin("admin@example.com", None, now)
        .await
        .unwrap();
    let admin = store.authenticate(&token.token).await.unwrap().unwrap();
    let mut people = Vec::new();
    let mut methods = Vec::new();
    for email in PAGED {
        let user = NewUser {
            email: email.to_string(),
            name: None,
            role: Role::Responder,
            groups: Vec::new(),
        };
        store.create_user(user, now).await.unwrap();
        let token = store.create_token(email, "test", now).await.unwrap();
        people.push(store.authenticate(&token.token).await.unwrap().unwrap());
        let mut delays = vec![None];
        if email.starts_with("bob") {
            delays.push(Some("3m".to_string()));
        }
        for after in delays {
            let method = NewContactMethod {
                kind: "webhook".to_string(),
                address: format!("http://127.0.0.1:9/{email}"),
                name: String::new(),
                after,
            };
            methods.push(
                store
                    .add_contact_method(email, method, now)
                    .await
                    .unwrap()
                    .id,
            );
        }
    }
    let level = |email: &str| PolicyLevel {
        targets: vec![PolicyTarget::User(email.to_string())],
        delay: "2m".to_string(),
    };
    let policy = NewPolicy {
        name: "db".to_string(),
        description: String::new(),
        repeat: 1,
        ack_timeout: Some("10m".to_string()),
        levels: vec![level(PAGED[0]), level(PAGED[1])],
    };
    store.create_policy(policy, now).await.unwrap();
    let service = NewService {
        name: "db".to_string(),
        policy: PolicyChanges {
            on_resolved: Some("resolve".to_string()),
            ..PolicyChanges::default()
        },
        ..NewService::default()
    };
    store.create_service(service, now).await.unwrap();
    let changes = ServiceChanges {
        escalation_policy: Some("db".to_string()),
        paging_priorities: Some("P1,P2".to_string()),
        ..ServiceChanges::default()
    };
    store.update_service("db", changes).await.unwrap();
    let integration = store
        .create_integration("db", IntegrationKind::Alertmanager, "prom", now)
        .await
        .unwrap()
        .integration
        .id;
    let mut all = vec![store];
    for _ in 1..stores {
        all.push(Store::open(&db.db, StoreOptions::default()).await.unwrap());
    }
    World {
        db,
        stores: all,
        admin,
        people,
        integration,
        now,
        model: Model {
            pages_p2: true,
            methods: [methods[0], methods[1], methods[2]],
            ..Model::default()
        },
        turn: 0,
    }
}

fn alert(group: usize, fire: bool, now: Timestamp) -> Signal {
    let key = format!("group-{group}");
    let action = if fire {
        SignalAction::Fire(AlertBody {
            summary: format!("Replica {group} lagging"),
            source: "alertmanager".to_string(),
            severity: Some(AlertSeverity::Critical),
            labels: [("alertname".to_string(), key.clone())]
                .into_iter()
                .collect(),
            details: serde_json::Map::new(),
            links: Vec::new(),
            starts_at: Some(now),
            raw: Value::Null,
        })
    } else {
        SignalAction::Resolve { ends_at: None }
    };
    Signal {
        dedup_key: key.clone(),
        group_key: key,
        action,
    }
}

impl World {
    fn store(&mut self) -> Store {
        self.turn = (self.turn + 1) % self.stores.len();
        self.stores[self.turn].clone()
    }

    fn pick(&self, incident: usize) -> Option<usize> {
        let n = self.model.incidents.len();
        (n > 0).then(|| incident % n)
    }

    async fn category(&self, i: usize) -> Category {
        let key = &self.model.incidents[i].key;
        self.stores[0].incident(key).await.unwrap().status_category
    }

    async fn apply(&mut self, op: &Op) {
        let now = self.now;
        let store = self.store();
        match *op {
            Op::Create { priority, on_db } => {
                let new = NewIncident {
                    summary: format!("Incident {}", self.model.incidents.len()),
                    description: String::new(),
                    priority,
                    severity: None,
                    assignee: None,
                    services: vec![if on_db { "db" } else { "web" }.to_string()],
                    labels: Vec::new(),
                    detection_source: DetectionSource::UserReport,
                    detected_at: None,
                };
                let made = store.create_incident(new, &self.admin, now).await.unwrap();
                self.add(&made.key, made.id, priority, on_db, made.status_category);
                let i = self.model.incidents.len() - 1;
                self.model.follow(i, None, None, now);
            }
            Op::SetPriority { incident, priority } => {
                let Some(i) = self.pick(incident) else { return };
                let before = self.model.incidents[i].facts();
                let changes = IncidentChanges {
                    priority: Some(priority),
                    ..IncidentChanges::default()
                };
                let key = self.model.incidents[i].key.clone();
                store
                    .update_incident(&key, changes, None, &self.admin, now)
                    .await
                    .unwrap();
                let m = &mut self.model.incidents[i];
                m.priority = priority;
                self.model.follow(i, Some(before), None, now);
            }
            Op::SetService { incident, on_db } => {
                let Some(i) = self.pick(incident) else { return };
                let before = self.model.incidents[i].facts();
                let changes = IncidentChanges {
                    services: Some(vec![if on_db { "db" } else { "web" }.to_string()]),
                    ..IncidentChanges::default()
                };
                let key = self.model.incidents[i].key.clone();
                store
                    .update_incident(&key, changes, None, &self.admin, now)
                    .await
                    .unwrap();
                self.model.incidents[i].on_db = on_db;
                self.model.follow(i, Some(before), None, now);
            }
            Op::Transition { incident, pick } => {
                let Some(i) = self.pick(incident) else { return };
                let key = self.model.incidents[i].key.clone();
                let offered: Vec<_> = store
                    .available_transitions(&key, &self.admin)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|t| t.allowed)
                    .collect();
                if offered.is_empty() {
                    return;
                }
                let chosen = &offered[pick % offered.len()];
                let input = TransitionInput {
                    name: Some(chosen.name.clone()),
                    comment: None,
                    resolution: chosen
                        .requires
                        .iter()
                        .any(|r| r == "resolution")
                        .then(|| "Fixed".to_string()),
                };
                let before = self.model.incidents[i].facts();
                let moved = store
                    .transition_incident(&key, input, None, &self.admin, now)
                    .await
                    .unwrap();
                let m = &mut self.model.incidents[i];
                m.category = moved.status_category;
                m.progress_at = Some(now);
                if m.category == Category::Done {
                    m.acknowledged = false;
                }
                self.model.follow(i, Some(before), None, now);
            }
            Op::Acknowledge { incident, by } => {
                let Some(i) = self.pick(incident) else { return };
                let key = self.model.incidents[i].key.clone();
                let answer = store.acknowledge(&key, &self.people[by], None, now).await;
                let m = &self.model.incidents[i];
                let allowed = m.category != Category::Done && !m.acknowledged;
                assert_eq!(answer.is_ok(), allowed, "acknowledging {key}: {answer:?}");
                if allowed {
                    let before = m.facts();
                    let m = &mut self.model.incidents[i];
                    m.acknowledged = true;
                    m.acknowledged_at = Some(now);
                    m.first_acknowledged.get_or_insert(now);
                    self.model.follow(i, Some(before), Some(by), now);
                }
            }
            Op::Escalate { incident } => {
                let Some(i) = self.pick(incident) else { return };
                let key = self.model.incidents[i].key.clone();
                let answer = store.escalate(&key, &self.admin, now).await;
                let m = &mut self.model.incidents[i];
                let e = &mut m.escalation;
                let allowed = m.category != Category::Done
                    && !m.acknowledged
                    && e.active
                    && e.next_step < STEPS;
                assert_eq!(answer.is_ok(), allowed, "escalating {key}: {answer:?}");
                if allowed {
                    e.next_due = Some(now);
                }
            }
            Op::Comment { incident } => {
                let Some(i) = self.pick(incident) else { return };
                let key = self.model.incidents[i].key.clone();
                store
                    .add_comment(&key, "Looking", &self.admin, now)
                    .await
                    .unwrap();
                self.model.incidents[i].progress_at = Some(now);
            }
            Op::Fire { group } => {
                let outcomes = store
                    .ingest_alerts(self.integration, vec![alert(group, true, now)], now)
                    .await
                    .unwrap();
                match &outcomes[0] {
                    Outcome::Opened { incident } => {
                        let made = store.incident(incident).await.unwrap();
                        self.add(
                            &made.key,
                            made.id,
                            made.priority,
                            true,
                            made.status_category,
                        );
                        let i = self.model.incidents.len() - 1;
                        self.model.groups[group] = (true, Some(i));
                        self.model.follow(i, None, None, now);
                    }
                    Outcome::Reopened { incident } | Outcome::Attached { incident } => {
                        let i = self.index_of(incident);
                        self.model.groups[group] = (true, Some(i));
                        self.moved_by_alerts(i, now).await;
                    }
                    // Firing again: a repeat; at the instant it resolved: a late retry.
                    Outcome::Repeated { .. } | Outcome::Ignored => {}
                    other => panic!("firing group {group}: {other:?}"),
                }
            }
            Op::ResolveAlert { group } => {
                store
                    .ingest_alerts(self.integration, vec![alert(group, false, now)], now)
                    .await
                    .unwrap();
                if let (true, Some(i)) = self.model.groups[group] {
                    self.model.groups[group].0 = false;
                    self.moved_by_alerts(i, now).await;
                }
            }
            Op::PagesP2(pages) => {
                let changes = ServiceChanges {
                    paging_priorities: Some(if pages { "P1,P2" } else { "P1" }.to_string()),
                    ..ServiceChanges::default()
                };
                store.update_service("db", changes).await.unwrap();
                self.model.pages_p2 = pages;
            }
            Op::Advance(seconds) => {
                self.now += SignedDuration::from_secs(seconds);
            }
            Op::Restart => {
                let stores = self.stores.len();
                for store in self.stores.drain(..) {
                    store.close().await;
                }
                for _ in 0..stores {
                    let store = Store::open(&self.db.db, StoreOptions::default()).await;
                    self.stores.push(store.unwrap());
                }
            }
        }
    }

    fn add(&mut self, key: &str, id: i64, priority: Option<Priority>, on_db: bool, c: Category) {
        self.model.incidents.push(Incident {
            key: key.to_string(),
            id,
            priority,
            on_db,
            category: c,
            acknowledged: false,
            acknowledged_at: None,
            first_acknowledged: None,
            progress_at: None,
            detected: self.now,
            breached: false,
            escalation: Escalation::default(),
            queued: Vec::new(),
            paged: Vec::new(),
        });
    }

    fn index_of(&self, key: &str) -> usize {
        self.model
            .incidents
            .iter()
            .position(|m| m.key == key)
            .unwrap()
    }

    /// Alerts moved incident `i` on their own (reopened, resolved) or left it.
    async fn moved_by_alerts(&mut self, i: usize, now: Timestamp) {
        let before = self.model.incidents[i].facts();
        let category = self.category(i).await;
        let m = &mut self.model.incidents[i];
        m.category = category;
        if category == Category::Done {
            m.acknowledged = false;
        }
        self.model.follow(i, Some(before), None, now);
    }

    /// Runs the engine on every store until nothing more is due, delivering all it
    /// claims; answers the idempotency keys delivered (pages and notices).
    async fn engine(&mut self) -> BTreeSet<String> {
        let now = self.now;
        let mut delivered = BTreeSet::new();
        let mut idle = 0;
        while idle < 2 {
            let rounds = futures_util::future::join_all(self.stores.iter().map(|store| async {
                let mut claimed = Vec::new();
                let failures = store
                    .paging_round(now, 256, |more| claimed.extend(more))
                    .await;
                (claimed, failures)
            }))
            .await;
            let mut any = false;
            for (claimed, failures) in rounds {
                assert!(failures.is_empty(), "{failures:?}");
                for notification in claimed {
                    any = true;
                    let payload: Value = serde_json::from_str(&notification.payload).unwrap();
                    let event = payload["event"].as_str().unwrap_or_default();
                    if !matches!(
                        event,
                        "incident.response_breached" | "incident.update_overdue"
                    ) {
                        assert!(
                            delivered.insert(notification.idempotency_key.clone()),
                            "sent twice: {}",
                            notification.idempotency_key
                        );
                    }
                    self.stores[0]
                        .finish_notification(notification.id, Attempt::Delivered, now)
                        .await
                        .unwrap();
                }
            }
            idle = if any { 0 } else { idle + 1 };
        }
        delivered
    }

    /// Compares what was delivered and stored with the model.
    async fn check(&mut self, op: &Op, delivered: BTreeSet<String>) {
        let expected = std::mem::take(&mut self.model.expected);
        assert_eq!(delivered, expected, "after {op:?} at {}", self.now);
        for m in &self.model.incidents {
            let stored = self.stores[0].incident(&m.key).await.unwrap();
            assert_eq!(
                stored.response_breached_at.is_some(),
                m.breached,
                "{}'s breach after {op:?} (first acknowledged {:?}, detected {})",
                m.key,
                m.first_acknowledged,
                m.detected
            );
            assert_eq!(
                stored.acknowledged_at, m.first_acknowledged,
                "{}: the response record",
                m.key
            );
        }
    }
}

async fn run_case(backend: Backend, stores: usize, ops: Vec<Op>) {
    let mut world = world(backend, stores).await;
    for op in &ops {
        world.apply(op).await;
        let now = world.now;
        world.model.look(now);
        let delivered = world.engine().await;
        world.check(op, delivered).await;
    }
    for store in world.stores.drain(..) {
        store.close().await;
    }
}

fn cases(default: u32) -> u32 {
    std::env::var("TRIAGE_PAGING_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn explore(backend: Backend, stores: usize, default_cases: u32) {
    let config = Config {
        cases: cases(default_cases),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&proptest::collection::vec(op(), 1..48), |ops| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(run_case(backend, stores, ops));
        Ok(())
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn paging_follows_the_incident_on_sqlite() {
    explore(Backend::Sqlite, 1, 48);
}

#[test]
fn paging_follows_the_incident_on_postgres() {
    if postgres_enabled() {
        explore(Backend::Postgres, 1, 12);
    }
}

#[test]
fn two_stores_on_one_postgres_database_page_once() {
    if postgres_enabled() {
        explore(Backend::Postgres, 2, 8);
    }
}
