//! Taking a transition: find it by name, check its conditions and required input, and
//! say what changes. Pure; the store applies the plan in one transaction.

use std::fmt;

use super::{Category, Facts, Requirement, Transition, Unmet, Workflow, normalize};

/// What the person asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransitionRequest<'a> {
    /// A transition name or a target status name, any case.
    pub name: &'a str,
    pub resolution: Option<&'a str>,
    pub comment: Option<&'a str>,
}

/// What happens to the incident's resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolutionChange {
    Keep,
    Set(String),
    Clear,
}

/// The outcome of a transition the engine allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionPlan {
    pub transition: String,
    pub from: String,
    pub to: String,
    pub to_category: Category,
    pub resolution: ResolutionChange,
}

/// A transition as offered from the current status: allowed now, or not and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer<'a> {
    pub transition: &'a Transition,
    pub unmet: Vec<Unmet>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionRefusal {
    #[error("{}", unknown_message(name, current, available))]
    Unknown {
        name: String,
        current: String,
        available: Vec<String>,
    },
    #[error("'{name}' is ambiguous from {current}: it matches {}; use the transition's name", matches.join(", "))]
    Ambiguous {
        name: String,
        current: String,
        matches: Vec<String>,
    },
    #[error("cannot move to {to}: {}", reasons(unmet))]
    ConditionsUnmet {
        transition: String,
        to: String,
        unmet: Vec<Unmet>,
        available: Vec<String>,
    },
    #[error("moving to {to} needs a resolution: one of {}", allowed.join(", "))]
    MissingResolution {
        transition: String,
        to: String,
        allowed: Vec<String>,
    },
    #[error("moving to {to} needs a comment")]
    MissingComment { transition: String, to: String },
    #[error("unknown resolution '{given}': use one of {}", allowed.join(", "))]
    UnknownResolution { given: String, allowed: Vec<String> },
    #[error("a resolution only applies when moving to a Done status, and {to} is {category}")]
    ResolutionNotApplicable { to: String, category: Category },
}

impl TransitionRefusal {
    /// The transitions available from the current status, where the refusal knows them.
    pub fn available(&self) -> &[String] {
        match self {
            TransitionRefusal::Unknown { available, .. }
            | TransitionRefusal::ConditionsUnmet { available, .. } => available,
            _ => &[],
        }
    }
}

fn unknown_message(name: &str, current: &str, available: &[String]) -> String {
    if available.is_empty() {
        format!("no transition '{name}' from {current}: {current} is final, nothing leaves it")
    } else {
        format!(
            "no transition '{name}' from {current}; available: {}",
            available.join(", ")
        )
    }
}

fn reasons(unmet: &[Unmet]) -> String {
    unmet
        .iter()
        .map(|u| u.reason.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for Offer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} → {}", self.transition.name, self.transition.to)?;
        if !self.unmet.is_empty() {
            write!(f, " (unavailable: {})", reasons(&self.unmet))?;
        }
        Ok(())
    }
}

impl Workflow {
    /// Every transition from `current`, each with the conditions it does not meet now.
    pub fn offered<'a>(&'a self, current: &'a str, facts: &Facts) -> Vec<Offer<'a>> {
        self.from_status(current)
            .into_iter()
            .map(|transition| Offer {
                transition,
                unmet: unmet_conditions(transition, facts),
            })
            .collect()
    }

    /// Finds the transition `name` names from `current`: a transition name first, then a
    /// target status name, ignoring case.
    pub fn find_transition(
        &self,
        current: &str,
        name: &str,
    ) -> Result<&Transition, TransitionRefusal> {
        let wanted = normalize(name);
        let from_here = self.from_status(current);
        let by_name: Vec<&Transition> = from_here
            .iter()
            .copied()
            .filter(|t| normalize(&t.name) == wanted)
            .collect();
        let matches = if by_name.is_empty() {
            from_here
                .iter()
                .copied()
                .filter(|t| normalize(&t.to) == wanted)
                .collect()
        } else {
            by_name
        };
        match matches.as_slice() {
            [only] => Ok(only),
            [] => Err(TransitionRefusal::Unknown {
                name: name.to_string(),
                current: current.to_string(),
                available: names(&from_here),
            }),
            several => Err(TransitionRefusal::Ambiguous {
                name: name.to_string(),
                current: current.to_string(),
                matches: names(several),
            }),
        }
    }

    /// The transition from `current` that resolves the incident: the one that requires a
    /// resolution. What `triage resolve` takes.
    pub fn resolving_transition(&self, current: &str) -> Result<&Transition, TransitionRefusal> {
        let from_here = self.from_status(current);
        from_here
            .iter()
            .copied()
            .find(|t| t.requires(Requirement::Resolution))
            .ok_or_else(|| TransitionRefusal::Unknown {
                name: "resolve".to_string(),
                current: current.to_string(),
                available: names(&from_here),
            })
    }

    /// Decides whether the transition `request` names may be taken from `current` given
    /// `facts`, and what it changes.
    pub fn plan(
        &self,
        current: &str,
        request: TransitionRequest<'_>,
        facts: &Facts,
    ) -> Result<TransitionPlan, TransitionRefusal> {
        let transition = self.find_transition(current, request.name)?;
        self.plan_transition(current, transition, request, facts)
    }

    /// Like [`Workflow::plan`] for a transition already chosen.
    pub fn plan_transition(
        &self,
        current: &str,
        transition: &Transition,
        request: TransitionRequest<'_>,
        facts: &Facts,
    ) -> Result<TransitionPlan, TransitionRefusal> {
        let to_category = self.category_of(&transition.to);
        let unmet = unmet_conditions(transition, facts);
        if !unmet.is_empty() {
            return Err(TransitionRefusal::ConditionsUnmet {
                transition: transition.name.clone(),
                to: transition.to.clone(),
                unmet,
                available: names(&self.from_status(current)),
            });
        }
        let given_comment = request.comment.is_some_and(|c| !c.trim().is_empty());
        if transition.requires(Requirement::Comment) && !given_comment {
            return Err(TransitionRefusal::MissingComment {
                transition: transition.name.clone(),
                to: transition.to.clone(),
            });
        }
        let given_resolution = request.resolution.filter(|r| !r.trim().is_empty());
        let resolution = match given_resolution {
            Some(given) => {
                if to_category != Category::Done {
                    return Err(TransitionRefusal::ResolutionNotApplicable {
                        to: transition.to.clone(),
                        category: to_category,
                    });
                }
                let canonical = self.find_resolution(given).ok_or_else(|| {
                    TransitionRefusal::UnknownResolution {
                        given: given.to_string(),
                        allowed: self.resolutions.clone(),
                    }
                })?;
                ResolutionChange::Set(canonical.to_string())
            }
            None if transition.requires(Requirement::Resolution) => {
                return Err(TransitionRefusal::MissingResolution {
                    transition: transition.name.clone(),
                    to: transition.to.clone(),
                    allowed: self.resolutions.clone(),
                });
            }
            None if to_category != Category::Done => ResolutionChange::Clear,
            None => ResolutionChange::Keep,
        };
        Ok(TransitionPlan {
            transition: transition.name.clone(),
            from: current.to_string(),
            to: transition.to.clone(),
            to_category,
            resolution,
        })
    }
}

fn unmet_conditions(transition: &Transition, facts: &Facts) -> Vec<Unmet> {
    transition
        .conditions
        .iter()
        .filter_map(|c| c.check(facts).err())
        .collect()
}

fn names(transitions: &[&Transition]) -> Vec<String> {
    transitions.iter().map(|t| t.name.clone()).collect()
}
