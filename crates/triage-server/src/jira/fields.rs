//! Reading the values Jira clients write into issue fields: objects named by `name`,
//! `id`, `key` or `value`, bare strings, rich text in either form. Each problem is
//! reported against its field, as Jira does.

use serde_json::Value;
use triage_core::jql::vocabulary;
use triage_core::workflow::Workflow;
use triage_core::{Priority, Severity};
use triage_store::User;

use super::adf;
use super::error::{JiraError, JiraResult};
use super::render::{ISSUE_TYPE, ISSUE_TYPE_ID, PROJECT_ID, PROJECT_NAME};
use super::users;

/// What names an object: a string, or its `name`, `id`, `key`, `value`, `accountId` or
/// `emailAddress`.
pub(super) fn named(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Object(object) => ["name", "id", "key", "value", "accountId", "emailAddress"]
            .iter()
            .find_map(|k| object.get(*k).and_then(named)),
        _ => None,
    }
}

pub(super) fn text(field: &str, value: &Value) -> JiraResult<String> {
    adf::to_text(value).ok_or_else(|| {
        JiraError::field(
            field,
            format!("Field '{field}' takes a string or an Atlassian Document Format document."),
        )
    })
}

pub(super) fn check_project(value: &Value, prefix: &str) -> JiraResult<()> {
    match named(value) {
        Some(p)
            if p.eq_ignore_ascii_case(prefix)
                || p == PROJECT_ID
                || p.eq_ignore_ascii_case(PROJECT_NAME) =>
        {
            Ok(())
        }
        Some(p) => Err(JiraError::field(
            "project",
            format!("valid project is required: '{p}' is not {prefix}, Triage's one project"),
        )),
        None => Err(JiraError::field("project", "project is required")),
    }
}

pub(super) fn check_issue_type(value: &Value) -> JiraResult<()> {
    match named(value) {
        Some(t) if t.eq_ignore_ascii_case(ISSUE_TYPE) || t == ISSUE_TYPE_ID => Ok(()),
        Some(t) => Err(JiraError::field(
            "issuetype",
            format!(
                "valid issue type is required: '{t}' is not Incident ({ISSUE_TYPE_ID}), the one issue type"
            ),
        )),
        None => Err(JiraError::field("issuetype", "issue type is required")),
    }
}

/// A priority by name ("High"), id ("2") or code ("P2"); `null` clears it.
pub(super) fn priority(value: &Value) -> JiraResult<Option<Priority>> {
    if value.is_null() {
        return Ok(None);
    }
    let name = named(value).unwrap_or_default();
    Priority::parse(&name).map(Some).map_err(|_| {
        JiraError::field(
            "priority",
            format!("Priority name '{name}' is not valid: use Critical, High, Medium or Low (ids 1 to 4)."),
        )
    })
}

/// A severity by value ("SEV1"), name ("Critical") or option id ("10101").
pub(super) fn severity(field: &str, value: &Value) -> JiraResult<Option<Severity>> {
    if value.is_null() {
        return Ok(None);
    }
    let name = named(value).unwrap_or_default();
    let by_option = name
        .parse::<i64>()
        .ok()
        .and_then(|id| Severity::from_rank(id - 10100));
    by_option
        .or_else(|| Severity::parse(&name).ok())
        .map(Some)
        .ok_or_else(|| {
            JiraError::field(
                field,
                format!("Option value '{name}' is not valid: use SEV1, SEV2, SEV3 or SEV4."),
            )
        })
}

/// A person by `name`, `accountId`, `emailAddress` or display name; `null`, an empty
/// object or a null name means nobody.
pub(super) fn person(field: &str, value: &Value, all: &[User]) -> JiraResult<Option<String>> {
    let Some(who) = named(value) else {
        return Ok(None);
    };
    if who == "-1" {
        return Err(JiraError::field(
            field,
            "Automatic assignment (-1) is not supported: name a user, or send null to unassign.",
        ));
    }
    users::find(all, &who)
        .map(|u| Some(u.email.clone()))
        .ok_or_else(|| JiraError::field(field, format!("User '{who}' does not exist.")))
}

/// Labels: an array of strings.
pub(super) fn labels(value: &Value) -> JiraResult<Vec<String>> {
    strings("labels", value)
}

/// Components (Triage's services): an array of objects named by `name`, or strings.
pub(super) fn components(value: &Value) -> JiraResult<Vec<String>> {
    strings("components", value)
}

fn strings(field: &str, value: &Value) -> JiraResult<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                named(item).ok_or_else(|| {
                    JiraError::field(field, format!("Field '{field}' takes a list of names."))
                })
            })
            .collect(),
        _ => Err(JiraError::field(
            field,
            format!("Field '{field}' takes a list of names."),
        )),
    }
}

/// A resolution by name or id.
pub(super) fn resolution(workflow: &Workflow, value: &Value) -> JiraResult<Option<String>> {
    if value.is_null() {
        return Ok(None);
    }
    let name = named(value).unwrap_or_default();
    vocabulary::resolution(workflow, &name)
        .map(|r| Some(r.to_string()))
        .ok_or_else(|| {
            JiraError::field(
                "resolution",
                format!(
                    "Resolution '{name}' is not valid: use one of {}.",
                    workflow.resolutions.join(", ")
                ),
            )
        })
}

/// A comment body given as a string, an ADF document or `{"body": …}`; `None` when
/// there is none.
pub(super) fn comment(value: &Value) -> JiraResult<Option<String>> {
    let body = match value {
        Value::Object(object) if object.contains_key("body") => &object["body"],
        other => other,
    };
    let text = text("comment", body)?;
    Ok((!text.trim().is_empty()).then_some(text))
}

/// The comments of `update.comment`: `[{"add": {"body": …}}]`.
pub(super) fn comment_additions(value: &Value) -> JiraResult<Vec<String>> {
    let Some(operations) = value.as_array() else {
        return Err(JiraError::field(
            "comment",
            "update.comment takes a list of operations such as {\"add\": {\"body\": \"…\"}}.",
        ));
    };
    let mut bodies = Vec::new();
    for operation in operations {
        match operation.get("add") {
            Some(added) => bodies.extend(comment(added)?),
            None => {
                return Err(JiraError::field(
                    "comment",
                    "Only 'add' is supported for comments in update.",
                ));
            }
        }
    }
    Ok(bodies)
}
