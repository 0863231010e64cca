//! Transition conditions: a small closed set of kinds, each a pure check of [`Facts`]
//! with a refusal a person can act on. A new kind (the post-mortem condition, say) is a
//! new variant here and a new fact; the engine that calls [`Condition::check`] does not
//! change.

use crate::postmortem::PostmortemStatus;
use crate::priority::Priority;
use crate::severity::Severity;

use super::Category;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// The incident has a value in this field.
    FieldSet(Field),
    /// The person taking the transition is a member of this group.
    ActorInGroup(String),
    /// Every incident linked to this one (either direction, any link type) with this
    /// priority is in a Done status.
    LinkedDone(Priority),
    /// The incident's post-mortem (its latest revision) is Published.
    PostmortemPublished,
}

/// Incident fields a condition can require.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Priority,
    Severity,
    Assignee,
    Description,
    Services,
    Labels,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Priority,
        Field::Severity,
        Field::Assignee,
        Field::Description,
        Field::Services,
        Field::Labels,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Priority => "priority",
            Field::Severity => "severity",
            Field::Assignee => "assignee",
            Field::Description => "description",
            Field::Services => "services",
            Field::Labels => "labels",
        }
    }

    pub fn parse(text: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(text.trim()))
    }

    fn needs(self) -> &'static str {
        match self {
            Field::Priority => "needs a priority",
            Field::Severity => "needs a severity",
            Field::Assignee => "needs an assignee",
            Field::Description => "needs a description",
            Field::Services => "needs at least one affected service",
            Field::Labels => "needs at least one label",
        }
    }
}

/// A linked incident as a condition sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedFact {
    pub key: String,
    pub priority: Option<Priority>,
    pub status: String,
    pub category: Category,
}

/// What the caller knows about the incident and the actor when asking to transition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub priority: Option<Priority>,
    pub severity: Option<Severity>,
    pub assignee: Option<String>,
    pub has_description: bool,
    pub service_count: usize,
    pub label_count: usize,
    pub actor_groups: Vec<String>,
    pub linked: Vec<LinkedFact>,
    /// Triage itself acts (an automatic move when alerts resolve or flap): it counts as a
    /// member of every group, because an admin chose the behaviour for the service.
    pub by_automation: bool,
    /// The status of the incident's post-mortem (its latest revision), if it has one.
    pub postmortem: Option<PostmortemStatus>,
}

impl Facts {
    pub fn field_is_set(&self, field: Field) -> bool {
        match field {
            Field::Priority => self.priority.is_some(),
            Field::Severity => self.severity.is_some(),
            Field::Assignee => self.assignee.is_some(),
            Field::Description => self.has_description,
            Field::Services => self.service_count > 0,
            Field::Labels => self.label_count > 0,
        }
    }
}

/// A condition that does not hold, and why, in words for the person refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// The condition's kind: `field_set`, `actor_in_group`, `linked_done`.
    pub kind: &'static str,
    /// A short reason, e.g. "needs a priority".
    pub reason: String,
}

impl Condition {
    pub fn kind(&self) -> &'static str {
        match self {
            Condition::FieldSet(_) => "field_set",
            Condition::ActorInGroup(_) => "actor_in_group",
            Condition::LinkedDone(_) => "linked_done",
            Condition::PostmortemPublished => "postmortem_published",
        }
    }

    /// `Ok` when the condition holds; otherwise the reason it does not.
    pub fn check(&self, facts: &Facts) -> Result<(), Unmet> {
        let unmet = |reason: String| Unmet {
            kind: self.kind(),
            reason,
        };
        match self {
            Condition::FieldSet(field) => {
                if facts.field_is_set(*field) {
                    Ok(())
                } else {
                    Err(unmet(field.needs().to_string()))
                }
            }
            Condition::ActorInGroup(group) => {
                if facts.by_automation || facts.actor_groups.iter().any(|g| g == group) {
                    Ok(())
                } else {
                    Err(unmet(format!(
                        "only members of the '{group}' group may do this"
                    )))
                }
            }
            Condition::LinkedDone(priority) => {
                let open: Vec<String> = facts
                    .linked
                    .iter()
                    .filter(|l| l.priority == Some(*priority) && l.category != Category::Done)
                    .map(|l| format!("{} ({})", l.key, l.status))
                    .collect();
                if open.is_empty() {
                    Ok(())
                } else {
                    Err(unmet(format!(
                        "linked {} incidents must be Done first: {}",
                        priority.code(),
                        open.join(", ")
                    )))
                }
            }
            Condition::PostmortemPublished => match facts.postmortem {
                Some(PostmortemStatus::Published) => Ok(()),
                Some(status) => Err(unmet(format!(
                    "its post-mortem must be Published first (it is {status})"
                ))),
                None => Err(unmet(
                    "needs a published post-mortem: draft one with `triage postmortem KEY`"
                        .to_string(),
                )),
            },
        }
    }

    /// A sentence for documentation and `workflow check` output.
    pub fn describe(&self) -> String {
        match self {
            Condition::FieldSet(field) => format!("the incident has {}", field.as_str()),
            Condition::ActorInGroup(group) => format!("the acting user is in group '{group}'"),
            Condition::LinkedDone(priority) => {
                format!("every linked {} incident is Done", priority.code())
            }
            Condition::PostmortemPublished => "the incident's post-mortem is Published".to_string(),
        }
    }
}
