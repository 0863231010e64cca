//! Post-mortems over the API, on both backends: drafted from the incident's record (the
//! root cause from the transition that named it, the timeline's rows and times exact),
//! served as JSON and as Markdown, edited as Markdown (a file that does not parse is
//! refused naming its line; a stale version is refused), reviewed and published, which
//! freezes it and lets the incident close; reopening makes revision 2 and revision 1
//! stays readable.

use serde_json::{Value, json};
use triage_testdb::{Backend, on_both_backends};

use crate::harness::{TestApp, assert_error, until};

fn transition(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, answer) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        body,
    );
    assert_eq!(status, 200, "{answer}");
    answer
}

fn overdue(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM events WHERE kind = 'update_overdue'")
}

/// The incident as DESIGN.md's runbook works it, acknowledged at once; where a
/// stakeholder update falls overdue meanwhile, the engine records it before the next step.
fn worked(app: &TestApp) -> String {
    let incident = app.incident(json!({"summary": "Database connection pool exhausted",
        "priority": "P1", "severity": "SEV1", "services": ["checkout-api"],
        "assignee": "admin@example.com"}));
    let key = incident["key"].as_str().unwrap().to_string();
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/acknowledge"),
        json!({}),
    );
    assert_eq!(status, 200, "{body}");
    app.advance(5);
    transition(app, &key, json!({"name": "Investigating"}));
    app.advance(10);
    transition(
        app,
        &key,
        json!({"name": "In Progress",
               "comment": "Root cause identified: Database connection pool exhausted"}),
    );
    app.advance(30);
    until(|| overdue(app) == 1);
    transition(
        app,
        &key,
        json!({"name": "Monitoring", "comment": "Fix deployed, monitoring for 24 hours"}),
    );
    app.advance(60);
    until(|| overdue(app) == 2);
    transition(
        app,
        &key,
        json!({"name": "Resolved", "resolution": "Fixed",
               "comment": "Incident resolved. No recurrence in 24h."}),
    );
    key
}

fn markdown(app: &TestApp, path: &str) -> (u16, String, String) {
    let authorization = format!("Bearer {}", app.admin);
    crate::oncall::fetch_with(
        app,
        path,
        &[
            ("Accept", "text/markdown"),
            ("Authorization", &authorization),
        ],
    )
}

fn a_post_mortem_is_drafted_reviewed_published_and_reopened(backend: Backend) {
    let app = TestApp::spawn(backend);
    let key = worked(&app);
    let path = format!("/api/v1/incidents/{key}/postmortem");
    let answer = app.get(&app.admin, &path);
    assert_error(&answer, 404, "not_found", "has no post-mortem yet");

    // Closing needs a published post-mortem.
    let answer = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({"name": "Closed"}),
    );
    assert_error(
        &answer,
        409,
        "transition_refused",
        "needs a published post-mortem",
    );

    let (status, drafted) = app.post(&app.admin, &path, json!({}));
    assert_eq!(status, 201, "{drafted}");
    let (status, again) = app.post(&app.admin, &path, json!({}));
    assert_eq!(status, 200, "a second draft answers the first");
    assert_eq!(again["version"], drafted["version"]);
    let document = &drafted["document"];
    assert_eq!(drafted["status"], "Draft");
    assert_eq!(drafted["revision"], 1);
    assert_eq!(document["authors"], json!(["Ada Admin"]));
    assert_eq!(document["severity"], "SEV1");
    assert_eq!(document["root_cause"], "Database connection pool exhausted");
    assert_eq!(
        document["summary"],
        "Database connection pool exhausted. Reported by a user at 2026-11-22 10:00 UTC; \
         resolved at 2026-11-22 11:45 UTC, 1h 45m after detection."
    );
    let rows: Vec<(String, String)> = document["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["at"].as_str().unwrap().to_string(),
                r["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "2026-11-22 10:00",
            "Ada Admin created the incident (Open): Database connection pool exhausted",
        ),
        (
            "2026-11-22 10:00",
            "Ada Admin assigned the incident to admin@example.com",
        ),
        ("2026-11-22 10:00", "Ada Admin acknowledged the incident"),
        ("2026-11-22 10:05", "Ada Admin moved Open → Investigating"),
        (
            "2026-11-22 10:15",
            "Ada Admin moved Investigating → In Progress: Root cause identified: Database connection pool exhausted",
        ),
        (
            "2026-11-22 10:45",
            "Triage recorded an overdue stakeholder update, due 2026-11-22 10:35 UTC; reminded admin@example.com (no contact method)",
        ),
        (
            "2026-11-22 10:45",
            "Ada Admin moved In Progress → Monitoring: Fix deployed, monitoring for 24 hours",
        ),
        (
            "2026-11-22 11:45",
            "Triage recorded an overdue stakeholder update, due 2026-11-22 11:15 UTC; reminded admin@example.com (no contact method)",
        ),
        (
            "2026-11-22 11:45",
            "Ada Admin moved Monitoring → Resolved (resolution: Fixed): Incident resolved. No recurrence in 24h.",
        ),
    ];
    let rows: Vec<(&str, &str)> = rows.iter().map(|(a, t)| (a.as_str(), t.as_str())).collect();
    assert_eq!(rows, expected);

    // As the file teams keep.
    let (status, content_type, file) = markdown(&app, &path);
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/markdown; charset=utf-8");
    assert!(
        file.starts_with(&format!(
            "# Post-mortem: {key} Database connection pool exhausted\n"
        )),
        "{file}"
    );
    assert!(file.contains("| 2026-11-22 10:15 | Ada Admin moved Investigating → In Progress: Root cause identified: Database connection pool exhausted |"));

    // Edited in an editor and pushed back as Markdown.
    let edited = file.replace(
        "### What went wrong\n",
        "### What went wrong\n\nThe pool size was never load-tested.\n",
    );
    let put = |body: &str, version: Option<&str>| {
        let mut headers = vec![("Content-Type", "text/markdown")];
        if let Some(v) = version {
            headers.push(("If-Match", v));
        }
        app.raw(
            "PUT",
            &path,
            Some(&app.admin),
            Some(body.to_string()),
            &headers,
        )
    };
    let before = app.snapshot();
    let broken = edited.replace("## Impact", "## Effects");
    let (status, body) = put(&broken, None);
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 15: unknown section 'Effects'"),
        "{body}"
    );
    let (status, body) = put(&edited, Some("\"7\""));
    assert_eq!(status, 409, "{body}");
    assert_eq!(app.snapshot(), before);
    let (status, _) = put(&edited, Some("\"1\""));
    assert_eq!(status, 200);
    let (_, saved) = app.get(&app.admin, &path);
    assert_eq!(
        saved["document"]["went_wrong"],
        "The pool size was never load-tested."
    );
    assert_eq!(saved["version"], 2);

    // Review, publish (frozen), close.
    let (status, reviewed) = app.post(&app.admin, &format!("{path}/review"), json!({}));
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(reviewed["status"], "In Review");
    let answer = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({"name": "Closed"}),
    );
    assert_error(
        &answer,
        409,
        "transition_refused",
        "its post-mortem must be Published first (it is In Review)",
    );
    let (status, published) = app.post(&app.admin, &format!("{path}/publish"), json!({}));
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "Published");
    let (status, body) = put(&edited, None);
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("frozen")
    );
    let closed = transition(&app, &key, json!({"name": "Closed"}));
    assert_eq!(closed["status"], "Closed");

    // Reopened: revision 2 to write, revision 1 as it was published.
    let (status, reopened) = app.post(&app.admin, &format!("{path}/reopen"), json!({}));
    assert_eq!(status, 200, "{reopened}");
    assert_eq!(reopened["revision"], 2);
    assert_eq!(reopened["status"], "Draft");
    let (_, revisions) = app.get(&app.admin, &format!("{path}/revisions"));
    assert_eq!(revisions["revisions"].as_array().unwrap().len(), 2);
    let (status, first) = app.get(&app.admin, &format!("{path}/revisions/1"));
    assert_eq!(status, 200);
    assert_eq!(first["status"], "Published");
    let answer = app.post(&app.admin, &format!("{path}/publish-now"), json!({}));
    assert_eq!(answer.0, 404, "{}", answer.1);

    let (_, events) = app.get(&app.admin, &format!("/api/v1/incidents/{key}/timeline"));
    let texts: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    for expected in [
        "Ada Admin drafted the post-mortem from the timeline",
        "Ada Admin sent the post-mortem for review",
        "Ada Admin published the post-mortem (revision 1)",
        "Ada Admin reopened the post-mortem as revision 2",
    ] {
        assert!(texts.contains(&expected), "{expected} in {texts:?}");
    }

    // Viewers read it but write nothing.
    let viewer = app.user("viewer@example.com", "viewer", &[]);
    assert_eq!(app.get(&viewer, &path).0, 200);
    assert_eq!(
        app.post(&viewer, &format!("{path}/publish"), json!({})).0,
        403
    );
}

on_both_backends!(a_post_mortem_is_drafted_reviewed_published_and_reopened);

fn a_false_alarm_closes_without_one(backend: Backend) {
    let app = TestApp::spawn(backend);
    let incident = app.incident(json!({"summary": "Flapping probe"}));
    let key = incident["key"].as_str().unwrap();
    let done = transition(&app, key, json!({"name": "False Alarm"}));
    assert_eq!(done["status"], "False Alarm");
}

on_both_backends!(a_false_alarm_closes_without_one);

/// Events written before each kept its sentence are described from their data.
fn events_without_a_kept_sentence_are_described_from_their_data(backend: Backend) {
    let app = TestApp::spawn(backend);
    let incident = app.incident(json!({"summary": "Queue stuck"}));
    let key = incident["key"].as_str().unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE sentence IS NULL"),
        0,
        "every event is written with its sentence"
    );
    // The created event again, as a Triage without the column wrote it.
    app.scalar(
        "INSERT INTO events (incident_id, actor_id, at, kind, data) \
         SELECT incident_id, actor_id, at, kind, data FROM events WHERE kind = 'created' \
         RETURNING id",
    );
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/postmortem"),
        json!({}),
    );
    assert_eq!(status, 201, "{body}");
    let texts: Vec<&str> = body["document"]["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts, ["Ada Admin created the incident (Open): Queue stuck"; 2],
        "{body}"
    );
}

on_both_backends!(events_without_a_kept_sentence_are_described_from_their_data);
