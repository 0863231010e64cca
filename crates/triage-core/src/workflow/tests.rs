//! Unit and property tests of the workflow engine and of workflow definitions.

use proptest::prelude::*;

use super::definition::reachable_from;
use super::*;
use crate::postmortem::PostmortemStatus;
use crate::priority::Priority;

fn facts() -> Facts {
    Facts::default()
}

fn sre_with_priority() -> Facts {
    Facts {
        priority: Some(Priority::P2),
        actor_groups: vec!["sre".into()],
        ..Facts::default()
    }
}

fn request(name: &str) -> TransitionRequest<'_> {
    TransitionRequest {
        name,
        ..TransitionRequest::default()
    }
}

#[test]
fn builtin_matches_design() {
    let workflow = Workflow::builtin();
    let statuses: Vec<(&str, Category)> = workflow
        .statuses
        .iter()
        .map(|s| (s.name.as_str(), s.category))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("Open", Category::ToDo),
            ("Investigating", Category::InProgress),
            ("In Progress", Category::InProgress),
            ("Monitoring", Category::InProgress),
            ("Resolved", Category::Done),
            ("Closed", Category::Done),
            ("False Alarm", Category::Done),
        ]
    );
    assert_eq!(workflow.initial, "Open");
    assert_eq!(
        workflow.resolutions,
        vec![
            "Fixed",
            "Won't Fix",
            "Duplicate",
            "Cannot Reproduce",
            "Workaround"
        ]
    );
    assert!(workflow.is_final("Closed"));
    assert!(workflow.is_final("False Alarm"));
}

#[test]
fn the_runbook_path_walks_open_to_resolved() {
    let workflow = Workflow::builtin();
    let facts = sre_with_priority();
    let mut status = workflow.initial.clone();
    for name in ["Investigating", "in progress", "MONITORING"] {
        status = workflow.plan(&status, request(name), &facts).unwrap().to;
    }
    let plan = workflow
        .plan(
            &status,
            TransitionRequest {
                name: "Resolved",
                resolution: Some("fixed"),
                comment: Some("No recurrence in 24h"),
            },
            &facts,
        )
        .unwrap();
    assert_eq!(plan.to, "Resolved");
    assert_eq!(plan.to_category, Category::Done);
    assert_eq!(plan.resolution, ResolutionChange::Set("Fixed".into()));
}

#[test]
fn investigating_needs_a_priority() {
    let workflow = Workflow::builtin();
    let refusal = workflow
        .plan("Open", request("Investigating"), &facts())
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "cannot move to Investigating: needs a priority"
    );
    assert_eq!(refusal.available(), ["Investigating", "False Alarm"]);
}

#[test]
fn monitoring_needs_the_sre_group() {
    let workflow = Workflow::builtin();
    let outsider = Facts {
        priority: Some(Priority::P1),
        actor_groups: vec!["support".into()],
        ..Facts::default()
    };
    let refusal = workflow
        .plan("In Progress", request("Monitoring"), &outsider)
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "cannot move to Monitoring: only members of the 'sre' group may do this"
    );
}

#[test]
fn resolved_waits_for_linked_p1_incidents() {
    let workflow = Workflow::builtin();
    let mut facts = sre_with_priority();
    facts.linked = vec![
        LinkedFact {
            key: "INC-7".into(),
            priority: Some(Priority::P1),
            status: "In Progress".into(),
            category: Category::InProgress,
        },
        LinkedFact {
            key: "INC-8".into(),
            priority: Some(Priority::P2),
            status: "Open".into(),
            category: Category::ToDo,
        },
    ];
    let resolve = TransitionRequest {
        name: "Resolved",
        resolution: Some("Fixed"),
        comment: None,
    };
    let refusal = workflow.plan("Monitoring", resolve, &facts).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "cannot move to Resolved: linked P1 incidents must be Done first: INC-7 (In Progress)"
    );
    facts.linked[0].category = Category::Done;
    facts.linked[0].status = "Resolved".into();
    assert!(workflow.plan("Monitoring", resolve, &facts).is_ok());
}

#[test]
fn resolved_needs_a_known_resolution() {
    let workflow = Workflow::builtin();
    let facts = sre_with_priority();
    let missing = workflow
        .plan("Monitoring", request("Resolved"), &facts)
        .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "moving to Resolved needs a resolution: one of Fixed, Won't Fix, Duplicate, Cannot Reproduce, Workaround"
    );
    let unknown = workflow
        .plan(
            "Monitoring",
            TransitionRequest {
                name: "Resolved",
                resolution: Some("Done-ish"),
                comment: None,
            },
            &facts,
        )
        .unwrap_err();
    assert!(
        unknown
            .to_string()
            .starts_with("unknown resolution 'Done-ish': use one of Fixed")
    );
}

#[test]
fn a_resolution_on_a_non_done_move_is_refused() {
    let workflow = Workflow::builtin();
    let refusal = workflow
        .plan(
            "Open",
            TransitionRequest {
                name: "Investigating",
                resolution: Some("Fixed"),
                comment: None,
            },
            &sre_with_priority(),
        )
        .unwrap_err();
    assert!(matches!(
        refusal,
        TransitionRefusal::ResolutionNotApplicable { .. }
    ));
}

#[test]
fn reopening_clears_the_resolution() {
    let workflow = Workflow::builtin();
    let plan = workflow
        .plan("Resolved", request("Investigating"), &sre_with_priority())
        .unwrap();
    assert_eq!(plan.transition, "Reopen");
    assert_eq!(plan.resolution, ResolutionChange::Clear);
    let published = Facts {
        postmortem: Some(PostmortemStatus::Published),
        ..facts()
    };
    let close = workflow
        .plan("Resolved", request("closed"), &published)
        .unwrap();
    assert_eq!(close.resolution, ResolutionChange::Keep);
}

#[test]
fn unknown_names_list_what_is_available() {
    let workflow = Workflow::builtin();
    let refusal = workflow
        .plan("Open", request("Monitoring"), &sre_with_priority())
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "no transition 'Monitoring' from Open; available: Investigating, False Alarm"
    );
    let final_refusal = workflow
        .plan("Closed", request("Reopen"), &facts())
        .unwrap_err();
    assert_eq!(
        final_refusal.to_string(),
        "no transition 'Reopen' from Closed: Closed is final, nothing leaves it"
    );
}

#[test]
fn a_status_name_reached_by_two_transitions_is_ambiguous() {
    let workflow = Workflow::from_toml(
        r#"
        name = "two-ways"
        initial = "Open"
        [[status]]
        name = "Open"
        category = "To Do"
        [[status]]
        name = "Done"
        category = "Done"
        [[transition]]
        name = "Finish"
        from = ["Open"]
        to = "Done"
        [[transition]]
        name = "Give up"
        from = ["Open"]
        to = "Done"
        "#,
    )
    .unwrap();
    let refusal = workflow
        .plan("Open", request("done"), &facts())
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "'done' is ambiguous from Open: it matches Finish, Give up; use the transition's name"
    );
    assert!(workflow.plan("Open", request("give  UP"), &facts()).is_ok());
}

#[test]
fn offers_show_unmet_conditions() {
    let workflow = Workflow::builtin();
    let offers = workflow.offered("Open", &facts());
    let shown: Vec<String> = offers.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        vec![
            "Investigating → Investigating (unavailable: needs a priority)",
            "False Alarm → False Alarm"
        ]
    );
}

#[test]
fn resolve_finds_the_transition_that_takes_a_resolution() {
    let workflow = Workflow::builtin();
    assert_eq!(
        workflow.resolving_transition("Monitoring").unwrap().name,
        "Resolved"
    );
    assert!(workflow.resolving_transition("Open").is_err());
}

fn definition_errors(text: &str) -> Vec<String> {
    Workflow::from_toml(text).unwrap_err().0
}

const HEADER: &str = r#"
name = "w"
initial = "Open"
resolutions = ["Fixed"]
[[status]]
name = "Open"
category = "To Do"
[[status]]
name = "Done"
category = "Done"
"#;

#[test]
fn definitions_report_precise_errors() {
    let cases: Vec<(String, &str)> = vec![
        (
            format!("{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Gone\"\n"),
            "transition 'Go': unknown status 'Gone'; statuses: Open, Done",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\n[[transition]]\nname = \"go\"\nfrom = [\"Open\"]\nto = \"Done\"\n"
            ),
            "transition 'go' is defined twice",
        ),
        (
            HEADER.to_string(),
            "status 'Done' cannot be reached from the initial status 'Open'",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\nconditions = [{{ kind = \"field_set\", field = \"prio\" }}]\n"
            ),
            "transition 'Go': condition field_set: unknown field 'prio'; fields: priority, severity, assignee, description, services, labels",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\nconditions = [{{ kind = \"actor_in_group\", group = \"\" }}]\n"
            ),
            "transition 'Go': condition actor_in_group: needs a non-empty 'group'",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\nconditions = [{{ kind = \"linked_done\", priority = \"P9\" }}]\n"
            ),
            "transition 'Go': condition linked_done: unknown priority 'P9'",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\nconditions = [{{ kind = \"moon_phase\" }}]\n"
            ),
            "transition 'Go': condition moon_phase: unknown kind 'moon_phase'",
        ),
        (
            "name = \"w\"\ninitial = \"Open\"\n[[status]]\nname = \"Open\"\ncategory = \"To Do\"\n"
                .to_string(),
            "no status is in the Done category: incidents could never end",
        ),
        (
            format!(
                "{HEADER}[[status]]\nname = \"Limbo\"\ncategory = \"In Progress\"\n[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\n[[transition]]\nname = \"Stuck\"\nfrom = [\"Open\"]\nto = \"Limbo\"\n"
            ),
            "status 'Limbo' is a dead end: no Done status can be reached from it",
        ),
        (
            format!(
                "{HEADER}[[transition]]\nname = \"Go\"\nfrom = [\"Open\"]\nto = \"Done\"\nwhen = \"now\"\n"
            ),
            "unknown field `when`",
        ),
        (
            format!("{HEADER}[[status]]\nname = \"open\"\ncategory = \"To Do\"\n"),
            "status 'open' is defined twice",
        ),
        (
            format!("{HEADER}[[status]]\nname = \"X\"\ncategory = \"Later\"\n"),
            "status 'X': unknown status category 'Later'",
        ),
    ];
    for (text, expected) in cases {
        let errors = definition_errors(&text);
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "expected {expected:?} in {errors:?}"
        );
    }
}

#[test]
fn a_resolution_requirement_needs_a_done_target_and_a_list() {
    let text = r#"
        name = "w"
        initial = "Open"
        [[status]]
        name = "Open"
        category = "To Do"
        [[status]]
        name = "Fixing"
        category = "In Progress"
        [[status]]
        name = "Done"
        category = "Done"
        [[transition]]
        name = "Fix"
        from = ["Open"]
        to = "Fixing"
        requires = ["resolution"]
        [[transition]]
        name = "Finish"
        from = ["Fixing"]
        to = "Done"
        requires = ["resolution", "approval"]
    "#;
    let errors = definition_errors(text);
    assert_eq!(
        errors,
        vec![
            "transition 'Fix': requires a resolution but leads to 'Fixing', which is not a Done status",
            "transition 'Fix': requires a resolution but the workflow lists no resolutions",
            "transition 'Finish': requires a resolution but the workflow lists no resolutions",
            "transition 'Finish': cannot require 'approval'; use resolution or comment",
        ]
    );
}

#[test]
fn toml_syntax_errors_name_the_line() {
    let errors = definition_errors("name = \"w\"\ninitial = ");
    assert!(errors[0].contains("line 2"), "{errors:?}");
}

// ---- properties ----

const STATUS_NAMES: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

/// A random workflow as TOML: 2–6 statuses of random categories, random transitions.
fn arbitrary_workflow() -> impl Strategy<Value = String> {
    (2usize..=6)
        .prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec(0u8..3, n),
                proptest::collection::vec((0..n, 0..n), 0..12),
            )
        })
        .prop_map(|(n, categories, edges)| {
            let mut text = String::from("name = \"random\"\ninitial = \"A\"\n");
            for (i, category) in categories.iter().enumerate().take(n) {
                let category = ["To Do", "In Progress", "Done"][usize::from(*category)];
                text.push_str(&format!(
                    "[[status]]\nname = \"{}\"\ncategory = \"{category}\"\n",
                    STATUS_NAMES[i]
                ));
            }
            for (k, (from, to)) in edges.iter().enumerate() {
                text.push_str(&format!(
                    "[[transition]]\nname = \"t{k}\"\nfrom = [\"{}\"]\nto = \"{}\"\n",
                    STATUS_NAMES[*from], STATUS_NAMES[*to]
                ));
            }
            text
        })
}

/// The default workflow's conditions, written out independently of the engine.
fn design_allows(to: &str, facts: &Facts) -> bool {
    match to {
        "Investigating" => facts.priority.is_some(),
        "Monitoring" => facts.actor_groups.iter().any(|g| g == "sre"),
        "Resolved" => facts
            .linked
            .iter()
            .all(|l| l.priority != Some(Priority::P1) || l.category == Category::Done),
        "Closed" => facts.postmortem == Some(PostmortemStatus::Published),
        _ => true,
    }
}

fn arbitrary_facts() -> impl Strategy<Value = Facts> {
    (
        proptest::option::of(0usize..4),
        any::<bool>(),
        proptest::collection::vec((0usize..4, 0usize..3), 0..3),
        proptest::option::of(proptest::sample::select(PostmortemStatus::ALL.to_vec())),
    )
        .prop_map(|(priority, sre, linked, postmortem)| Facts {
            priority: priority.map(|p| Priority::ALL[p]),
            actor_groups: if sre { vec!["sre".into()] } else { vec![] },
            linked: linked
                .into_iter()
                .enumerate()
                .map(|(i, (p, c))| LinkedFact {
                    key: format!("INC-{i}"),
                    priority: Some(Priority::ALL[p]),
                    status: "x".into(),
                    category: Category::ALL[c],
                })
                .collect(),
            postmortem,
            ..Facts::default()
        })
}

proptest! {
    #[test]
    fn every_valid_workflow_can_reach_done_from_every_reachable_status(text in arbitrary_workflow()) {
        if let Ok(workflow) = Workflow::from_toml(&text) {
            for status in reachable_from(&workflow, &workflow.initial) {
                let onward = reachable_from(&workflow, status);
                prop_assert!(
                    workflow.statuses.iter().any(|s| s.category == Category::Done && onward.contains(s.name.as_str())),
                    "no Done status reachable from {status} in\n{text}"
                );
            }
        }
    }

    #[test]
    fn every_transition_taken_obeys_its_conditions(
        steps in proptest::collection::vec((0usize..8, arbitrary_facts()), 1..30)
    ) {
        let workflow = Workflow::builtin();
        let mut status = workflow.initial.clone();
        for (choice, facts) in steps {
            let offered: Vec<String> = workflow.from_status(&status).iter().map(|t| t.name.clone()).collect();
            if offered.is_empty() {
                break;
            }
            let name = &offered[choice % offered.len()];
            let target = workflow.find_transition(&status, name).unwrap().to.clone();
            let resolution = (workflow.category_of(&target) == Category::Done).then_some("Fixed");
            let request = TransitionRequest { name, resolution, comment: None };
            match workflow.plan(&status, request, &facts) {
                Ok(plan) => {
                    prop_assert!(design_allows(&plan.to, &facts), "{status} → {} taken with {facts:?}", plan.to);
                    status = plan.to;
                }
                Err(TransitionRefusal::ConditionsUnmet { .. }) => {
                    prop_assert!(!design_allows(&target, &facts), "{status} → {target} refused with {facts:?}");
                }
                Err(other) => prop_assert!(false, "unexpected refusal {other}"),
            }
        }
    }

    #[test]
    fn false_alarm_is_reachable_from_every_non_final_status(
        steps in proptest::collection::vec(0usize..8, 0..20)
    ) {
        let workflow = Workflow::builtin();
        let facts = sre_with_priority();
        let mut status = workflow.initial.clone();
        for choice in steps {
            if workflow.is_final(&status) {
                break;
            }
            let plan = workflow.plan(&status, request("False Alarm"), &Facts::default());
            prop_assert_eq!(plan.map(|p| p.to), Ok("False Alarm".to_string()), "from {}", status);
            let offered: Vec<String> = workflow.from_status(&status).iter().map(|t| t.name.clone()).collect();
            let name = offered[choice % offered.len()].clone();
            let target = workflow.find_transition(&status, &name).unwrap().to.clone();
            let resolution = (workflow.category_of(&target) == Category::Done).then_some("Fixed");
            let request = TransitionRequest { name: &name, resolution, comment: None };
            if let Ok(plan) = workflow.plan(&status, request, &facts) {
                status = plan.to;
            }
        }
    }
}

#[test]
fn closing_needs_a_published_post_mortem() {
    let workflow = Workflow::builtin();
    let with = |postmortem| Facts {
        postmortem,
        ..Facts::default()
    };
    let refusal = workflow
        .plan("Resolved", request("Closed"), &with(None))
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "cannot move to Closed: needs a published post-mortem: draft one with `triage postmortem KEY`"
    );
    let refusal = workflow
        .plan(
            "Resolved",
            request("Closed"),
            &with(Some(PostmortemStatus::InReview)),
        )
        .unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "cannot move to Closed: its post-mortem must be Published first (it is In Review)"
    );
    let plan = workflow
        .plan(
            "Resolved",
            request("Closed"),
            &with(Some(PostmortemStatus::Published)),
        )
        .unwrap();
    assert_eq!(plan.to, "Closed");
    // A false alarm needs none.
    assert!(
        workflow
            .plan("Resolved", request("False Alarm"), &with(None))
            .is_ok()
    );
}
