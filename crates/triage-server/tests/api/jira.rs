//! The Jira-compatible API: the real Python `jira` client (PyPI, installed by `.ci/run`)
//! drives a real server through an incident's whole workflow in Server and Cloud modes,
//! over REST v2 and v3; and the shapes clients depend on, checked over plain HTTP.

use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};
use triage_server::JiraDeployment;
use triage_testdb::{Backend, on_both_backends};

use crate::harness::TestApp;
use crate::senders::{available, python_has};

const SCRIPT: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from jira import JIRA, JIRAError

url, email, token, version, auth, other_token = sys.argv[1:7]
options = {"rest_api_version": version}
if auth == "basic":
    jira = JIRA(url, basic_auth=(email, token), options=options, validate=True)
else:
    jira = JIRA(url, token_auth=token, options=options)
out = {"cloud": jira._is_cloud}

def body(comment):
    raw = comment.raw["body"]
    if isinstance(raw, str):
        return raw
    return " / ".join(t["text"] for p in raw["content"] for t in p.get("content", []))

def refusal(call):
    try:
        call()
    except JIRAError as e:
        return {"status": e.status_code, "text": e.text}
    return None

issue = jira.create_issue(project="INC", summary="Checkout DB down",
                          description="primary unreachable",
                          issuetype={"name": "Incident"}, priority={"name": "High"})
out["key"] = issue.key
issue = jira.issue(issue.key)
out["created"] = {
    "status": issue.fields.status.name,
    "category": issue.fields.status.statusCategory.key,
    "priority": issue.fields.priority.name,
    "assignee": issue.fields.assignee,
    "resolution": issue.fields.resolution,
    "reporter": issue.fields.reporter.displayName,
}
out["transitions"] = [t["name"] for t in jira.transitions(issue)]
jira.transition_issue(issue, "Investigating", comment="Looking at the pool")
jira.assign_issue(issue, "oncall@example.com")
out["assigned"] = jira.issue(issue.key).fields.assignee.displayName
jira.assign_issue(issue, None)
out["unassigned"] = jira.issue(issue.key).fields.assignee
jira.assign_issue(issue, "oncall@example.com")
jira.transition_issue(issue, "In Progress",
                      comment="Root cause identified: Database connection pool exhausted")
jira.add_comment(issue, "Raising the pool size")
out["comments"] = [body(c) for c in jira.comments(issue)]

other = JIRA(url, token_auth=other_token, options=options)
out["refused_monitoring"] = refusal(
    lambda: other.transition_issue(issue.key, "Monitoring", comment="Fix deployed"))
jira.transition_issue(issue, "Monitoring", comment="Fix deployed, monitoring for 24 hours")

payments = jira.create_issue(project="INC", summary="Payments erroring",
                             issuetype={"name": "Incident"}, priority={"name": "Critical"})
jira.create_issue_link("Relates", issue.key, payments.key)
link = jira.issue(issue.key).fields.issuelinks[0]
out["link"] = {"type": link.type.name, "other": link.inwardIssue.key}
out["refused_resolve"] = refusal(lambda: jira.transition_issue(
    issue, "Resolved", fields={"resolution": {"name": "Fixed"}}))
jira.transition_issue(payments, "False Alarm", comment="Alert triggered by scheduled maintenance")
jira.transition_issue(issue, "Resolved", fields={"resolution": {"name": "Fixed"}},
                      comment="Incident resolved. No recurrence in 24h.")
issue = jira.issue(issue.key)
out["resolved"] = {"status": issue.fields.status.name,
                   "resolution": issue.fields.resolution.name,
                   "category": issue.fields.status.statusCategory.key}
out["after"] = [t["name"] for t in jira.transitions(issue)]

def keys(jql):
    return [i.key for i in jira.search_issues(jql)]

out["search"] = {
    "resolved": keys("project = INC AND status = Resolved ORDER BY priority DESC"),
    "by_priority": keys("priority in (Critical, High) ORDER BY priority DESC, key ASC"),
    "text": keys('text ~ "pool" AND resolution = Fixed'),
    "unresolved": keys("resolution = Unresolved OR statusCategory = Done ORDER BY key DESC"),
    "mine": keys("assignee = currentUser() ORDER BY created ASC"),
    "oncall": keys('assignee = "oncall@example.com" AND created >= -1d'),
    "nobody": keys("assignee is EMPTY AND NOT status = Open"),
}
out["bad_jql"] = refusal(lambda: jira.search_issues("status = Open Closed"))
print(json.dumps(out))
"#;

/// Runs the script against a fresh server; answers what it printed.
fn drive(backend: Backend, deployment: JiraDeployment, version: &str, auth: &str) -> Value {
    let app = TestApp::spawn_jira(backend, deployment);
    let _ = app.user("oncall@example.com", "responder", &[]);
    let other = app.user("observer@example.com", "responder", &[]);
    let output = Command::new("python3")
        .args([
            "-c",
            SCRIPT,
            &app.url(),
            "admin@example.com",
            &app.admin,
            version,
            auth,
            &other,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the jira client failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    // What the client did is what Triage recorded.
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["status"], "Resolved");
    assert_eq!(incident["resolution"], "Fixed");
    assert_eq!(incident["assignee"]["email"], "oncall@example.com");
    let (_, timeline) = app.get(&app.admin, "/api/v1/incidents/INC-1/timeline");
    let text = timeline.to_string();
    assert!(
        text.contains("Root cause identified: Database connection pool exhausted"),
        "{text}"
    );
    printed
}

fn check(out: &Value, cloud: bool) {
    assert_eq!(out["cloud"], cloud);
    assert_eq!(out["key"], "INC-1");
    assert_eq!(
        out["created"],
        json!({ "status": "Open", "category": "new", "priority": "High", "assignee": null,
                "resolution": null, "reporter": "Ada Admin" })
    );
    assert_eq!(out["transitions"], json!(["Investigating", "False Alarm"]));
    assert_eq!(out["assigned"], "oncall");
    assert_eq!(out["unassigned"], Value::Null);
    let comments = out["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 3, "{comments:?}");
    assert_eq!(comments[2], "Raising the pool size");
    let refused = &out["refused_monitoring"];
    assert_eq!(refused["status"], 400);
    assert!(
        refused["text"].as_str().unwrap().contains("sre"),
        "the reason names the group: {refused}"
    );
    assert_eq!(out["link"], json!({ "type": "Relates", "other": "INC-2" }));
    let refused = &out["refused_resolve"];
    assert_eq!(refused["status"], 400);
    assert!(
        refused["text"].as_str().unwrap().contains("INC-2"),
        "{refused}"
    );
    assert_eq!(
        out["resolved"],
        json!({ "status": "Resolved", "resolution": "Fixed", "category": "done" })
    );
    assert_eq!(out["after"], json!(["Reopen", "Closed", "False Alarm"]));
    let search = &out["search"];
    assert_eq!(search["resolved"], json!(["INC-1"]));
    assert_eq!(search["by_priority"], json!(["INC-2", "INC-1"]));
    assert_eq!(search["text"], json!(["INC-1"]));
    assert_eq!(search["unresolved"], json!(["INC-2", "INC-1"]));
    assert_eq!(search["mine"], json!([]));
    assert_eq!(search["oncall"], json!(["INC-1"]));
    assert_eq!(search["nobody"], json!(["INC-2"]));
    let bad = &out["bad_jql"];
    assert_eq!(bad["status"], 400);
    assert!(
        bad["text"]
            .as_str()
            .unwrap()
            .contains("Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'Closed'. (line 1, character 15)"),
        "{bad}"
    );
}

fn the_python_jira_client_runs_the_workflow_in_server_mode(backend: Backend) {
    if !available("the Python jira client", python_has("jira")) {
        return;
    }
    let out = drive(backend, JiraDeployment::Server, "2", "basic");
    check(&out, false);
    let out = drive(backend, JiraDeployment::Server, "3", "token");
    check(&out, false);
}

fn the_python_jira_client_runs_the_workflow_in_cloud_mode(backend: Backend) {
    if !available("the Python jira client", python_has("jira")) {
        return;
    }
    let out = drive(backend, JiraDeployment::Cloud, "3", "basic");
    check(&out, true);
    let out = drive(backend, JiraDeployment::Cloud, "2", "token");
    check(&out, true);
}

on_both_backends!(the_python_jira_client_runs_the_workflow_in_server_mode);
on_both_backends!(the_python_jira_client_runs_the_workflow_in_cloud_mode);

fn basic(email: &str, token: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"));
    format!("Basic {encoded}")
}

fn jira_shapes_errors_and_rich_text(backend: Backend) {
    let app = TestApp::spawn(backend);
    let auth = basic("admin@example.com", &app.admin);
    let call = |method: &str, path: &str, body: Option<Value>| {
        app.raw(
            method,
            path,
            None,
            body.map(|b| b.to_string()),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
        )
    };

    let (status, info) = call("GET", "/rest/api/2/serverInfo", None);
    assert_eq!(status, 200);
    assert_eq!(info["versionNumbers"], json!([9, 12, 0]));
    assert_eq!(info["deploymentType"], "Server");

    // Nobody, or the wrong person for the token: 401 in Jira's shape.
    let (status, body) = app.raw("GET", "/rest/api/2/myself", None, None, &[]);
    assert_eq!(status, 401);
    assert!(body["errorMessages"][0].as_str().unwrap().contains("token"));
    assert_eq!(body["errors"], json!({}));
    let (status, _) = app.raw(
        "GET",
        "/rest/api/2/myself",
        None,
        None,
        &[("Authorization", &basic("someone@example.com", &app.admin))],
    );
    assert_eq!(status, 401);

    // Field problems are named per field, and nothing is created.
    let (status, body) = call(
        "POST",
        "/rest/api/2/issue",
        Some(
            json!({ "fields": { "project": { "key": "OPS" }, "issuetype": { "name": "Bug" },
                                 "priority": { "name": "Urgent" }, "watchers": [] } }),
        ),
    );
    assert_eq!(status, 400, "{body}");
    let errors = &body["errors"];
    assert!(errors["project"].as_str().unwrap().contains("OPS"));
    assert!(errors["issuetype"].as_str().unwrap().contains("Bug"));
    assert_eq!(
        errors["summary"],
        "You must specify a summary of the issue."
    );
    assert!(
        errors["priority"]
            .as_str()
            .unwrap()
            .contains("Critical, High, Medium or Low")
    );
    assert_eq!(
        errors["watchers"],
        "Field 'watchers' cannot be set. It is not on the appropriate screen, or unknown."
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM incidents"), 0);

    // v3 reads and writes Atlassian Document Format; v2 reads it too.
    let adf = json!({ "type": "doc", "version": 1, "content": [
        { "type": "paragraph", "content": [{ "type": "text", "text": "primary unreachable" }] } ] });
    let (status, created) = call(
        "POST",
        "/rest/api/3/issue",
        Some(
            json!({ "fields": { "project": { "id": "10000" }, "summary": "DB down",
            "description": adf, "issuetype": { "id": "10001" }, "priority": { "id": "1" },
            "customfield_10100": { "value": "SEV1" }, "labels": ["db"],
            "components": [{ "name": "checkout" }] } }),
        ),
    );
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["key"], "INC-1");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(
        created["self"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/rest/api/3/issue/{id}"))
    );
    let (_, v3) = call("GET", &format!("/rest/api/3/issue/{id}"), None);
    assert_eq!(v3["fields"]["description"], adf);
    let (_, v2) = call(
        "GET",
        "/rest/api/2/issue/inc-1?fields=summary,description,customfield_10100,components",
        None,
    );
    assert_eq!(v2["fields"]["description"], "primary unreachable");
    assert_eq!(v2["fields"]["customfield_10100"]["value"], "SEV1");
    assert_eq!(v2["fields"]["components"][0]["name"], "checkout");
    assert!(
        v2["fields"].get("status").is_none(),
        "only the fields asked for"
    );
    assert_eq!(v2["key"], "INC-1");
    let (_, full) = call(
        "GET",
        "/rest/api/2/issue/INC-1?expand=transitions,names",
        None,
    );
    for field in [
        "assignee",
        "resolution",
        "resolutiondate",
        "environment",
        "duedate",
    ] {
        assert_eq!(
            full["fields"][field],
            Value::Null,
            "{field} present and null"
        );
    }
    assert_eq!(full["fields"]["priority"]["name"], "Critical");
    assert_eq!(
        full["fields"]["status"]["statusCategory"]["colorName"],
        "blue-gray"
    );
    assert!(
        full["fields"]["created"]
            .as_str()
            .unwrap()
            .ends_with(".000+0000")
    );
    assert_eq!(full["transitions"][0]["id"], "11");
    assert_eq!(full["names"]["customfield_10100"], "Severity");

    // Edits: fields and update operations; a comment in v3 is ADF.
    let (status, body) = call(
        "PUT",
        "/rest/api/2/issue/INC-1",
        Some(json!({ "fields": { "summary": "Checkout DB down" },
                     "update": { "labels": [{ "add": "postgres" }, { "remove": "db" }],
                                 "comment": [{ "add": { "body": "Failing over" } }] } })),
    );
    assert_eq!(status, 204, "{body}");
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["summary"], "Checkout DB down");
    assert_eq!(incident["labels"], json!(["postgres"]));
    let (_, comments) = call("GET", "/rest/api/3/issue/INC-1/comment", None);
    assert_eq!(comments["total"], 1);
    assert_eq!(comments["comments"][0]["body"]["type"], "doc");

    // A transition by an id that does not leave Open, and one with an unknown field.
    let (status, body) = call(
        "POST",
        "/rest/api/2/issue/INC-1/transitions",
        Some(json!({ "transition": { "id": "41" } })),
    );
    assert_eq!(status, 400);
    assert!(
        body["errorMessages"][0].as_str().unwrap().contains("Open"),
        "{body}"
    );
    let (status, body) = call(
        "POST",
        "/rest/api/2/issue/INC-1/transitions",
        Some(json!({ "transition": { "id": "11" }, "fields": { "labels": [] } })),
    );
    assert_eq!(status, 400);
    assert!(body["errors"]["labels"].is_string(), "{body}");
    let (_, incident) = app.get(&app.admin, "/api/v1/incidents/INC-1");
    assert_eq!(incident["status"], "Open");

    // Links, read back and removed.
    let (status, _) = call(
        "POST",
        "/rest/api/2/issue",
        Some(
            json!({ "fields": { "project": { "key": "INC" }, "summary": "Upstream outage",
                                 "issuetype": { "name": "Incident" } } }),
        ),
    );
    assert_eq!(status, 201);
    let (status, _) = call(
        "POST",
        "/rest/api/2/issueLink",
        Some(
            json!({ "type": { "name": "Blocks" }, "outwardIssue": { "key": "INC-2" },
                     "inwardIssue": { "key": "INC-1" }, "comment": null }),
        ),
    );
    assert_eq!(status, 201);
    let (_, blocked) = call("GET", "/rest/api/2/issue/INC-1?fields=issuelinks", None);
    let link = &blocked["fields"]["issuelinks"][0];
    assert_eq!(link["type"]["inward"], "is blocked by");
    assert_eq!(link["inwardIssue"]["key"], "INC-2");
    let link_id = link["id"].as_str().unwrap().to_string();
    let (_, shown) = call("GET", &format!("/rest/api/2/issueLink/{link_id}"), None);
    assert_eq!(shown["outwardIssue"]["key"], "INC-2");
    assert_eq!(shown["inwardIssue"]["key"], "INC-1");
    let (status, _) = call("DELETE", &format!("/rest/api/2/issueLink/{link_id}"), None);
    assert_eq!(status, 204);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM links"), 0);

    // Search: JQL errors, unknown values and people, paging both ways.
    let (status, body) = call("GET", "/rest/api/2/search?jql=status%20%3D%20Nope", None);
    assert_eq!(status, 400);
    assert_eq!(
        body["errorMessages"][0],
        "The value 'Nope' does not exist for the field 'status'."
    );
    let (status, body) = call(
        "POST",
        "/rest/api/2/search",
        Some(json!({ "jql": "assignee = nobody@example.com" })),
    );
    assert_eq!(status, 400);
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("nobody@example.com")
    );
    let (_, page) = call(
        "POST",
        "/rest/api/2/search",
        Some(json!({ "jql": "ORDER BY key ASC", "maxResults": 1, "fields": ["summary"] })),
    );
    assert_eq!(page["total"], 2);
    assert_eq!(page["issues"][0]["key"], "INC-1");
    assert!(page["issues"][0]["fields"].get("comment").is_none());
    let (_, first) = call(
        "GET",
        "/rest/api/3/search/jql?jql=project%3DINC%20ORDER%20BY%20key%20DESC&maxResults=1",
        None,
    );
    assert_eq!(first["isLast"], false);
    assert_eq!(first["issues"][0]["key"], "INC-2");
    let token = first["nextPageToken"].as_str().unwrap();
    let (_, second) = call(
        "GET",
        &format!(
            "/rest/api/3/search/jql?jql=project%3DINC%20ORDER%20BY%20key%20DESC&maxResults=1&nextPageToken={token}"
        ),
        None,
    );
    assert_eq!(second["isLast"], true);
    assert_eq!(second["issues"][0]["key"], "INC-1");
    assert!(second.get("nextPageToken").is_none());

    // Users: a JSON array, each with `self`.
    let (_, users) = call("GET", "/rest/api/2/user/search?username=ada", None);
    assert_eq!(users[0]["emailAddress"], "admin@example.com");
    assert!(
        users[0]["self"]
            .as_str()
            .unwrap()
            .contains("/rest/api/2/user?username=")
    );

    // Unknown resources answer 404 in Jira's shape, never 429 or 503.
    let (status, body) = call("GET", "/rest/api/2/dashboard", None);
    assert_eq!(status, 404);
    assert!(body["errorMessages"].is_array());
    let (status, _) = call("GET", "/rest/api/2/issue/INC-99", None);
    assert_eq!(status, 404);
}

on_both_backends!(jira_shapes_errors_and_rich_text);
