//! The Jira-compatible API beside Triage's own, over the same large database: reading
//! one incident and searching, each pair measured in alternating rounds so that both
//! see the same machine. The ratio is what Jira compatibility costs.

use std::time::Duration;

use crate::load::{self, Client};
use crate::server::Server;
use crate::stats::Stats;

/// Rounds of each pair; each round takes `samples / ROUNDS` requests of each side.
const ROUNDS: usize = 5;

pub fn run(server: &Server, incidents: usize, samples: usize) {
    let client = Client::new(&server.url, &server.token);
    let middle = incidents / 2;
    let pairs = [
        (
            "read one incident",
            format!("/api/v1/incidents/INC-{middle}"),
            format!("/rest/api/2/issue/INC-{middle}"),
        ),
        (
            "Open, most urgent first, 50",
            "/api/v1/incidents?status=Open&sort=priority&limit=50".to_string(),
            jql("status = Open ORDER BY priority DESC", "search"),
        ),
        (
            "unassigned, most urgent first, 50",
            "/api/v1/incidents?assignee=none&sort=priority&limit=50".to_string(),
            jql("assignee is EMPTY ORDER BY priority DESC", "search"),
        ),
        (
            "P1 on svc-7, newest first (Cloud search/jql)",
            "/api/v1/incidents?priority=P1&service=svc-7&limit=50".to_string(),
            jql(
                "priority = Critical AND component = svc-7 ORDER BY created DESC",
                "search/jql",
            ),
        ),
        (
            "text checkout, 50",
            "/api/v1/incidents?q=checkout&limit=50".to_string(),
            jql("text ~ checkout", "search"),
        ),
    ];
    println!("\n## Jira-compatible API beside /api/v1 over {incidents} incidents\n");
    println!(
        "Sequential requests, {samples} per side, in {ROUNDS} alternating rounds. Jira search \
         answers carry every field but comments (`*navigable`) and count the total.\n"
    );
    println!("| query | /api/v1 p50 (ms) | p99 | Jira p50 (ms) | p99 | Jira / native (p50) |");
    println!("|---|---|---|---|---|---|");
    for (name, native, jira) in pairs {
        let (native_stats, jira_stats) = alternate(&client, samples, &native, &jira);
        let ratio = jira_stats.percentile_ms(50.0) / native_stats.percentile_ms(50.0);
        println!(
            "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {ratio:.2} |",
            native_stats.percentile_ms(50.0),
            native_stats.percentile_ms(99.0),
            jira_stats.percentile_ms(50.0),
            jira_stats.percentile_ms(99.0),
        );
    }
}

fn jql(query: &str, route: &str) -> String {
    let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
    format!("/rest/api/2/{route}?jql={encoded}&maxResults=50&fields=*navigable")
}

fn alternate(client: &Client, samples: usize, native: &str, jira: &str) -> (Stats, Stats) {
    assert_eq!(client.get_status(native), 200, "{native}");
    assert_eq!(client.get_status(jira), 200, "{jira}");
    let each = (samples / ROUNDS).max(1);
    let (mut native_stats, mut jira_stats) = (Stats::default(), Stats::default());
    for _ in 0..ROUNDS {
        native_stats.merge(load::sequential(client, each, native));
        jira_stats.merge(load::sequential(client, each, jira));
    }
    (
        native_stats.finish(Duration::ZERO),
        jira_stats.finish(Duration::ZERO),
    )
}
