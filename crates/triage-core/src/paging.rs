//! Whether an incident pages, and what a change to it does to its escalation.
//!
//! An escalation runs exactly while its incident is *pageable*: not in a Done category,
//! not acknowledged in the current round, at a priority one of its services pages for,
//! on a service with an escalation policy. Every write that changes an incident asks
//! [`follow`] with the incident's paging facts before and after the change: a change
//! that makes it pageable starts an escalation, a change that makes it not pageable ends
//! the running one (and quiets what was queued for it), and the people paged hear when
//! it is over. Edits to a service's policy or paging priorities are not changes to the
//! incident: they apply to incidents that become pageable from then on.

use crate::Priority;
use crate::workflow::Category;

/// A service of the incident that has an escalation policy: the policy's id and the
/// priorities the service pages for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingService {
    pub policy: i64,
    pub pages_for: Vec<Priority>,
}

/// What paging needs to know of an incident at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingFacts {
    pub status: String,
    pub category: Category,
    pub priority: Option<Priority>,
    /// Someone has the incident in the current round (cleared when it lapses, and when
    /// the incident reaches Done: a reopened incident is nobody's until acknowledged).
    pub acknowledged: bool,
    /// Its services that have an escalation policy, by name.
    pub services: Vec<PagingService>,
}

impl PagingFacts {
    /// The policy that would page for the incident now, if it is pageable: the first of
    /// its services (by name) that pages for its priority.
    pub fn paging_policy(&self) -> Option<i64> {
        if self.category == Category::Done || self.acknowledged {
            return None;
        }
        let priority = self.priority?;
        self.services
            .iter()
            .find(|s| s.pages_for.contains(&priority))
            .map(|s| s.policy)
    }

    pub fn pageable(&self) -> bool {
        self.paging_policy().is_some()
    }
}

/// Where an incident's escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationState {
    /// Climbing: the next step is due at its time.
    Active,
    /// Someone has the incident; a policy's acknowledgement timeout may still lapse it.
    Acknowledged,
    /// The incident reached Done.
    Resolved,
    /// Every level was paged and nobody acknowledged.
    Exhausted,
    /// It stopped paging for another reason (priority lowered, services changed, the
    /// policy deleted).
    Stopped,
}

impl EscalationState {
    pub const ALL: [EscalationState; 5] = [
        EscalationState::Active,
        EscalationState::Acknowledged,
        EscalationState::Resolved,
        EscalationState::Exhausted,
        EscalationState::Stopped,
    ];

    /// The spelling kept in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::Active => "active",
            EscalationState::Acknowledged => "acknowledged",
            EscalationState::Resolved => "resolved",
            EscalationState::Exhausted => "exhausted",
            EscalationState::Stopped => "stopped",
        }
    }

    pub fn parse(text: &str) -> Option<EscalationState> {
        EscalationState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
    }

    /// The state an escalation ends in for `reason`.
    pub fn ended(reason: &EndReason) -> EscalationState {
        match reason {
            EndReason::Done(_) => EscalationState::Resolved,
            EndReason::Acknowledged => EscalationState::Acknowledged,
            EndReason::Lowered(_) | EndReason::Services => EscalationState::Stopped,
        }
    }
}

/// Why an escalation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The incident reached a Done status, named.
    Done(String),
    /// Someone acknowledged it.
    Acknowledged,
    /// Its priority was lowered (or removed) to one its services do not page for.
    Lowered(Option<Priority>),
    /// Its services changed, and none pages for its priority.
    Services,
}

impl EndReason {
    /// The end of the sentence "escalation ended: …"; `by` names who acknowledged.
    pub fn describe(&self, by: Option<&str>) -> String {
        match self {
            EndReason::Done(status) => format!("the incident was marked {status}"),
            EndReason::Acknowledged => match by {
                Some(by) => format!("acknowledged by {by}"),
                None => "the incident was acknowledged".to_string(),
            },
            EndReason::Lowered(Some(priority)) => {
                format!("lowered to {}, which does not page", priority.code())
            }
            EndReason::Lowered(None) => "its priority was removed".to_string(),
            EndReason::Services => {
                "its services changed, and none pages for its priority".to_string()
            }
        }
    }
}

/// What a change does to the escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escalation {
    /// Nothing to do.
    Keep,
    /// Start a new round of this policy now.
    Start { policy: i64 },
    /// End the running escalation.
    End(EndReason),
}

/// Who hears that it is over: the people paged for the incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// It reached Done: everyone paged since it last did.
    Resolved,
    /// Someone acknowledged it: the others paged in this round.
    Acknowledged,
}

/// The whole answer to a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub escalation: Escalation,
    /// Pages and response notices queued and not sent yet are dropped, for this reason
    /// (the incident stopped paging, escalating or not).
    pub quiet: Option<EndReason>,
    pub notice: Option<Notice>,
}

/// What a change from `before` (none for a new incident) to `after` does, given
/// whether an escalation is running (`escalating`).
pub fn follow(escalating: bool, before: Option<&PagingFacts>, after: &PagingFacts) -> Followed {
    let was_done = before.is_some_and(|b| b.category == Category::Done);
    let was_acknowledged = before.is_some_and(|b| b.acknowledged);
    let done_now = after.category == Category::Done && !was_done;
    let acknowledged_now = after.acknowledged && !was_acknowledged;
    // The reason the incident stops paging, if this change is what stops it.
    let stopped = if done_now {
        Some(EndReason::Done(after.status.clone()))
    } else if acknowledged_now {
        Some(EndReason::Acknowledged)
    } else {
        None
    };
    let escalation = if escalating {
        // What else decides whether it pages: a move between open statuses is not one.
        let changed =
            before.is_none_or(|b| b.priority != after.priority || b.services != after.services);
        match &stopped {
            Some(reason) => Escalation::End(reason.clone()),
            None if changed && !after.pageable() => {
                let lowered = before.is_none_or(|b| b.priority != after.priority);
                Escalation::End(if lowered {
                    EndReason::Lowered(after.priority)
                } else {
                    EndReason::Services
                })
            }
            None => Escalation::Keep,
        }
    } else {
        match after.paging_policy() {
            Some(policy) if !before.is_some_and(PagingFacts::pageable) => {
                Escalation::Start { policy }
            }
            _ => Escalation::Keep,
        }
    };
    let quiet = match &escalation {
        Escalation::End(reason) => Some(reason.clone()),
        _ => stopped,
    };
    let notice = if done_now {
        Some(Notice::Resolved)
    } else if acknowledged_now {
        Some(Notice::Acknowledged)
    } else {
        None
    };
    Followed {
        escalation,
        quiet,
        notice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Priority::*;

    fn facts(category: Category, priority: Option<Priority>, acknowledged: bool) -> PagingFacts {
        PagingFacts {
            status: match category {
                Category::ToDo => "Open",
                Category::InProgress => "Investigating",
                Category::Done => "False Alarm",
            }
            .to_string(),
            category,
            priority,
            acknowledged,
            services: vec![PagingService {
                policy: 7,
                pages_for: vec![P1, P2],
            }],
        }
    }

    fn open(priority: Option<Priority>) -> PagingFacts {
        facts(Category::ToDo, priority, false)
    }

    fn on_no_service(mut f: PagingFacts) -> PagingFacts {
        f.services.clear();
        f
    }

    const START: Escalation = Escalation::Start { policy: 7 };

    #[test]
    fn a_change_starts_keeps_or_ends_the_escalation() {
        use Category::*;
        use EndReason as R;
        use Escalation::{End, Keep};
        let table: Vec<(&str, bool, Option<PagingFacts>, PagingFacts, Escalation)> = vec![
            ("opened at P1", false, None, open(Some(P1)), START),
            ("opened at P3", false, None, open(Some(P3)), Keep),
            ("opened without priority", false, None, open(None), Keep),
            (
                "opened on no paging service",
                false,
                None,
                on_no_service(open(Some(P1))),
                Keep,
            ),
            (
                "raised P3 to P1",
                false,
                Some(open(Some(P3))),
                open(Some(P1)),
                START,
            ),
            (
                "priority set",
                false,
                Some(open(None)),
                open(Some(P2)),
                START,
            ),
            (
                "paging service added",
                false,
                Some(on_no_service(open(Some(P1)))),
                open(Some(P1)),
                START,
            ),
            (
                "reopened",
                false,
                Some(facts(Done, Some(P1), false)),
                facts(InProgress, Some(P1), false),
                START,
            ),
            (
                "acknowledgement lapsed",
                false,
                Some(facts(InProgress, Some(P1), true)),
                facts(InProgress, Some(P1), false),
                START,
            ),
            (
                "raised while acknowledged",
                false,
                Some(facts(InProgress, Some(P3), true)),
                facts(InProgress, Some(P1), true),
                Keep,
            ),
            (
                "P1 to P2 while escalating",
                true,
                Some(open(Some(P1))),
                open(Some(P2)),
                Keep,
            ),
            (
                "P1 to P2 after the escalation was exhausted",
                false,
                Some(open(Some(P1))),
                open(Some(P2)),
                Keep,
            ),
            (
                "resolved",
                true,
                Some(open(Some(P1))),
                facts(Done, Some(P1), false),
                End(R::Done("False Alarm".into())),
            ),
            (
                "acknowledged",
                true,
                Some(open(Some(P1))),
                facts(ToDo, Some(P1), true),
                End(R::Acknowledged),
            ),
            (
                "lowered to P3",
                true,
                Some(open(Some(P1))),
                open(Some(P3)),
                End(R::Lowered(Some(P3))),
            ),
            (
                "priority removed",
                true,
                Some(open(Some(P1))),
                open(None),
                End(R::Lowered(None)),
            ),
            (
                "moved off the paging service",
                true,
                Some(open(Some(P1))),
                on_no_service(open(Some(P1))),
                End(R::Services),
            ),
            (
                "a summary edit keeps an escalation a policy edit no longer covers",
                true,
                Some(on_no_service(open(Some(P1)))),
                on_no_service(open(Some(P1))),
                Keep,
            ),
            (
                "so does a move between open statuses",
                true,
                Some(on_no_service(open(Some(P1)))),
                on_no_service(facts(InProgress, Some(P1), false)),
                Keep,
            ),
        ];
        for (name, escalating, before, after, expected) in table {
            let got = follow(escalating, before.as_ref(), &after);
            assert_eq!(got.escalation, expected, "{name}");
        }
    }

    #[test]
    fn what_stops_paging_quiets_the_queue_and_tells_those_paged() {
        let done = facts(Category::Done, Some(Priority::P1), false);
        let got = follow(true, Some(&open(Some(P1))), &done);
        assert_eq!(got.quiet, Some(EndReason::Done("False Alarm".into())));
        assert_eq!(got.notice, Some(Notice::Resolved));
        // Exhausted (nothing running) and then resolved: the queue and the people paged
        // still hear.
        let got = follow(false, Some(&open(Some(P1))), &done);
        assert_eq!(got.escalation, Escalation::Keep);
        assert_eq!(got.notice, Some(Notice::Resolved));
        assert!(got.quiet.is_some());
        let acknowledged = facts(Category::ToDo, Some(P1), true);
        let got = follow(false, Some(&open(Some(P1))), &acknowledged);
        assert_eq!(got.notice, Some(Notice::Acknowledged));
        assert_eq!(got.quiet, Some(EndReason::Acknowledged));
        // Lowered: nobody is told it is over, but what was queued is dropped.
        let got = follow(true, Some(&open(Some(P1))), &open(Some(P4)));
        assert_eq!(got.notice, None);
        assert_eq!(got.quiet, Some(EndReason::Lowered(Some(P4))));
        // Nothing about paging changed: nothing happens.
        let got = follow(true, Some(&open(Some(P1))), &open(Some(P1)));
        assert_eq!(
            got,
            Followed {
                escalation: Escalation::Keep,
                quiet: None,
                notice: None
            }
        );
    }

    #[test]
    fn the_first_service_that_pages_for_the_priority_decides() {
        let mut f = open(Some(P3));
        f.services.push(PagingService {
            policy: 9,
            pages_for: vec![P3],
        });
        assert_eq!(f.paging_policy(), Some(9));
        f.acknowledged = true;
        assert_eq!(f.paging_policy(), None);
    }

    #[test]
    fn states_read_back_as_written() {
        for state in EscalationState::ALL {
            assert_eq!(EscalationState::parse(state.as_str()), Some(state));
        }
        assert_eq!(EscalationState::parse("Active"), None);
    }

    #[test]
    fn reasons_read_as_sentences() {
        assert_eq!(
            EndReason::Lowered(Some(P3)).describe(None),
            "lowered to P3, which does not page"
        );
        assert_eq!(
            EndReason::Acknowledged.describe(Some("ann@example.com")),
            "acknowledged by ann@example.com"
        );
        assert_eq!(
            EndReason::Done("Resolved".into()).describe(None),
            "the incident was marked Resolved"
        );
    }
}
