//! Workflows as TOML: parsing and validation. A workflow that loads is one the engine can
//! run: every status is reachable, a Done status is reachable from every status, every
//! condition can be met. Errors name the transition or status they are about.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use serde::Deserialize;

use super::{Category, Condition, Field, Requirement, Status, Transition, Workflow, normalize};
use crate::priority::Priority;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkflow {
    name: String,
    initial: String,
    #[serde(default)]
    resolutions: Vec<String>,
    #[serde(default)]
    status: Vec<RawStatus>,
    #[serde(default)]
    transition: Vec<RawTransition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatus {
    name: String,
    category: String,
    #[serde(default)]
    description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransition {
    name: String,
    from: Vec<String>,
    to: String,
    #[serde(default)]
    conditions: Vec<RawCondition>,
    #[serde(default)]
    requires: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    kind: String,
    field: Option<String>,
    group: Option<String>,
    priority: Option<String>,
}

/// Everything wrong with a workflow definition, one precise message each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionErrors(pub Vec<String>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for DefinitionErrors {}

impl Workflow {
    /// Parses and validates a workflow written in TOML.
    pub fn from_toml(text: &str) -> Result<Workflow, DefinitionErrors> {
        let raw: RawWorkflow =
            toml::from_str(text).map_err(|e| DefinitionErrors(vec![e.to_string()]))?;
        let mut errors = Vec::new();
        let workflow = convert(raw, &mut errors);
        if errors.is_empty() {
            validate_graph(&workflow, &mut errors);
        }
        if errors.is_empty() {
            Ok(workflow)
        } else {
            Err(DefinitionErrors(errors))
        }
    }
}

fn convert(raw: RawWorkflow, errors: &mut Vec<String>) -> Workflow {
    if raw.name.trim().is_empty() {
        errors.push("the workflow needs a name".to_string());
    }
    let mut statuses: Vec<Status> = Vec::new();
    for status in raw.status {
        if status.name.trim().is_empty() {
            errors.push("a status has an empty name".to_string());
            continue;
        }
        if statuses
            .iter()
            .any(|s| normalize(&s.name) == normalize(&status.name))
        {
            errors.push(format!("status '{}' is defined twice", status.name));
            continue;
        }
        match Category::parse(&status.category) {
            Ok(category) => statuses.push(Status {
                name: status.name,
                category,
                description: status.description,
            }),
            Err(e) => errors.push(format!("status '{}': {e}", status.name)),
        }
    }
    let known: Vec<String> = statuses.iter().map(|s| s.name.clone()).collect();
    let check_status = |name: &str, context: &str, errors: &mut Vec<String>| {
        if !known.iter().any(|k| k == name) {
            errors.push(format!(
                "{context}: unknown status '{name}'; statuses: {}",
                known.join(", ")
            ));
        }
    };
    check_status(&raw.initial, "initial", errors);
    if let Some(initial) = statuses.iter().find(|s| s.name == raw.initial)
        && initial.category == Category::Done
    {
        errors.push(format!(
            "initial: '{}' is a Done status; new incidents must start open",
            raw.initial
        ));
    }
    if !statuses.iter().any(|s| s.category == Category::Done) {
        errors.push("no status is in the Done category: incidents could never end".to_string());
    }
    let mut resolutions: Vec<String> = Vec::new();
    for resolution in raw.resolutions {
        if resolution.trim().is_empty() {
            errors.push("a resolution is empty".to_string());
        } else if resolutions
            .iter()
            .any(|r| normalize(r) == normalize(&resolution))
        {
            errors.push(format!("resolution '{resolution}' is listed twice"));
        } else {
            resolutions.push(resolution);
        }
    }

    let mut transitions: Vec<Transition> = Vec::new();
    for raw_transition in raw.transition {
        let context = format!("transition '{}'", raw_transition.name);
        if raw_transition.name.trim().is_empty() {
            errors.push("a transition has an empty name".to_string());
            continue;
        }
        if transitions
            .iter()
            .any(|t| normalize(&t.name) == normalize(&raw_transition.name))
        {
            errors.push(format!("{context} is defined twice"));
            continue;
        }
        if raw_transition.from.is_empty() {
            errors.push(format!("{context}: 'from' lists no status"));
        }
        for from in &raw_transition.from {
            check_status(from, &context, errors);
            if *from == raw_transition.to {
                errors.push(format!("{context}: goes from '{from}' to itself"));
            }
        }
        check_status(&raw_transition.to, &context, errors);
        let to_done = statuses
            .iter()
            .any(|s| s.name == raw_transition.to && s.category == Category::Done);
        let conditions = raw_transition
            .conditions
            .into_iter()
            .filter_map(|c| convert_condition(c, &context, errors))
            .collect();
        let mut requires = Vec::new();
        for requirement in &raw_transition.requires {
            match requirement.trim().to_ascii_lowercase().as_str() {
                "resolution" => {
                    if !to_done {
                        errors.push(format!(
                            "{context}: requires a resolution but leads to '{}', which is not a Done status",
                            raw_transition.to
                        ));
                    }
                    if resolutions.is_empty() {
                        errors.push(format!(
                            "{context}: requires a resolution but the workflow lists no resolutions"
                        ));
                    }
                    requires.push(Requirement::Resolution);
                }
                "comment" => requires.push(Requirement::Comment),
                other => errors.push(format!(
                    "{context}: cannot require '{other}'; use resolution or comment"
                )),
            }
        }
        transitions.push(Transition {
            name: raw_transition.name,
            from: raw_transition.from,
            to: raw_transition.to,
            conditions,
            requires,
        });
    }
    Workflow {
        name: raw.name,
        initial: raw.initial,
        statuses,
        transitions,
        resolutions,
    }
}

fn convert_condition(
    raw: RawCondition,
    context: &str,
    errors: &mut Vec<String>,
) -> Option<Condition> {
    let mut fail = |message: String| {
        errors.push(format!("{context}: condition {}: {message}", raw.kind));
        None
    };
    match raw.kind.as_str() {
        "field_set" => {
            let Some(name) = raw.field.as_deref() else {
                return fail("needs 'field'".to_string());
            };
            match Field::parse(name) {
                Some(field) => Some(Condition::FieldSet(field)),
                None => fail(format!(
                    "unknown field '{name}'; fields: {}",
                    Field::ALL.map(Field::as_str).join(", ")
                )),
            }
        }
        "actor_in_group" => match raw.group.as_deref().map(str::trim) {
            Some(group) if !group.is_empty() => Some(Condition::ActorInGroup(group.to_string())),
            _ => fail("needs a non-empty 'group'".to_string()),
        },
        "linked_done" => {
            let Some(text) = raw.priority.as_deref() else {
                return fail("needs 'priority', e.g. \"P1\"".to_string());
            };
            match Priority::parse(text) {
                Ok(priority) => Some(Condition::LinkedDone(priority)),
                Err(e) => fail(e.to_string()),
            }
        }
        "postmortem_published" => Some(Condition::PostmortemPublished),
        other => fail(format!(
            "unknown kind '{other}'; kinds: field_set, actor_in_group, linked_done, \
             postmortem_published"
        )),
    }
}

/// Reachability: every status from the initial one, and a Done status from every status.
fn validate_graph(workflow: &Workflow, errors: &mut Vec<String>) {
    let reachable = reachable_from(workflow, &workflow.initial);
    for status in &workflow.statuses {
        if !reachable.contains(status.name.as_str()) {
            errors.push(format!(
                "status '{}' cannot be reached from the initial status '{}'",
                status.name, workflow.initial
            ));
        } else if status.category != Category::Done {
            let onward = reachable_from(workflow, &status.name);
            if !workflow
                .statuses
                .iter()
                .any(|s| s.category == Category::Done && onward.contains(s.name.as_str()))
            {
                errors.push(format!(
                    "status '{}' is a dead end: no Done status can be reached from it",
                    status.name
                ));
            }
        }
    }
}

/// The statuses reachable from `start` (itself included), ignoring conditions.
pub(crate) fn reachable_from<'a>(workflow: &'a Workflow, start: &'a str) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(status) = queue.pop_front() {
        for transition in workflow.from_status(status) {
            if seen.insert(transition.to.as_str()) {
                queue.push_back(transition.to.as_str());
            }
        }
    }
    seen
}
