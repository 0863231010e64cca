//! Escalation policies: ordered levels, each paging users and/or whoever is on call in
//! schedules, then waiting a delay before the next level; the whole policy may repeat.
//!
//! An escalation is a position in the policy (the next step) and when that step is due.
//! [`advance`] is the one decision: given the position and the time, which steps fire
//! now and when the next is due. Steps due while no server was running all fire, in
//! order, once each; deadlines follow the schedule (each from the one before), not the
//! moment a step happened to fire, so a late server does not stretch the escalation. A
//! level whose targets are all nobody (an empty schedule) is passed at once, and the
//! step says so.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::duration::parse_duration;

/// Who a level pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum Target {
    /// A person, by e-mail.
    User(String),
    /// Whoever is on call in the schedule so named when the level fires.
    Schedule(String),
}

/// One level: its targets, and how long to wait for an acknowledgement before the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub targets: Vec<Target>,
    pub delay: SignedDuration,
}

/// The most times a policy may repeat after its first pass.
pub const MAX_REPEAT: u32 = 9;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    levels: Vec<Level>,
    repeat: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("an escalation policy needs at least one level")]
    NoLevels,
    #[error("level {0} targets nobody: name at least one user or schedule")]
    NoTargets(usize),
    #[error("level {level}: {message}")]
    BadDelay { level: usize, message: String },
    #[error("repeat {0} is not allowed: a policy repeats 0 to {MAX_REPEAT} times")]
    BadRepeat(u32),
}

impl Policy {
    /// A policy of `levels` (each at least one target and a positive delay), gone
    /// through `1 + repeat` times.
    pub fn new(levels: Vec<Level>, repeat: u32) -> Result<Policy, PolicyError> {
        if levels.is_empty() {
            return Err(PolicyError::NoLevels);
        }
        for (i, level) in levels.iter().enumerate() {
            if level.targets.is_empty() {
                return Err(PolicyError::NoTargets(i + 1));
            }
            if level.delay <= SignedDuration::ZERO {
                return Err(PolicyError::BadDelay {
                    level: i + 1,
                    message: "the delay before the next level must be positive".to_string(),
                });
            }
        }
        if repeat > MAX_REPEAT {
            return Err(PolicyError::BadRepeat(repeat));
        }
        Ok(Policy { levels, repeat })
    }

    /// Reads a level's delay as people write it: `30s`, `5m`, `1h`.
    pub fn parse_delay(level: usize, text: &str) -> Result<SignedDuration, PolicyError> {
        parse_duration(text).map_err(|e| PolicyError::BadDelay {
            level,
            message: e.to_string(),
        })
    }

    pub fn levels(&self) -> &[Level] {
        &self.levels
    }

    pub fn repeat(&self) -> u32 {
        self.repeat
    }

    /// Steps in all: every level, every pass.
    pub fn steps(&self) -> u32 {
        self.levels.len() as u32 * (self.repeat + 1)
    }

    /// The level of step `step`.
    pub fn level_of(&self, step: u32) -> usize {
        step as usize % self.levels.len()
    }
}

/// A step that fires: its number (0 first), level (0 first), pass (0 first), when it was
/// due, and who it pages (targets that resolved to nobody are named in `nobody`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub step: u32,
    pub level: usize,
    pub pass: u32,
    pub due: Timestamp,
    pub paged: Vec<String>,
    pub nobody: Vec<Target>,
}

/// What to do now: the steps that fire, and the next step with when it is due. After the
/// last level, the next "step" is `policy.steps()`, due when the last level's wait ends:
/// only then has nobody acknowledged. None once that has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub fired: Vec<Fired>,
    pub next: Option<(u32, Timestamp)>,
}

/// Fires every step of `policy` due at `now`, from `step` (due at `due`). `on_call`
/// answers who is on call in a schedule at an instant.
pub fn advance(
    policy: &Policy,
    mut step: u32,
    mut due: Timestamp,
    now: Timestamp,
    on_call: impl Fn(&str, Timestamp) -> Option<String>,
) -> Progress {
    let mut fired = Vec::new();
    while step < policy.steps() && due <= now {
        let level = policy.level_of(step);
        let mut paged: Vec<String> = Vec::new();
        let mut nobody = Vec::new();
        for target in &policy.levels[level].targets {
            let person = match target {
                Target::User(email) => Some(email.clone()),
                Target::Schedule(name) => on_call(name, due),
            };
            match person {
                Some(p) if !paged.contains(&p) => paged.push(p),
                Some(_) => {}
                None => nobody.push(target.clone()),
            }
        }
        // Nobody to page: on to the next level at once rather than wait for no one.
        let wait = if paged.is_empty() {
            SignedDuration::ZERO
        } else {
            policy.levels[level].delay
        };
        fired.push(Fired {
            step,
            level,
            pass: step / policy.levels.len() as u32,
            due,
            paged,
            nobody,
        });
        step += 1;
        due += wait;
    }
    let waiting = step < policy.steps() || due > now;
    Progress {
        next: waiting.then_some((step, due)),
        fired,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn policy(repeat: u32) -> Policy {
        Policy::new(
            vec![
                Level {
                    targets: vec![Target::Schedule("primary".into())],
                    delay: SignedDuration::from_mins(5),
                },
                Level {
                    targets: vec![
                        Target::Schedule("secondary".into()),
                        Target::User("lead@example.com".into()),
                    ],
                    delay: SignedDuration::from_mins(10),
                },
            ],
            repeat,
        )
        .unwrap()
    }

    fn on_call(schedule: &str, _: Timestamp) -> Option<String> {
        match schedule {
            "primary" => Some("ann@example.com".to_string()),
            "secondary" => Some("lead@example.com".to_string()),
            _ => None,
        }
    }

    #[test]
    fn levels_fire_in_turn_after_their_delays_and_the_policy_repeats() {
        let p = policy(1);
        let start = ts("2026-11-23T10:00:00Z");
        let first = advance(&p, 0, start, start, on_call);
        assert_eq!(first.fired.len(), 1);
        assert_eq!(first.fired[0].paged, ["ann@example.com"]);
        assert_eq!(first.next, Some((1, ts("2026-11-23T10:05:00Z"))));
        // Not yet due: nothing.
        let early = advance(
            &p,
            1,
            ts("2026-11-23T10:05:00Z"),
            ts("2026-11-23T10:04:59Z"),
            on_call,
        );
        assert!(early.fired.is_empty());
        assert_eq!(early.next, Some((1, ts("2026-11-23T10:05:00Z"))));
        // Level 2: the schedule's person and the lead are one person: paged once.
        let second = advance(
            &p,
            1,
            ts("2026-11-23T10:05:00Z"),
            ts("2026-11-23T10:05:00Z"),
            on_call,
        );
        assert_eq!(second.fired[0].paged, ["lead@example.com"]);
        assert_eq!(second.next, Some((2, ts("2026-11-23T10:15:00Z"))));
        // The second pass, then the end.
        let third = advance(
            &p,
            2,
            ts("2026-11-23T10:15:00Z"),
            ts("2026-11-23T10:15:00Z"),
            on_call,
        );
        assert_eq!((third.fired[0].level, third.fired[0].pass), (0, 1));
        let last = advance(
            &p,
            3,
            ts("2026-11-23T10:20:00Z"),
            ts("2026-11-23T10:20:00Z"),
            on_call,
        );
        // The last level's wait, then the end.
        assert_eq!(last.next, Some((4, ts("2026-11-23T10:30:00Z"))));
        let end = advance(
            &p,
            4,
            ts("2026-11-23T10:30:00Z"),
            ts("2026-11-23T10:30:00Z"),
            on_call,
        );
        assert!(end.fired.is_empty());
        assert_eq!(end.next, None);
    }

    #[test]
    fn steps_missed_while_down_all_fire_once_on_their_own_deadlines() {
        let p = policy(0);
        let start = ts("2026-11-23T10:00:00Z");
        let late = advance(&p, 0, start, ts("2026-11-23T10:30:00Z"), on_call);
        let steps: Vec<(u32, Timestamp)> = late.fired.iter().map(|f| (f.step, f.due)).collect();
        assert_eq!(steps, vec![(0, start), (1, ts("2026-11-23T10:05:00Z"))]);
        assert_eq!(late.next, None);
    }

    #[test]
    fn a_level_with_nobody_on_call_is_passed_at_once_and_says_so() {
        let p = Policy::new(
            vec![
                Level {
                    targets: vec![Target::Schedule("empty".into())],
                    delay: SignedDuration::from_mins(30),
                },
                Level {
                    targets: vec![Target::Schedule("primary".into())],
                    delay: SignedDuration::from_mins(5),
                },
            ],
            0,
        )
        .unwrap();
        let start = ts("2026-11-23T10:00:00Z");
        let progress = advance(&p, 0, start, start, on_call);
        assert_eq!(progress.fired.len(), 2);
        assert!(progress.fired[0].paged.is_empty());
        assert_eq!(progress.fired[0].nobody, [Target::Schedule("empty".into())]);
        assert_eq!(progress.fired[1].paged, ["ann@example.com"]);
        assert_eq!(progress.next, Some((2, ts("2026-11-23T10:05:00Z"))));
    }

    #[test]
    fn bad_policies_are_refused_with_what_is_allowed() {
        let level = |targets: Vec<Target>, delay: i64| Level {
            targets,
            delay: SignedDuration::from_secs(delay),
        };
        assert_eq!(Policy::new(Vec::new(), 0), Err(PolicyError::NoLevels));
        assert_eq!(
            Policy::new(vec![level(Vec::new(), 60)], 0),
            Err(PolicyError::NoTargets(1))
        );
        assert!(matches!(
            Policy::new(vec![level(vec![Target::User("a@x".into())], 0)], 0),
            Err(PolicyError::BadDelay { level: 1, .. })
        ));
        assert_eq!(
            Policy::new(vec![level(vec![Target::User("a@x".into())], 60)], 10),
            Err(PolicyError::BadRepeat(10))
        );
        assert!(
            Policy::parse_delay(2, "-5m")
                .unwrap_err()
                .to_string()
                .starts_with("level 2: duration '-5m' is not allowed")
        );
        assert_eq!(
            Policy::parse_delay(1, "30s").unwrap(),
            SignedDuration::from_secs(30)
        );
    }
}
