//! Automatic moves: when monitoring says every alert of an incident has resolved (or a
//! resolved group fires again), Triage moves the incident itself, on behalf of the
//! service's owners. It takes the workflow's own transitions — the fewest that reach the
//! goal, never passing through another Done status — and checks each one's conditions
//! like anyone's, with one documented difference: the automation counts as a member of
//! every group ([`Facts::by_automation`]), since an admin chose the behaviour for the
//! service. A condition that fails leaves the incident where the route stopped.

use std::collections::{HashMap, VecDeque};

use super::{
    Category, Facts, Requirement, Transition, TransitionPlan, TransitionRefusal, TransitionRequest,
    Workflow,
};

/// Where the automation takes an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// The status named Monitoring.
    Monitoring,
    /// Resolved through the workflow's resolving transition.
    Resolved,
    /// Back to work: the nearest status that is not Done.
    Reopened,
}

impl Goal {
    fn reached_by(self, workflow: &Workflow, transition: &Transition) -> bool {
        match self {
            Goal::Monitoring => transition.to.eq_ignore_ascii_case("Monitoring"),
            Goal::Resolved => transition.requires(Requirement::Resolution),
            Goal::Reopened => workflow.category_of(&transition.to) != Category::Done,
        }
    }

    /// Whether there is nothing to do: the goal is reached, or (for Monitoring) passed —
    /// a Done incident is never reopened to be watched.
    fn is_at(self, workflow: &Workflow, status: &str) -> bool {
        let done = workflow.category_of(status) == Category::Done;
        match self {
            Goal::Monitoring => status.eq_ignore_ascii_case("Monitoring") || done,
            Goal::Resolved => done,
            Goal::Reopened => workflow.category_of(status) != Category::Done,
        }
    }
}

/// Why the automation stopped short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRefusal {
    /// The workflow has no way there from the current status.
    NoRoute { from: String },
    /// A step's conditions or requirements did not hold.
    Refused {
        /// The steps that could be taken before the refusal.
        taken: Vec<TransitionPlan>,
        refusal: TransitionRefusal,
    },
}

impl Workflow {
    /// The fewest transitions from `current` that reach `goal`, through statuses that are
    /// not Done; empty when the incident is there already, none when there is no way.
    pub fn route(&self, current: &str, goal: Goal) -> Option<Vec<&Transition>> {
        if goal.is_at(self, current) {
            return Some(Vec::new());
        }
        let mut came_from: HashMap<&str, (&str, &Transition)> = HashMap::new();
        let mut queue = VecDeque::from([current]);
        while let Some(status) = queue.pop_front() {
            for transition in self.from_status(status) {
                if goal.reached_by(self, transition) {
                    let mut path = vec![transition];
                    let mut at = status;
                    while let Some((previous, step)) = came_from.get(at) {
                        path.push(step);
                        at = previous;
                    }
                    path.reverse();
                    return Some(path);
                }
                let next = transition.to.as_str();
                let passable = self.category_of(next) != Category::Done;
                if passable && next != current && !came_from.contains_key(next) {
                    came_from.insert(next, (status, transition));
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Plans each step of the route for the automation; `note` is the comment every step
    /// carries, `resolution` the one a resolving step sets.
    pub fn plan_route(
        &self,
        current: &str,
        goal: Goal,
        facts: &Facts,
        note: &str,
        resolution: &str,
    ) -> Result<Vec<TransitionPlan>, RouteRefusal> {
        let route = self
            .route(current, goal)
            .ok_or_else(|| RouteRefusal::NoRoute {
                from: current.to_string(),
            })?;
        let facts = Facts {
            by_automation: true,
            ..facts.clone()
        };
        let mut taken = Vec::new();
        let mut at = current.to_string();
        for transition in route {
            let request = TransitionRequest {
                name: &transition.name,
                resolution: transition
                    .requires(Requirement::Resolution)
                    .then_some(resolution),
                comment: Some(note),
            };
            match self.plan_transition(&at, transition, request, &facts) {
                Ok(plan) => {
                    at = plan.to.clone();
                    taken.push(plan);
                }
                Err(refusal) => return Err(RouteRefusal::Refused { taken, refusal }),
            }
        }
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Priority;

    fn names(route: Option<Vec<&Transition>>) -> Vec<String> {
        route.unwrap().iter().map(|t| t.to.clone()).collect()
    }

    #[test]
    fn routes_take_the_fewest_steps_and_avoid_other_done_statuses() {
        let workflow = Workflow::builtin();
        assert_eq!(
            names(workflow.route("Open", Goal::Resolved)),
            ["Investigating", "In Progress", "Monitoring", "Resolved"]
        );
        assert_eq!(
            names(workflow.route("Investigating", Goal::Monitoring)),
            ["In Progress", "Monitoring"]
        );
        assert_eq!(
            names(workflow.route("Resolved", Goal::Reopened)),
            ["Investigating"]
        );
        assert!(
            workflow
                .route("Monitoring", Goal::Monitoring)
                .unwrap()
                .is_empty()
        );
        assert!(
            workflow
                .route("Resolved", Goal::Monitoring)
                .unwrap()
                .is_empty()
        );
        assert!(workflow.route("Closed", Goal::Reopened).is_none());
    }

    #[test]
    fn the_automation_counts_as_every_group_but_meets_other_conditions_like_anyone() {
        let workflow = Workflow::builtin();
        let facts = Facts {
            priority: Some(Priority::P2),
            ..Facts::default()
        };
        let plans = workflow
            .plan_route(
                "Open",
                Goal::Resolved,
                &facts,
                "every alert has resolved",
                "Fixed",
            )
            .unwrap();
        assert_eq!(plans.len(), 4);
        assert_eq!(
            plans[3].resolution,
            super::super::ResolutionChange::Set("Fixed".into())
        );
        // Without a priority the first step (Investigating) is refused.
        let refused = workflow
            .plan_route("Open", Goal::Resolved, &Facts::default(), "note", "Fixed")
            .unwrap_err();
        let RouteRefusal::Refused { taken, refusal } = refused else {
            panic!("refused at a step");
        };
        assert!(taken.is_empty());
        assert_eq!(
            refusal.to_string(),
            "cannot move to Investigating: needs a priority"
        );
    }
}
