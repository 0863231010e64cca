//! The OpenAPI document is served, is JSON, and describes every route the server has.

use crate::harness::TestApp;
use triage_testdb::{Backend, on_both_backends};

/// Every route of the API, as the router declares it.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/incidents"),
    ("post", "/incidents"),
    ("get", "/incidents/{key}"),
    ("patch", "/incidents/{key}"),
    ("get", "/incidents/{key}/transitions"),
    ("post", "/incidents/{key}/transitions"),
    ("post", "/incidents/{key}/resolve"),
    ("put", "/incidents/{key}/assignee"),
    ("get", "/incidents/{key}/comments"),
    ("post", "/incidents/{key}/comments"),
    ("get", "/incidents/{key}/action-items"),
    ("post", "/incidents/{key}/action-items"),
    ("get", "/action-items"),
    ("patch", "/action-items/{id}"),
    ("post", "/action-items/{id}/verify"),
    ("get", "/incidents/{key}/review"),
    ("get", "/reports"),
    ("get", "/incidents/{key}/postmortem"),
    ("post", "/incidents/{key}/postmortem"),
    ("put", "/incidents/{key}/postmortem"),
    ("post", "/incidents/{key}/postmortem/{action}"),
    ("get", "/incidents/{key}/postmortem/revisions"),
    ("get", "/incidents/{key}/postmortem/revisions/{revision}"),
    ("get", "/incidents/{key}/updates"),
    ("post", "/incidents/{key}/updates"),
    ("get", "/incidents/{key}/stakeholders"),
    ("post", "/incidents/{key}/stakeholders"),
    ("delete", "/incidents/{key}/stakeholders/{id}"),
    ("post", "/incidents/{key}/links"),
    ("delete", "/incidents/{key}/links/{id}"),
    ("get", "/incidents/{key}/timeline"),
    ("get", "/incidents/{key}/alerts"),
    ("get", "/workflow"),
    ("get", "/me"),
    ("get", "/users"),
    ("post", "/users"),
    ("get", "/users/{email}"),
    ("patch", "/users/{email}"),
    ("put", "/users/{email}/password"),
    ("get", "/services"),
    ("post", "/services"),
    ("get", "/services/{name}"),
    ("patch", "/services/{name}"),
    ("get", "/services/{name}/alerts"),
    ("get", "/services/{name}/changes"),
    ("get", "/services/{name}/integrations"),
    ("post", "/services/{name}/integrations"),
    ("delete", "/integrations/{id}"),
    ("get", "/silences"),
    ("post", "/silences"),
    ("delete", "/silences/{id}"),
    ("get", "/schedules"),
    ("post", "/schedules"),
    ("get", "/schedules/{name}"),
    ("put", "/schedules/{name}"),
    ("delete", "/schedules/{name}"),
    ("get", "/schedules/{name}/shifts"),
    ("get", "/schedules/{name}/oncall"),
    ("post", "/schedules/{name}/overrides"),
    ("delete", "/schedules/{name}/overrides/{id}"),
    ("get", "/oncall"),
    ("post", "/incidents/{key}/acknowledge"),
    ("post", "/incidents/{key}/escalate"),
    ("get", "/me/contact-methods"),
    ("post", "/me/contact-methods"),
    ("delete", "/me/contact-methods/{id}"),
    ("get", "/users/{email}/contact-methods"),
    ("post", "/users/{email}/contact-methods"),
    ("delete", "/users/{email}/contact-methods/{id}"),
    ("get", "/escalation-policies"),
    ("post", "/escalation-policies"),
    ("get", "/escalation-policies/{name}"),
    ("put", "/escalation-policies/{name}"),
    ("delete", "/escalation-policies/{name}"),
    ("post", "/schedules/{name}/feed"),
    ("delete", "/schedules/{name}/feed"),
    ("post", "/me/feed"),
    ("delete", "/me/feed"),
    ("get", "/groups"),
    ("post", "/groups"),
    ("delete", "/groups/{name}"),
    ("get", "/tokens"),
    ("post", "/tokens"),
    ("delete", "/tokens/{id}"),
    ("get", "/status-page/components"),
    ("post", "/status-page/components"),
    ("patch", "/status-page/components/{name}"),
    ("delete", "/status-page/components/{name}"),
    ("get", "/status-page/incidents"),
    ("post", "/status-page/incidents"),
    ("get", "/status-page/incidents/{id}"),
    ("post", "/status-page/incidents/{id}/updates"),
    ("get", "/status-page/settings"),
    ("put", "/status-page/settings"),
    ("get", "/status-page/subscribers"),
    ("post", "/status-page/subscribers"),
    ("delete", "/status-page/subscribers/{id}"),
    ("get", "/openapi.json"),
];

fn the_document_describes_every_route(backend: Backend) {
    let app = TestApp::spawn(backend);
    let (status, document) = app.get(&app.admin, "/api/v1/openapi.json");
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    for (method, path) in ROUTES {
        assert!(
            document["paths"][format!("/api/v1{path}")][method].is_object(),
            "{method} {path} is not in openapi.json"
        );
        // And the server really has the route: anything but the fallback's 404 body.
        let concrete = path
            .replace("{key}", "INC-1")
            .replace("{id}", "999")
            .replace("{action}", "publish")
            .replace("{revision}", "1")
            .replace("{email}", "admin@example.com")
            .replace("{name}", "no-such-group");
        let (_, body) = app.raw(
            &method.to_uppercase(),
            &format!("/api/v1{concrete}"),
            Some(&app.admin),
            None,
            &[],
        );
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.starts_with("no such route"),
            "{method} {path}: {body}"
        );
    }
    let described: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .count()
        })
        .sum();
    // Every answer is described in OpenAPI's own terms: a text description, and any
    // schema under `content`.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (code, response) in operation["responses"].as_object().into_iter().flatten() {
                assert!(
                    response.get("$ref").is_some() || response["description"].is_string(),
                    "{method} {path} {code}: a response needs a text description"
                );
            }
        }
    }
    assert_eq!(
        described,
        ROUTES.len() + 1,
        "openapi.json describes routes the server lacks"
    );
}

on_both_backends!(the_document_describes_every_route,);
