//! People as Jira clients name them: by e-mail (Server's `name` and `key` are the
//! e-mail), by display name, or by a Cloud `accountId` derived from the e-mail.

use sha2::{Digest, Sha256};
use triage_store::User;

/// A stable, opaque account id for the user with this e-mail.
pub(super) fn account_id(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    hex::encode(&digest[..12])
}

/// The user `who` names exactly: e-mail, account id or display name, any case.
pub(super) fn find<'a>(users: &'a [User], who: &str) -> Option<&'a User> {
    let who = who.trim();
    users
        .iter()
        .find(|u| u.email.eq_ignore_ascii_case(who) || account_id(&u.email) == who)
        .or_else(|| users.iter().find(|u| u.name.eq_ignore_ascii_case(who)))
}

/// Users whose e-mail or display name contains `text` (any case), or whose account id
/// it is; active ones only unless asked.
pub(super) fn search<'a>(users: &'a [User], text: &str, inactive: bool) -> Vec<&'a User> {
    let needle = text.trim().to_lowercase();
    users
        .iter()
        .filter(|u| u.active || inactive)
        .filter(|u| {
            needle.is_empty()
                || u.email.to_lowercase().contains(&needle)
                || u.name.to_lowercase().contains(&needle)
                || account_id(&u.email) == text.trim()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(email: &str, name: &str) -> User {
        User {
            email: email.into(),
            name: name.into(),
            role: triage_core::role::Role::Responder,
            groups: vec![],
            active: true,
            created_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn found_by_email_account_id_or_name() {
        let users = vec![
            user("alice@example.com", "Alice Liddell"),
            user("bob@example.com", "Bob"),
        ];
        let id = account_id("Alice@Example.com");
        assert_eq!(id.len(), 24);
        assert_eq!(id, account_id("alice@example.com"));
        assert_eq!(find(&users, &id).unwrap().name, "Alice Liddell");
        assert_eq!(find(&users, "BOB@example.com").unwrap().name, "Bob");
        assert_eq!(
            find(&users, "alice liddell").unwrap().email,
            "alice@example.com"
        );
        assert!(find(&users, "carol").is_none());
        assert_eq!(search(&users, "ALI", false).len(), 1);
        assert_eq!(search(&users, "example", false).len(), 2);
    }
}
