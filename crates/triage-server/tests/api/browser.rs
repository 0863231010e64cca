//! The web console in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over WebDriver: sign in, report an incident, see it on the
//! dashboard, be refused Investigating without a priority (with the reason), set P1,
//! transition, assign, comment, read the timeline — while a second browser session sees
//! the change arrive live. Screenshots of the key pages are saved as test artifacts.
//!
//! Where there is no chromedriver the test passes with a note, unless
//! `TRIAGE_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs the packages).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::web::PASSWORD;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process on a free loopback port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromedriver, or `None` (with a note) where it is not installed and not required.
pub(crate) fn driver() -> Option<Driver> {
    let path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| CHROMEDRIVER.to_string());
    if !std::path::Path::new(&path).exists() {
        let required =
            std::env::var("TRIAGE_REQUIRE_BROWSER").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "TRIAGE_REQUIRE_BROWSER is set but {path} is missing"
        );
        let _ = writeln!(
            std::io::stderr(),
            "note: the browser test did not run: no {path} (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    // It says when it listens.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = lines.find(|line| {
        line.as_ref()
            .is_ok_and(|l| l.contains("started successfully"))
    });
    assert!(started.is_some(), "chromedriver did not start");
    std::thread::spawn(move || lines.for_each(drop));
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

pub(crate) async fn browser(driver: &Driver) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000"]
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

pub(crate) fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(screenshots().join(name), png).unwrap();
}

/// Waits (up to 15 s) for an element matching the XPath `xpath`.
async fn until(browser: &Client, xpath: &str) {
    browser
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("waiting for {xpath}: {e}"));
}

/// The text of the element matching `css`, read again if the page replaced it between
/// finding and reading (a navigation or a live update).
pub(crate) async fn text(browser: &Client, css: &str) -> String {
    for _ in 0..20 {
        let element = browser
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        match element.text().await {
            Ok(text) => return text,
            Err(error) if error.to_string().contains("stale element") => continue,
            Err(error) => panic!("{css}: {error}"),
        }
    }
    panic!("{css} kept being replaced")
}

async fn sign_in(browser: &Client, base: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    browser
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("admin@example.com")
        .await
        .unwrap();
    browser
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(browser, "//main/h1[contains(., 'active incident')]").await;
}

/// Submits the form whose action ends with `action` on the incident page.
async fn submit(browser: &Client, action: &str) {
    browser
        .find(Locator::Css(&format!(
            "form[action$='{action}'] button[type=submit]"
        )))
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn scenario(app: &TestApp, driver: &Driver) {
    let base = app.url();
    let first = browser(driver).await;
    let second = browser(driver).await;

    first.goto(&format!("{base}/login")).await.unwrap();
    screenshot(&first, "sign-in.png").await;
    sign_in(&first, &base).await;

    // Report an incident.
    first.goto(&format!("{base}/incidents/new")).await.unwrap();
    first
        .find(Locator::Id("summary"))
        .await
        .unwrap()
        .send_keys("Checkout is failing")
        .await
        .unwrap();
    first
        .find(Locator::Id("services"))
        .await
        .unwrap()
        .send_keys("checkout")
        .await
        .unwrap();
    submit(&first, "/incidents/new").await;
    until(&first, "//main//h1/span[@class='key'][.='INC-1']").await;

    // It is on the dashboard.
    first.goto(&format!("{base}/")).await.unwrap();
    until(
        &first,
        "//table[contains(@class,'incidents')]//td[.='Checkout is failing']",
    )
    .await;
    screenshot(&first, "dashboard.png").await;

    // Investigating is refused without a priority, and says why.
    first
        .goto(&format!("{base}/incidents/INC-1"))
        .await
        .unwrap();
    let card = first
        .find(Locator::XPath("//div[contains(@class,'disabled')][h3[starts-with(normalize-space(.),'Investigating')]]"))
        .await
        .expect("Investigating shown disabled");
    assert!(card.text().await.unwrap().contains("priority"));

    // The second session watches the same incident.
    sign_in(&second, &base).await;
    second
        .goto(&format!("{base}/incidents/INC-1"))
        .await
        .unwrap();
    until(
        &second,
        "//main//p/span[contains(@class,'status')][.='Open']",
    )
    .await;

    // Set P1, then Investigating with a comment, assign, comment.
    first
        .find(Locator::Id("priority"))
        .await
        .unwrap()
        .select_by_value("P1")
        .await
        .unwrap();
    submit(&first, "/fields").await;
    until(&first, "//dl[@class='fields']/dd[.='Critical (P1)']").await;
    first
        .find(Locator::XPath(
            "//form[input[@name='transition'][@value='Investigating']]//input[@name='comment']",
        ))
        .await
        .unwrap()
        .send_keys("Looking at the payment gateway")
        .await
        .unwrap();
    first
        .find(Locator::XPath(
            "//form[input[@name='transition'][@value='Investigating']]//button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(
        &first,
        "//main//p/span[contains(@class,'status')][.='Investigating']",
    )
    .await;
    first
        .find(Locator::Id("assignee"))
        .await
        .unwrap()
        .select_by_value("admin@example.com")
        .await
        .unwrap();
    submit(&first, "/assign").await;
    until(
        &first,
        "//dl[@class='fields']/dd[contains(., 'admin@example.com')]",
    )
    .await;
    first
        .find(Locator::Id("comment"))
        .await
        .unwrap()
        .send_keys("Rolled back the 14:02 deploy")
        .await
        .unwrap();
    submit(&first, "/comment").await;
    until(
        &first,
        "//ol[@class='timeline']/li[contains(., 'Rolled back the 14:02 deploy')]",
    )
    .await;
    let timeline = text(&first, "ol.timeline").await;
    for expected in [
        "Open → Investigating",
        "Looking at the payment gateway",
        "Rolled back the 14:02 deploy",
    ] {
        assert!(timeline.contains(expected), "{expected} in {timeline}");
    }
    // Stakeholders hear of it: the sre group added, an update posted from the page.
    first
        .find(Locator::Id("stakeholder-target"))
        .await
        .unwrap()
        .send_keys("sre")
        .await
        .unwrap();
    submit(&first, "/stakeholders").await;
    until(
        &first,
        "//ul[@id='stakeholders']/li[contains(., 'group sre')]",
    )
    .await;
    first
        .find(Locator::Id("update-message"))
        .await
        .unwrap()
        .send_keys("Payments flow again through the standby gateway")
        .await
        .unwrap();
    submit(&first, "/update").await;
    until(
        &first,
        "//ol[@class='updates']/li[contains(., 'Payments flow again through the standby gateway')][contains(., 'to group sre')]",
    )
    .await;
    screenshot(&first, "incident.png").await;

    // The second session saw it all happen without reloading.
    until(
        &second,
        "//main//p/span[contains(@class,'status')][.='Investigating']",
    )
    .await;
    until(
        &second,
        "//ol[@class='timeline']/li[contains(., 'Rolled back the 14:02 deploy')]",
    )
    .await;
    screenshot(&second, "incident-live.png").await;

    // An action item, added on the incident's page and finished from the backlog; the
    // response metrics drawn on the Reports page.
    first
        .goto(&format!("{base}/incidents/INC-1"))
        .await
        .unwrap();
    first
        .find(Locator::Id("item-title"))
        .await
        .unwrap()
        .send_keys("Alert on gateway errors")
        .await
        .unwrap();
    submit(&first, "/action-item").await;
    until(
        &first,
        "//tr[@id='action-1'][contains(., 'Alert on gateway errors')]",
    )
    .await;
    first.goto(&format!("{base}/action-items")).await.unwrap();
    first
        .find(Locator::XPath(
            "//tr[@id='action-1']//form[input[@name='status'][@value='Done']]/button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&first, "//tr[@id='action-1']//span[.='Done']").await;
    until(
        &first,
        "//tr[@id='action-1']//form[contains(@action, '/verify')]",
    )
    .await;
    screenshot(&first, "action-items.png").await;
    first.goto(&format!("{base}/reports")).await.unwrap();
    until(&first, "//table[@id='durations']//th[.='MTTA']").await;
    until(&first, "//*[name()='svg'][@class='weeks']/*[name()='rect']").await;
    screenshot(&first, "reports.png").await;

    // The post-mortem, drafted from the timeline and published from its page.
    first
        .goto(&format!("{base}/incidents/INC-1/postmortem"))
        .await
        .unwrap();
    submit(&first, "/postmortem/draft").await;
    until(
        &first,
        "//textarea[@id='postmortem-text'][contains(., '# Post-mortem: INC-1 Checkout is failing')]",
    )
    .await;
    screenshot(&first, "postmortem.png").await;
    submit(&first, "/postmortem/publish").await;
    until(&first, "//span[@id='postmortem-status'][.='Published']").await;
    until(
        &first,
        "//article[@id='postmortem-text']//pre[contains(., 'Payments flow again through the standby gateway')]",
    )
    .await;

    // An alert from monitoring, seen on its service's page, whose addresses get Copy
    // buttons from the page's script.
    let key = app.integration("payments", "webhook");
    let alert =
        json!({"key": "api-5xx", "summary": "Payment API 5xx above 5%", "severity": "critical"});
    let (status, _) = app.raw(
        "POST",
        &format!("/hooks/webhook/{key}"),
        None,
        Some(alert.to_string()),
        &[],
    );
    assert_eq!(status, 200);
    first
        .goto(&format!("{base}/services/payments"))
        .await
        .unwrap();
    until(
        &first,
        "//table[contains(@class,'alerts')]//td[contains(., 'Payment API 5xx above 5%')]",
    )
    .await;
    until(
        &first,
        "//code[@data-copy]/following-sibling::button[@class='copy']",
    )
    .await;
    screenshot(&first, "service.png").await;

    // On call: a schedule's week, then an incident acknowledged from its page.
    let (status, body) = app.post(
        &app.admin,
        "/api/v1/schedules",
        json!({"name": "primary", "time_zone": "Europe/Berlin", "layers": [
            {"users": ["admin@example.com"], "shift": "1w", "start": "2026-11-16T09:00"}]}),
    );
    assert_eq!(status, 201, "{body}");
    first.goto(&format!("{base}/schedules")).await.unwrap();
    until(&first, "//table[@id='schedules']//a[.='primary']").await;
    first
        .goto(&format!("{base}/schedules/primary"))
        .await
        .unwrap();
    until(
        &first,
        "//p[@id='on-call-now']/strong[.='admin@example.com']",
    )
    .await;
    until(
        &first,
        "//table[@id='calendar']//span[contains(@class,'segment')][contains(., 'admin@example.com')]",
    )
    .await;
    screenshot(&first, "schedule.png").await;
    let stuck = app.incident(json!({"summary": "Queue stuck", "priority": "P2"}));
    let stuck = stuck["key"].as_str().unwrap();
    first
        .goto(&format!("{base}/incidents/{stuck}"))
        .await
        .unwrap();
    until(&first, "//dd[@id='response'][contains(., 'left')]").await;
    submit(&first, &format!("/incidents/{stuck}/acknowledge")).await;
    until(&first, "//dd[@id='acknowledged']/time").await;
    until(&first, "//dd[@id='response'][contains(., 'met in')]").await;

    first.close().await.unwrap();
    second.close().await.unwrap();
}

fn a_responder_works_an_incident_in_a_real_browser(backend: Backend) {
    let Some(driver) = driver() else {
        return;
    };
    let app = TestApp::spawn(backend);
    let (status, body) = app.put(
        &app.admin,
        "/api/v1/users/admin@example.com/password",
        json!({ "password": PASSWORD }),
    );
    assert_eq!(status, 204, "{body}");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(scenario(&app, &driver));
    eprintln!("screenshots in {}", screenshots().display());
}

on_both_backends!(a_responder_works_an_incident_in_a_real_browser);
