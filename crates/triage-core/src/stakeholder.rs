//! Stakeholders: who hears of an incident's progress without working on it — people,
//! groups, e-mail addresses (a leadership list, a customer's account manager), Slack
//! and Teams channels through their incoming webhooks, and generic webhooks.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeholderKind {
    /// A Triage user, told by e-mail at their account's address.
    User,
    /// Every active member of a Triage group, by e-mail.
    Group,
    Email,
    Webhook,
    Slack,
    Teams,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stakeholder kind '{0}' is not allowed: use user, group, email, webhook, slack or teams")]
pub struct UnknownStakeholderKind(pub String);

impl StakeholderKind {
    pub const ALL: [StakeholderKind; 6] = [
        StakeholderKind::User,
        StakeholderKind::Group,
        StakeholderKind::Email,
        StakeholderKind::Webhook,
        StakeholderKind::Slack,
        StakeholderKind::Teams,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StakeholderKind::User => "user",
            StakeholderKind::Group => "group",
            StakeholderKind::Email => "email",
            StakeholderKind::Webhook => "webhook",
            StakeholderKind::Slack => "slack",
            StakeholderKind::Teams => "teams",
        }
    }

    pub fn parse(text: &str) -> Result<Self, UnknownStakeholderKind> {
        let lowered = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == lowered || (lowered == "e-mail" && *kind == Self::Email))
            .ok_or_else(|| UnknownStakeholderKind(text.to_string()))
    }

    /// Whether its target is a URL posted to.
    pub fn is_web(self) -> bool {
        matches!(
            self,
            StakeholderKind::Webhook | StakeholderKind::Slack | StakeholderKind::Teams
        )
    }

    /// The stakeholder as a timeline or a page may show it. A web target's URL is a
    /// secret (whoever has a Slack incoming-webhook URL can post to the channel), so only
    /// its host is shown: "slack hooks.slack.com".
    pub fn label(self, target: &str) -> String {
        let shown = if self.is_web() {
            let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
            rest.split(['/', '?', '#']).next().unwrap_or(rest)
        } else {
            target
        };
        format!("{self} {shown}")
    }
}

impl fmt::Display for StakeholderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_and_unknown_ones_say_what_is_allowed() {
        for kind in StakeholderKind::ALL {
            assert_eq!(StakeholderKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(
            StakeholderKind::parse(" Slack "),
            Ok(StakeholderKind::Slack)
        );
        assert_eq!(StakeholderKind::parse("E-Mail"), Ok(StakeholderKind::Email));
        let error = StakeholderKind::parse("pager").unwrap_err();
        assert_eq!(
            error.to_string(),
            "stakeholder kind 'pager' is not allowed: use user, group, email, webhook, slack or teams"
        );
    }

    #[test]
    fn web_targets_show_only_their_host() {
        assert_eq!(
            StakeholderKind::Slack.label("https://hooks.slack.com/services/T0/B0/secret"),
            "slack hooks.slack.com"
        );
        assert_eq!(
            StakeholderKind::Webhook.label("http://127.0.0.1:9000/hook?token=x"),
            "webhook 127.0.0.1:9000"
        );
        assert_eq!(StakeholderKind::Group.label("sre"), "group sre");
        assert_eq!(
            StakeholderKind::Email.label("cto@example.com"),
            "email cto@example.com"
        );
    }
}
