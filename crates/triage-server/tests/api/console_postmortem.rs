//! The post-mortem in the console, on both backends: drafted with a button, edited as its
//! Markdown in the page (a file that does not parse or a stale page is refused with the
//! reason, the edit kept in the form, nothing changed), reviewed, published (then shown,
//! not editable) and reopened; the incident's page links to it; viewers read only.

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::web::{Browser, PASSWORD, app_with_password, csrf, sign_in, sign_in_as};

fn version(body: &str) -> String {
    let start = body
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + 22;
    body[start..].split('"').next().unwrap().to_string()
}

/// The textarea's text, unescaped as a browser would submit it.
fn textarea(body: &str) -> String {
    let start = body.find("id=\"postmortem-text\"").expect("the editor");
    let from = body[start..].find('>').unwrap() + start + 1;
    let to = body[from..].find("</textarea>").unwrap() + from;
    body[from..to]
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
}

fn a_post_mortem_is_written_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({"summary": "Checkout down & out", "priority": "P2",
                        "severity": "SEV2"}));
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, PASSWORD);
    let incident = browser.get("/incidents/INC-1");
    assert!(
        incident
            .body
            .contains("<a href=\"/incidents/INC-1/postmortem\">none yet</a>")
    );
    let page = browser.get("/incidents/INC-1/postmortem");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("No post-mortem yet."));
    let token = csrf(&page);
    let drafted = browser.post("/incidents/INC-1/postmortem/draft", &[("csrf", &token)]);
    assert_eq!(drafted.status, 303, "{}", drafted.body);

    let page = browser.get("/incidents/INC-1/postmortem");
    assert!(page.body.contains("id=\"postmortem-status\">Draft</span>"));
    let text = textarea(&page.body);
    assert!(
        text.starts_with("# Post-mortem: INC-1 Checkout down &amp; out\n"),
        "{text}"
    );
    let edited = text.replace(
        "### Where we got lucky\n",
        "### Where we got lucky\n\nThe spare pool was warm.\n",
    );
    let before = app.snapshot();
    let broken = browser.post(
        "/incidents/INC-1/postmortem/save",
        &[
            ("csrf", &token),
            ("version", &version(&page.body)),
            ("text", &edited.replace("## Timeline", "## Chronology")),
        ],
    );
    assert_eq!(broken.status, 422);
    assert!(
        broken.body.contains("unknown section &#39;Chronology&#39;"),
        "{}",
        broken.body
    );
    assert!(
        textarea(&broken.body).contains("## Chronology"),
        "the edit is kept"
    );
    let stale = browser.post(
        "/incidents/INC-1/postmortem/save",
        &[("csrf", &token), ("version", "99"), ("text", &edited)],
    );
    assert_eq!(stale.status, 409);
    assert_eq!(app.snapshot(), before);
    let saved = browser.post(
        "/incidents/INC-1/postmortem/save",
        &[
            ("csrf", &token),
            ("version", &version(&page.body)),
            ("text", &edited),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (_, api) = app.get(&app.admin, "/api/v1/incidents/INC-1/postmortem");
    assert_eq!(api["document"]["lucky"], "The spare pool was warm.");
    assert_eq!(api["document"]["title"], "Checkout down & out");

    for (action, status) in [("review", "In Review"), ("publish", "Published")] {
        let moved = browser.post(
            &format!("/incidents/INC-1/postmortem/{action}"),
            &[("csrf", &token)],
        );
        assert_eq!(moved.status, 303, "{}", moved.body);
        let page = browser.get("/incidents/INC-1/postmortem");
        assert!(
            page.body
                .contains(&format!("id=\"postmortem-status\">{status}</span>")),
            "{}",
            page.body
        );
    }
    let page = browser.get("/incidents/INC-1/postmortem");
    assert!(!page.body.contains("<textarea"), "published is read-only");
    assert!(page.body.contains("The spare pool was warm."));
    let reopened = browser.post("/incidents/INC-1/postmortem/reopen", &[("csrf", &token)]);
    assert_eq!(reopened.status, 303);
    let page = browser.get("/incidents/INC-1/postmortem");
    assert!(page.body.contains("revision 2"));
    assert!(page.body.contains("Revision 1</a> Published"));
    let first = browser.get("/incidents/INC-1/postmortem.md?revision=1");
    assert_eq!(first.status, 200);
    assert!(
        first.body.contains("| Status | Published |"),
        "{}",
        first.body
    );
    assert!(first.body.contains("The spare pool was warm."));
    assert_eq!(
        browser
            .get("/incidents/INC-1/postmortem.md?revision=9")
            .status,
        404
    );
    let incident = browser.get("/incidents/INC-1");
    assert!(
        incident
            .body
            .contains("<a href=\"/incidents/INC-1/postmortem\">Draft</a> <span class=\"hint\">revision 2</span>"),
        "{}",
        incident.body
    );

    app.user("viewer@example.com", "viewer", &[]);
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/users/viewer@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204, "{body}");
    let mut viewer = Browser::new(&app);
    sign_in_as(&mut viewer, "viewer@example.com", PASSWORD);
    let page = viewer.get("/incidents/INC-1/postmortem");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<textarea"));
    assert!(!page.body.contains("/postmortem/publish"));
    let refused = viewer.post(
        "/incidents/INC-1/postmortem/publish",
        &[("csrf", &csrf(&page))],
    );
    assert_eq!(refused.status, 403);
}

on_both_backends!(a_post_mortem_is_written_in_the_console);
