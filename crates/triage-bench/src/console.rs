//! The web console's pages under load: the dashboard with 500 active incidents and an
//! incident page with 1,000 timeline events, rendered server-side, and the size of the
//! script the console ships.

use serde_json::json;

use crate::load::{self, Client};
use crate::server::{PASSWORD, Server};

pub fn run(server: &Server, samples: usize) {
    let admin = Client::new(&server.url, &server.token);
    let seeded = load::fill(server, 8, 500, |client, n| {
        let priority = ["P1", "P2", "P3", "P4"][n % 4];
        let mut body = json!({ "summary": format!("Active incident {n}"), "priority": priority });
        if n % 3 == 0 {
            body["assignee"] = json!("bench@example.com");
        }
        client.create(&body)
    });
    assert_eq!(seeded.errors, 0, "seeding the dashboard");
    let key = admin.create_key(&json!({ "summary": "The long one", "priority": "P1" }));
    let path = format!("/api/v1/incidents/{key}/comments");
    let comments = load::fill(server, 8, 999, |client, n| {
        match client.post(
            &path,
            json!({ "body": format!("update {n}: still looking") }),
        ) {
            (201, _) => Ok(()),
            (status, _) => Err(status),
        }
    });
    assert_eq!(comments.errors, 0, "adding timeline events");

    let mut browser = Client::new(&server.url, &server.token);
    browser.sign_in("bench@example.com", PASSWORD);
    println!("\n## Web console\n");
    println!("| page | p50 (ms) | p95 (ms) | p99 (ms) | size (KiB) |");
    println!("|---|---|---|---|---|");
    let incident_page = format!("/incidents/{key}");
    let pages = [
        ("dashboard, 501 active incidents", "/"),
        (
            "incident page, 1,000 timeline events",
            incident_page.as_str(),
        ),
        ("incident list, 50 rows", "/incidents"),
    ];
    for (name, path) in pages {
        let (status, size) = browser.get_size(path);
        assert_eq!(status, 200, "{path}");
        let stats = load::sequential(&browser, samples, path);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.0} |",
            stats.percentile_ms(50.0),
            stats.percentile_ms(95.0),
            stats.percentile_ms(99.0),
            size as f64 / 1024.0
        );
    }
    let (_, script) = browser.get_size("/assets/app.js");
    let (_, style) = browser.get_size("/assets/app.css");
    println!(
        "\nscript shipped: {:.1} KiB (budget 50 KB); stylesheet: {:.1} KiB",
        script as f64 / 1024.0,
        style as f64 / 1024.0
    );
}
