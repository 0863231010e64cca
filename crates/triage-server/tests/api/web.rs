//! The web console over HTTP: signing in and out, cookies and CSRF, the dashboard.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;

use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;

/// A cookie-keeping client that does not follow redirects, like a browser seen from the
/// server's side.
pub struct Browser {
    agent: ureq::Agent,
    base: String,
    cookies: HashMap<String, String>,
    headers: Vec<(&'static str, &'static str)>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(std::time::Duration::from_secs(30)))
            .build()
            .into();
        Browser {
            agent,
            base: app.url(),
            cookies: HashMap::new(),
            headers: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn finish(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Page {
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for cookie in &set_cookies {
            let (pair, attributes) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
            set_cookies,
            body: response.body_mut().read_to_string().unwrap_or_default(),
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let mut request = self.agent.get(format!("{}{path}", self.base));
        request = request.header("Cookie", self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        let response = request.call().unwrap();
        self.finish(response)
    }

    /// Opens a server-sent event stream, over a plain socket so that every line is read
    /// as soon as it arrives (chunk-size lines are read too, and ignored by the reader).
    pub fn stream(&self, path: &str) -> Box<dyn BufRead> {
        let address = self.base.trim_start_matches("http://");
        let mut socket = TcpStream::connect(address).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(
            socket,
            "GET {path} HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\nAccept: text/event-stream\r\n\r\n",
            self.cookie_header()
        )
        .unwrap();
        let mut reader = BufReader::new(socket);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        Box::new(reader)
    }

    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut request = self.agent.post(format!("{}{path}", self.base));
        request = request.header("Cookie", self.cookie_header());
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        let response = request.send_form(fields.iter().copied()).unwrap();
        self.finish(response)
    }
}

/// The value of the first hidden `csrf` field on the page.
pub fn csrf(page: &Page) -> String {
    let start = page
        .body
        .find("name=\"csrf\" value=\"")
        .expect("a csrf field")
        + 19;
    page.body[start..].split('"').next().unwrap().to_string()
}

/// The console password `app_with_password` gives admin@example.com.
pub const PASSWORD: &str = "correct horse battery";

pub fn app_with_password(backend: Backend) -> TestApp {
    let app = TestApp::spawn(backend);
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/users/admin@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204, "{body}");
    app
}

pub fn sign_in_as(browser: &mut Browser, email: &str, password: &str) -> Page {
    let form = browser.get("/login");
    let token = csrf(&form);
    browser.post(
        "/login",
        &[("email", email), ("password", password), ("csrf", &token)],
    )
}

pub fn sign_in(browser: &mut Browser, password: &str) -> Page {
    sign_in_as(browser, "admin@example.com", password)
}

fn signing_in_and_out_with_cookies_and_csrf(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);

    let first = browser.get("/");
    assert_eq!(first.status, 303);
    assert_eq!(first.location.as_deref(), Some("/login"));

    let form = browser.get("/login");
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<label for=\"password\">Password</label>")
    );
    assert!(form.set_cookies[0].starts_with("triage_signin="));
    assert!(form.set_cookies[0].contains("HttpOnly; SameSite=Strict"));

    // A post without the form's token (another site's form) is refused.
    let forged = browser.post(
        "/login",
        &[
            ("email", "admin@example.com"),
            ("password", "correct horse battery"),
            ("csrf", "forged"),
        ],
    );
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("expired"), "{}", forged.body);
    assert!(!browser.cookies.contains_key("triage_session"));

    let wrong = sign_in(&mut browser, "wrong horse battery");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("do not match an active account"));
    assert!(
        wrong.body.contains("value=\"admin@example.com\""),
        "the address is kept"
    );
    assert!(!browser.cookies.contains_key("triage_session"));

    let signed_in = sign_in(&mut browser, "correct horse battery");
    assert_eq!(signed_in.status, 303);
    assert_eq!(signed_in.location.as_deref(), Some("/"));
    let session = signed_in
        .set_cookies
        .iter()
        .find(|c| c.starts_with("triage_session=trs_"))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly; SameSite=Lax"), "{session}");
    assert!(session.contains("Max-Age=43200"), "{session}");
    assert!(!session.contains("Secure"), "plain HTTP: {session}");

    let dashboard = browser.get("/");
    assert_eq!(dashboard.status, 200);
    assert!(dashboard.body.contains("Ada Admin"));

    let refused = browser.post("/logout", &[("csrf", "not-the-token")]);
    assert_eq!(refused.status, 403);
    assert_eq!(browser.get("/").status, 200, "still signed in");
    let token = csrf(&dashboard);
    let out = browser.post("/logout", &[("csrf", &token)]);
    assert_eq!(out.status, 303);
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert!(!browser.cookies.contains_key("triage_session"));
    assert_eq!(browser.get("/").status, 303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions"), 0);
}

fn cookies_are_secure_behind_https_and_sessions_expire(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);
    browser.headers.push(("X-Forwarded-Proto", "https"));
    let signed_in = sign_in(&mut browser, "correct horse battery");
    assert!(
        signed_in
            .set_cookies
            .iter()
            .all(|c| c.ends_with("; Secure"))
    );
    assert_eq!(browser.get("/").status, 200);
    app.advance(12 * 60);
    let expired = browser.get("/");
    assert_eq!(expired.status, 303, "a session lasts 12 hours");
}

fn the_dashboard_shows_what_is_on_fire(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({ "summary": "Checkout <script>alert(1)</script> down", "priority": "P1", "severity": "SEV1" }));
    app.incident(
        json!({ "summary": "Search slow", "priority": "P2", "assignee": "admin@example.com" }),
    );
    app.incident(json!({ "summary": "Typo on status page" }));
    let done = app.incident(json!({ "summary": "Disk full", "priority": "P3" }));
    let key = done["key"].as_str().unwrap();
    let (status, body) = app.post(
        &app.admin,
        &format!("/api/v1/incidents/{key}/transitions"),
        json!({ "name": "False Alarm" }),
    );
    assert_eq!(status, 200, "{body}");
    app.advance(75);

    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/");
    assert_eq!(page.status, 200);
    let html = &page.body;
    assert!(html.contains("<h1>3 active incidents</h1>"), "{html}");
    assert!(
        html.contains("Checkout &#60;script&#62;alert(1)&#60;/script&#62; down"),
        "text is escaped"
    );
    assert!(!html.contains("<script>alert"), "text is escaped");
    let p1 = html.find(">Critical (P1) <").expect("a P1 group");
    let p2 = html.find(">High (P2) <").expect("a P2 group");
    let none = html
        .find(">No priority <")
        .expect("a group without priority");
    assert!(p1 < p2 && p2 < none, "most urgent first");
    assert!(html.contains("<span class=\"status todo\">Open</span>"));
    assert!(
        html.contains(">1h 15m</time>"),
        "ages from the injected clock"
    );
    assert!(html.contains("title=\"opened 2026-11-22 10:00 UTC\""));
    let unassigned =
        &html[html.find("Nobody on it").unwrap()..html.find("Recently resolved").unwrap()];
    assert!(unassigned.contains("INC-1") && unassigned.contains("INC-3"));
    assert!(!unassigned.contains("INC-2"));
    let resolved = &html[html.find("Recently resolved").unwrap()..];
    assert!(resolved.contains("INC-4") && resolved.contains("status done"));
    assert!(html.contains("<span class=\"label\">SEV1</span> <span class=\"count\">1</span>"));

    let css = browser.get("/assets/app.css");
    assert_eq!(css.status, 200);
    assert!(css.body.contains(".status.todo"));
}

/// The hidden `version` field's value on the page.
fn version(page: &Page) -> String {
    let start = page
        .body
        .find("name=\"version\" value=\"")
        .expect("a version field")
        + 22;
    page.body[start..].split('"').next().unwrap().to_string()
}

fn a_responder_works_an_incident_from_its_page(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({ "summary": "Checkout down" }));
    app.incident(json!({ "summary": "Payments slow", "priority": "P2" }));
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");

    let page = browser.get("/incidents/inc-1");
    assert_eq!(page.status, 200);
    let html = &page.body;
    assert!(html.contains("<h1><span class=\"key\">INC-1</span> Checkout down</h1>"));
    // Investigating is shown, disabled, with the reason; False Alarm is offered.
    let investigating = &html[html.find("<h3>Investigating").unwrap()..];
    let investigating = &investigating[..investigating.find("</div>").unwrap()];
    assert!(investigating.contains("disabled"), "{investigating}");
    assert!(investigating.contains("priority"), "{investigating}");
    assert!(html.contains("name=\"transition\" value=\"False Alarm\""));
    let token = csrf(&page);

    // Posting the refused transition anyway: the reason, and nothing changes.
    let before = app.snapshot();
    let refused = browser.post(
        "/incidents/INC-1/transition",
        &[
            ("csrf", &token),
            ("version", "1"),
            ("transition", "Investigating"),
        ],
    );
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"action-error\""),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("priority"));
    assert_eq!(app.snapshot(), before);

    let set = browser.post(
        "/incidents/INC-1/fields",
        &[
            ("csrf", &token),
            ("version", "1"),
            ("priority", "P1"),
            ("severity", "SEV2"),
        ],
    );
    assert_eq!(set.status, 303);
    assert_eq!(set.location.as_deref(), Some("/incidents/INC-1"));
    let page = browser.get("/incidents/INC-1");
    assert!(page.body.contains("<dd>Critical (P1)</dd>"));
    let current = version(&page);
    let moved = browser.post(
        "/incidents/INC-1/transition",
        &[
            ("csrf", &token),
            ("version", &current),
            ("transition", "Investigating"),
            ("comment", "looking at the load balancer"),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);

    // A form from before that change is refused: someone (here, we) moved it since.
    let stale = browser.post(
        "/incidents/INC-1/assign",
        &[
            ("csrf", &token),
            ("version", &current),
            ("assignee", "admin@example.com"),
        ],
    );
    assert_eq!(stale.status, 409);
    assert!(
        stale.body.contains("changed by someone else"),
        "{}",
        stale.body
    );
    let page = browser.get("/incidents/INC-1");
    let assigned = browser.post(
        "/incidents/INC-1/assign",
        &[
            ("csrf", &token),
            ("version", &version(&page)),
            ("assignee", "admin@example.com"),
        ],
    );
    assert_eq!(assigned.status, 303);
    browser.post(
        "/incidents/INC-1/comment",
        &[("csrf", &token), ("comment", "Rolled back the deploy")],
    );
    let linked = browser.post(
        "/incidents/INC-1/link",
        &[
            ("csrf", &token),
            ("relation", "is caused by"),
            ("other", "INC-2"),
        ],
    );
    assert_eq!(linked.status, 303);
    let bad_link = browser.post(
        "/incidents/INC-1/link",
        &[
            ("csrf", &token),
            ("relation", "is caused by"),
            ("other", "INC-99"),
        ],
    );
    assert_eq!(bad_link.status, 422);
    assert!(bad_link.body.contains("INC-99"));

    let page = browser.get("/incidents/INC-1");
    let html = &page.body;
    assert!(html.contains("<span class=\"status progress\">Investigating</span>"));
    assert!(html.contains("Ada Admin &lt;admin@example.com&gt;"));
    assert!(html.contains("is caused by <a href=\"/incidents/INC-2\">"));
    let timeline = &html[html.find("<ol class=\"timeline\">").unwrap()..];
    for expected in [
        "Open → Investigating",
        "looking at the load balancer",
        "Rolled back the deploy",
    ] {
        assert!(timeline.contains(expected), "{expected} in {timeline}");
    }

    let forged = browser.post(
        "/incidents/INC-1/comment",
        &[("csrf", "forged"), ("comment", "x")],
    );
    assert_eq!(forged.status, 403);
}

fn viewers_read_but_get_no_actions(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({ "summary": "Checkout down" }));
    app.user("viewer@example.com", "viewer", &[]);
    let (status, _) = app.put(
        &app.admin,
        "/api/v1/users/viewer@example.com/password",
        json!({ "password": "viewer password" }),
    );
    assert_eq!(status, 204);
    let mut browser = Browser::new(&app);
    let form = browser.get("/login");
    let token = csrf(&form);
    browser.post(
        "/login",
        &[
            ("email", "viewer@example.com"),
            ("password", "viewer password"),
            ("csrf", &token),
        ],
    );
    let page = browser.get("/incidents/INC-1");
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("id=\"actions\""));
    assert!(
        !page.body.contains("href=\"/admin\""),
        "no admin link for a viewer"
    );
    assert!(
        !page.body.contains("href=\"/incidents/new\""),
        "no report link for a viewer"
    );
    let before = app.snapshot();
    let refused = browser.post(
        "/incidents/INC-1/comment",
        &[("csrf", &csrf(&page)), ("comment", "sneaky")],
    );
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("only responders and admins"));
    assert_eq!(app.snapshot(), before);
    assert_eq!(browser.get("/incidents/INC-404").status, 404);
}

fn the_list_keeps_its_filter_in_the_url(backend: Backend) {
    let app = app_with_password(backend);
    for n in 1..=60 {
        let priority = if n % 3 == 0 { "P1" } else { "P3" };
        app.incident(json!({ "summary": format!("Incident {n}"), "priority": priority, "services": ["checkout"] }));
    }
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");

    let page = browser.get("/incidents?priority=P1&service=checkout&status=&q=");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body.matches("<tr>").count(),
        20 + 1,
        "20 rows and the header"
    );
    assert!(
        page.body.contains("<option value=\"P1\" selected>"),
        "the form shows the filter"
    );
    assert!(!page.body.contains("rel=\"next\""));

    let all = browser.get("/incidents?sort=key");
    assert_eq!(all.body.matches("<tr>").count(), 50 + 1);
    let start = all.body.find("rel=\"next\" href=\"").unwrap() + 17;
    let next = all.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(next.starts_with("/incidents?sort=key&cursor="), "{next}");
    let second = browser.get(&next);
    assert_eq!(second.body.matches("<tr>").count(), 10 + 1);
    assert!(second.body.contains("INC-60") && !second.body.contains(">INC-50<"));

    let bad = browser.get("/incidents?priority=P9");
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("P9"), "{}", bad.body);
    let unknown = browser.get("/incidents?colour=red");
    assert_eq!(unknown.status, 422);
}

fn reporting_an_incident_from_the_console(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let form = browser.get("/incidents/new");
    assert_eq!(form.status, 200);
    let token = csrf(&form);

    let before = app.snapshot();
    let empty = browser.post(
        "/incidents/new",
        &[
            ("csrf", &token),
            ("summary", "  "),
            ("description", "kept"),
            ("services", "checkout"),
        ],
    );
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("summary"), "{}", empty.body);
    assert!(
        empty.body.contains(">kept</textarea>"),
        "what was typed is kept"
    );
    assert_eq!(app.snapshot(), before);

    let created = browser.post(
        "/incidents/new",
        &[
            ("csrf", &token),
            ("summary", "Customers cannot log in"),
            ("description", "Reported by support"),
            ("priority", "P2"),
            ("severity", ""),
            ("services", "auth, web"),
            ("labels", "customer-facing"),
        ],
    );
    assert_eq!(created.status, 303);
    assert_eq!(created.location.as_deref(), Some("/incidents/INC-1"));
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["detection_source"], "user_report");
    assert_eq!(incident["priority"], "P2");
    assert_eq!(incident["services"], json!(["auth", "web"]));
    assert_eq!(incident["labels"], json!(["customer-facing"]));
}

/// Reads the stream until its next `changed` event; answers the event's data.
fn next_change(stream: &mut impl BufRead) -> String {
    let mut event = String::new();
    loop {
        let mut line = String::new();
        assert!(stream.read_line(&mut line).unwrap() > 0, "the stream ended");
        let line = line.trim_end();
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_string();
        } else if let Some(data) = line.strip_prefix("data: ")
            && event == "changed"
        {
            return data.to_string();
        }
    }
}

fn pages_hear_about_changes_live(backend: Backend) {
    let app = app_with_password(backend);
    app.incident(json!({ "summary": "Checkout down" }));
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/incidents/INC-1");
    assert!(
        page.body
            .contains("data-live=\"/live/incidents/INC-1\" data-mark=\"1.1\"")
    );
    let dashboard = browser.get("/");
    let start = dashboard.body.find("data-mark=\"").unwrap() + 11;
    let mark = dashboard.body[start..]
        .split('"')
        .next()
        .unwrap()
        .to_string();

    let mut incident = browser.stream("/live/incidents/INC-1?since=1.1");
    let mut incidents = browser.stream(&format!("/live/incidents?since={mark}"));
    // On PostgreSQL the change comes through a second server: the streams read the
    // database, not one server's memory.
    let other = match backend {
        Backend::Postgres => Some(
            triage_server::background::BackgroundServer::start(
                &app.db.db,
                triage_store::StoreOptions::default(),
                Arc::new(triage_core::clock::ManualClock::new(app.now())),
            )
            .unwrap(),
        ),
        Backend::Sqlite => None,
    };
    let url = other
        .as_ref()
        .map_or_else(|| app.url(), |server| server.url());
    let changed = ureq::patch(format!("{url}/api/v1/incidents/INC-1"))
        .header("Authorization", format!("Bearer {}", app.admin))
        .send_json(json!({ "priority": "P1" }))
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    assert_eq!(next_change(&mut incident), "2.2");
    assert_ne!(next_change(&mut incidents), mark);
    // A record the paging engine adds (here a lapsed P1 response time) changes no
    // version, and is heard all the same.
    app.advance(20);
    assert_eq!(next_change(&mut incident), "2.3");

    let script = browser.get("/assets/app.js");
    assert_eq!(script.status, 200);
    assert!(script.body.contains("EventSource"));
    assert!(script.body.len() < 50 * 1024, "the script budget is 50 KB");
}

fn admins_manage_people_and_tokens_in_the_console(backend: Backend) {
    let app = app_with_password(backend);
    let mut browser = Browser::new(&app);
    sign_in(&mut browser, "correct horse battery");
    let page = browser.get("/admin");
    assert_eq!(page.status, 200);
    let token = csrf(&page);
    let post = |browser: &mut Browser, action: &str, fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        browser.post(&format!("/admin/{action}"), &all)
    };

    let short = post(
        &mut browser,
        "invite",
        &[
            ("email", "bob@example.com"),
            ("role", "responder"),
            ("password", "short"),
        ],
    );
    assert_eq!(short.status, 422);
    assert!(short.body.contains("at least 10 characters"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM users WHERE email = 'bob@example.com'"),
        0
    );
    let invited = post(
        &mut browser,
        "invite",
        &[
            ("email", "bob@example.com"),
            ("name", "Bob"),
            ("role", "responder"),
            ("group", "sre"),
            ("password", "bob's first password"),
        ],
    );
    assert_eq!(invited.status, 303);
    let again = post(
        &mut browser,
        "invite",
        &[("email", "bob@example.com"), ("role", "viewer")],
    );
    assert_eq!(again.status, 409);
    assert_eq!(
        post(
            &mut browser,
            "role",
            &[("email", "bob@example.com"), ("role", "viewer")]
        )
        .status,
        303
    );
    assert_eq!(
        post(
            &mut browser,
            "group",
            &[("group", "dba"), ("description", "Databases")]
        )
        .status,
        303
    );
    assert_eq!(
        post(
            &mut browser,
            "join",
            &[("email", "bob@example.com"), ("group", "dba")]
        )
        .status,
        303
    );
    assert_eq!(
        post(
            &mut browser,
            "leave",
            &[("email", "bob@example.com"), ("group", "sre")]
        )
        .status,
        303
    );
    let (_, bob) = app.get(&app.admin, "/api/v1/users/bob@example.com");
    assert_eq!(bob["role"], "viewer");
    assert_eq!(bob["groups"], json!(["dba"]));

    // Bob signs in with the password he was given; a reset ends his session.
    let mut bobs = Browser::new(&app);
    let signed_in = sign_in_as(&mut bobs, "bob@example.com", "bob's first password");
    assert_eq!(signed_in.status, 303);
    assert_eq!(bobs.get("/admin").status, 403, "only admins");
    assert_eq!(
        post(
            &mut browser,
            "password",
            &[
                ("email", "bob@example.com"),
                ("password", "bob's second password")
            ]
        )
        .status,
        303
    );
    assert_eq!(bobs.get("/").status, 303, "signed out by the reset");

    // A token is shown once, works, and can be revoked.
    let created = post(
        &mut browser,
        "token",
        &[("email", "bob@example.com"), ("name", "laptop")],
    );
    assert_eq!(created.status, 200);
    let start = created.body.find("<code>").unwrap() + 6;
    let secret = created.body[start..].split('<').next().unwrap().to_string();
    assert!(secret.starts_with("trg_"));
    assert_eq!(app.get(&secret, "/api/v1/me").0, 200);
    let (_, tokens) = app.get(&app.admin, "/api/v1/tokens?user=bob@example.com");
    let id = tokens["tokens"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(post(&mut browser, "revoke", &[("id", &id)]).status, 303);
    assert_eq!(app.get(&secret, "/api/v1/me").0, 401);
    assert!(
        !browser.get("/admin").body.contains(&secret),
        "shown only once"
    );

    assert_eq!(
        post(&mut browser, "deactivate", &[("email", "bob@example.com")]).status,
        303
    );
    assert_eq!(
        sign_in_as(&mut bobs, "bob@example.com", "bob's second password").status,
        401
    );
    assert_eq!(
        post(&mut browser, "delete-group", &[("group", "dba")]).status,
        303
    );
    let forged = browser.post("/admin/group", &[("csrf", "forged"), ("group", "x")]);
    assert_eq!(forged.status, 403);
}

on_both_backends!(
    admins_manage_people_and_tokens_in_the_console,
    pages_hear_about_changes_live,
    the_list_keeps_its_filter_in_the_url,
    reporting_an_incident_from_the_console,
    a_responder_works_an_incident_from_its_page,
    viewers_read_but_get_no_actions,
    signing_in_and_out_with_cookies_and_csrf,
    cookies_are_secure_behind_https_and_sessions_expire,
    the_dashboard_shows_what_is_on_fire,
);
