//! Triage's records in Jira's JSON shapes. Every field a client reads is present, `null`
//! when empty: the Python client raises on a missing key.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use triage_core::jql::vocabulary;
use triage_core::link::{LinkDirection, LinkType};
use triage_core::workflow::{Category, Transition, Workflow};
use triage_core::{Priority, Severity};
use triage_store::{AvailableTransition, Comment, Incident, IncidentLink, UserRef};

use super::adf;
use super::site::Site;
use super::users::account_id;

/// The project every incident belongs to.
pub(super) const PROJECT_ID: &str = "10000";
pub(super) const PROJECT_NAME: &str = "Incidents";
/// The one issue type.
pub(super) const ISSUE_TYPE_ID: &str = "10001";
pub(super) const ISSUE_TYPE: &str = "Incident";
/// Severity is a custom field, as in Jira Service Management.
pub(super) const SEVERITY_FIELD: &str = "customfield_10100";

/// `2026-11-22T21:52:40.000+0000`, in UTC.
pub(super) fn timestamp(at: Timestamp) -> String {
    at.to_zoned(TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S.%3f+0000")
        .to_string()
}

fn encoded(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

/// Rich text as the request's version writes it: a string (v2) or ADF (v3).
pub(super) fn text(site: &Site, text: &str) -> Value {
    if site.adf {
        adf::from_text(text)
    } else if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_string())
    }
}

pub(super) fn user(site: &Site, email: &str, name: &str, active: bool) -> Value {
    let id = account_id(email);
    let self_url = if site.cloud() {
        format!("{}/user?accountId={id}", site.api)
    } else {
        format!("{}/user?username={}", site.api, encoded(email))
    };
    json!({
        "self": self_url,
        "name": email,
        "key": email,
        "accountId": id,
        "accountType": "atlassian",
        "emailAddress": email,
        "displayName": name,
        "active": active,
        "timeZone": "UTC",
        "avatarUrls": {},
    })
}

pub(super) fn user_ref(site: &Site, person: Option<&UserRef>) -> Value {
    person.map_or(Value::Null, |p| user(site, &p.email, &p.name, true))
}

pub(super) fn category(site: &Site, category: Category) -> Value {
    let id = vocabulary::category_id(category);
    json!({
        "self": format!("{}/statuscategory/{id}", site.api),
        "id": id,
        "key": vocabulary::category_key(category),
        "colorName": vocabulary::category_colour(category),
        "name": category.as_str(),
    })
}

pub(super) fn status(site: &Site, workflow: &Workflow, name: &str) -> Value {
    let id = vocabulary::status_id(workflow, name).unwrap_or(0);
    let found = workflow.status(name);
    json!({
        "self": format!("{}/status/{id}", site.api),
        "id": id.to_string(),
        "name": name,
        "description": found.map(|s| s.description.clone()).unwrap_or_default(),
        "iconUrl": "",
        "statusCategory": category(site, workflow.category_of(name)),
    })
}

pub(super) fn priority(site: &Site, priority: Priority) -> Value {
    let id = vocabulary::priority_id(priority);
    json!({
        "self": format!("{}/priority/{id}", site.api),
        "id": id.to_string(),
        "name": priority.name(),
        "description": format!("{} — respond within {}", priority.code(), triage_core::duration::format_duration(priority.response_sla())),
        "iconUrl": "",
        "statusColor": match priority {
            Priority::P1 => "#d04437",
            Priority::P2 => "#f15c75",
            Priority::P3 => "#f79232",
            Priority::P4 => "#707070",
        },
    })
}

pub(super) fn resolution(site: &Site, workflow: &Workflow, name: &str) -> Value {
    let id = vocabulary::resolution_id(workflow, name).unwrap_or(0);
    json!({
        "self": format!("{}/resolution/{id}", site.api),
        "id": id.to_string(),
        "name": name,
        "description": "",
    })
}

pub(super) fn issue_type(site: &Site) -> Value {
    json!({
        "self": format!("{}/issuetype/{ISSUE_TYPE_ID}", site.api),
        "id": ISSUE_TYPE_ID,
        "name": ISSUE_TYPE,
        "description": "An incident: something broke, or may have.",
        "iconUrl": "",
        "subtask": false,
    })
}

pub(super) fn project(site: &Site, key: &str) -> Value {
    json!({
        "self": format!("{}/project/{PROJECT_ID}", site.api),
        "id": PROJECT_ID,
        "key": key,
        "name": PROJECT_NAME,
        "projectTypeKey": "service_desk",
        "avatarUrls": {},
    })
}

pub(super) fn severity(site: &Site, severity: Severity) -> Value {
    let id = 10100 + u32::from(severity.rank());
    json!({
        "self": format!("{}/customFieldOption/{id}", site.api),
        "id": id.to_string(),
        "value": severity.code(),
    })
}

pub(super) fn component(site: &Site, service: &str) -> Value {
    json!({
        "self": format!("{}/component/{}", site.api, encoded(service)),
        "id": service,
        "name": service,
    })
}

/// Jira's link types, with the ids a stock Jira gives them.
pub(super) fn link_type_id(link_type: LinkType) -> &'static str {
    match link_type {
        LinkType::Blocks => "10000",
        LinkType::Causes => "10001",
        LinkType::Duplicates => "10002",
        LinkType::Relates => "10003",
    }
}

pub(super) fn link_type_name(link_type: LinkType) -> &'static str {
    match link_type {
        LinkType::Blocks => "Blocks",
        LinkType::Causes => "Causes",
        LinkType::Duplicates => "Duplicate",
        LinkType::Relates => "Relates",
    }
}

pub(super) fn link_type(site: &Site, link_type: LinkType) -> Value {
    let id = link_type_id(link_type);
    json!({
        "self": format!("{}/issueLinkType/{id}", site.api),
        "id": id,
        "name": link_type_name(link_type),
        "inward": link_type.phrase(LinkDirection::Inward),
        "outward": link_type.phrase(LinkDirection::Outward),
    })
}

/// An issue as a link shows it: key, summary, status, priority, type.
pub(super) fn linked_issue(
    site: &Site,
    workflow: &Workflow,
    id: i64,
    key: &str,
    summary: &str,
    status_name: &str,
    priority_of: Option<Priority>,
) -> Value {
    json!({
        "id": id.to_string(),
        "key": key,
        "self": format!("{}/issue/{id}", site.api),
        "fields": {
            "summary": summary,
            "status": status(site, workflow, status_name),
            "priority": priority_of.map_or(Value::Null, |p| priority(site, p)),
            "issuetype": issue_type(site),
        },
    })
}

/// A link as seen from one of its issues: the other issue under `outwardIssue` when this
/// one is the link's source ("INC-1 blocks INC-2"), under `inwardIssue` otherwise.
pub(super) fn issue_link(site: &Site, workflow: &Workflow, link: &IncidentLink) -> Value {
    let other = &link.incident;
    let side = match link.direction {
        LinkDirection::Outward => "outwardIssue",
        LinkDirection::Inward => "inwardIssue",
    };
    json!({
        "id": link.id.to_string(),
        "self": format!("{}/issueLink/{}", site.api, link.id),
        "type": link_type(site, link.link_type),
        side: linked_issue(site, workflow, other.id, &other.key, &other.summary, &other.status, other.priority),
    })
}

pub(super) fn comment(site: &Site, issue_id: i64, comment: &Comment) -> Value {
    let author = user(site, &comment.author.email, &comment.author.name, true);
    let at = timestamp(comment.created_at);
    json!({
        "self": format!("{}/issue/{issue_id}/comment/{}", site.api, comment.id),
        "id": comment.id.to_string(),
        "author": author,
        "updateAuthor": author,
        "body": text(site, &comment.body),
        "created": at,
        "updated": at,
        "jsdPublic": true,
    })
}

pub(super) fn comments(site: &Site, issue_id: i64, comments: &[Comment]) -> Value {
    json!({
        "comments": comments.iter().map(|c| comment(site, issue_id, c)).collect::<Vec<_>>(),
        "startAt": 0,
        "maxResults": comments.len(),
        "total": comments.len(),
    })
}

/// A transition's id: its position in the workflow, as Jira numbers them (11, 21, 31 …),
/// so stable for a workflow file.
pub(super) fn transition_id(workflow: &Workflow, name: &str) -> String {
    let index = workflow
        .transitions
        .iter()
        .position(|t| t.name == name)
        .unwrap_or(0);
    ((index + 1) * 10 + 1).to_string()
}

/// The workflow transition with this id, if any.
pub(super) fn transition_by_id<'a>(workflow: &'a Workflow, id: &str) -> Option<&'a Transition> {
    let number: usize = id.trim().parse().ok()?;
    if number % 10 != 1 || number < 11 {
        return None;
    }
    workflow.transitions.get(number / 10 - 1)
}

pub(super) fn transition(site: &Site, workflow: &Workflow, offer: &AvailableTransition) -> Value {
    let mut fields = Map::new();
    if offer.requires.iter().any(|r| r == "resolution") {
        fields.insert(
            "resolution".into(),
            json!({
                "required": true,
                "name": "Resolution",
                "schema": { "type": "resolution", "system": "resolution" },
                "operations": ["set"],
                "allowedValues": workflow.resolutions.iter().map(|r| resolution(site, workflow, r)).collect::<Vec<_>>(),
            }),
        );
    }
    let conditional = workflow
        .transitions
        .iter()
        .any(|t| t.name == offer.name && !t.conditions.is_empty());
    json!({
        "id": transition_id(workflow, &offer.name),
        "name": offer.name,
        "to": status(site, workflow, &offer.to),
        "hasScreen": !fields.is_empty(),
        "isGlobal": false,
        "isInitial": false,
        "isAvailable": offer.allowed,
        "isConditional": conditional,
        "isLooped": false,
        // Why it is not available now, where it is not (Triage's own addition).
        "unavailableReasons": offer.reasons,
        "fields": fields,
    })
}

/// Which fields of an issue an answer carries (`fields=` as Jira reads it).
pub(super) struct FieldSet {
    all: bool,
    include: Vec<String>,
    exclude: Vec<String>,
}

impl FieldSet {
    /// `*all`, `*navigable` (all but comments), names, and `-name` to leave one out;
    /// repeated or comma-separated. `default_all` is what nothing asked means.
    pub fn parse(values: &[String], default_all: bool) -> FieldSet {
        let mut set = FieldSet {
            all: false,
            include: Vec::new(),
            exclude: Vec::new(),
        };
        let names: Vec<&str> = values
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        if names.is_empty() {
            set.all = default_all;
            if !default_all {
                set.exclude.push("comment".into());
            }
            return set;
        }
        for name in names {
            match name {
                "*all" => set.all = true,
                "*navigable" => {
                    set.all = true;
                    set.exclude.push("comment".into());
                }
                excluded if excluded.starts_with('-') => {
                    set.exclude.push(excluded[1..].to_string())
                }
                included => set.include.push(included.to_string()),
            }
        }
        if set.include.is_empty() && !set.all {
            set.all = true;
        }
        set
    }

    pub fn wants(&self, field: &str) -> bool {
        if self.exclude.iter().any(|f| f == field) && !self.include.iter().any(|f| f == field) {
            return false;
        }
        self.all || self.include.iter().any(|f| f == field)
    }
}

/// Field ids and their names, for `expand=names`.
pub(super) const FIELD_NAMES: [(&str, &str); 22] = [
    ("summary", "Summary"),
    ("description", "Description"),
    ("issuetype", "Issue Type"),
    ("project", "Project"),
    ("priority", "Priority"),
    ("status", "Status"),
    ("resolution", "Resolution"),
    ("resolutiondate", "Resolved"),
    ("assignee", "Assignee"),
    ("reporter", "Reporter"),
    ("creator", "Creator"),
    ("labels", "Labels"),
    ("components", "Components"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("comment", "Comment"),
    ("issuelinks", "Linked Issues"),
    (SEVERITY_FIELD, "Severity"),
    ("environment", "Environment"),
    ("duedate", "Due date"),
    ("fixVersions", "Fix Version/s"),
    ("subtasks", "Sub-Tasks"),
];

/// An incident as a Jira issue; `comments` fills the `comment` field when wanted.
pub(super) fn issue(
    site: &Site,
    workflow: &Workflow,
    prefix: &str,
    incident: &Incident,
    comments_of: Option<&[Comment]>,
    wanted: &FieldSet,
) -> Value {
    let mut fields = Map::new();
    let mut put = |name: &str, value: Value| {
        if wanted.wants(name) {
            fields.insert(name.to_string(), value);
        }
    };
    put("summary", json!(incident.summary));
    put("description", text(site, &incident.description));
    put("issuetype", issue_type(site));
    put("project", project(site, prefix));
    put(
        "priority",
        incident.priority.map_or(Value::Null, |p| priority(site, p)),
    );
    put("status", status(site, workflow, &incident.status));
    put(
        "resolution",
        incident
            .resolution
            .as_deref()
            .map_or(Value::Null, |r| resolution(site, workflow, r)),
    );
    put(
        "resolutiondate",
        incident
            .resolved_at
            .map_or(Value::Null, |t| json!(timestamp(t))),
    );
    put("assignee", user_ref(site, incident.assignee.as_ref()));
    put("reporter", user_ref(site, incident.reporter.as_ref()));
    put("creator", user_ref(site, incident.reporter.as_ref()));
    put("labels", json!(incident.labels));
    put(
        "components",
        incident
            .services
            .iter()
            .map(|s| component(site, s))
            .collect(),
    );
    put("created", json!(timestamp(incident.created_at)));
    put("updated", json!(timestamp(incident.updated_at)));
    if let Some(list) = comments_of {
        put("comment", comments(site, incident.id, list));
    }
    put(
        "issuelinks",
        incident
            .links
            .iter()
            .map(|l| issue_link(site, workflow, l))
            .collect(),
    );
    put(
        SEVERITY_FIELD,
        incident.severity.map_or(Value::Null, |s| severity(site, s)),
    );
    put("environment", Value::Null);
    put("duedate", Value::Null);
    put("fixVersions", json!([]));
    put("versions", json!([]));
    put("subtasks", json!([]));
    put("lastViewed", Value::Null);
    // What Jira always has and Triage does not keep, present and empty: scripts that
    // read them must not fail on a missing key.
    put(
        "watches",
        json!({ "self": format!("{}/issue/{}/watchers", site.api, incident.key), "watchCount": 0, "isWatching": false }),
    );
    put(
        "votes",
        json!({ "self": format!("{}/issue/{}/votes", site.api, incident.key), "votes": 0, "hasVoted": false }),
    );
    put("attachment", json!([]));
    put(
        "worklog",
        json!({ "startAt": 0, "maxResults": 0, "total": 0, "worklogs": [] }),
    );
    put("timetracking", json!({}));
    put("timespent", Value::Null);
    put("timeestimate", Value::Null);
    put("timeoriginalestimate", Value::Null);
    put("aggregatetimespent", Value::Null);
    put("workratio", json!(-1));
    put("progress", json!({ "progress": 0, "total": 0 }));
    put("security", Value::Null);
    put(
        "statuscategorychangedate",
        json!(timestamp(incident.updated_at)),
    );
    json!({
        "expand": "renderedFields,names,schema,transitions,operations,changelog",
        "id": incident.id.to_string(),
        "self": format!("{}/issue/{}", site.api, incident.id),
        "key": incident.key,
        "fields": fields,
    })
}
