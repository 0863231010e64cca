//! Which integration a sender's key belongs to, remembered by the process: a monitoring
//! system posts with the same key hundreds of times a second, and each lookup would
//! otherwise cost a SHA-256 and a read of the database.
//!
//! Remembering is safe because it only lets a request reach the write: every delivery
//! checks inside its transaction that its integration is still live (and refuses
//! otherwise), so a key revoked on another server stops working at once all the same.
//! Revoking a key on this server forgets it here; so does a delivery refused that way.
//!
//! It also remembers each integration's alert policy as its last delivery read it: a
//! guess at which groups the next delivery names, so that their incidents are read in
//! the same query as its alerts. Only a guess: each delivery reads the policy in force
//! and looks up any group the guess missed.

use std::collections::HashMap;
use std::sync::Mutex;

use sqlx::Row;
use triage_core::alert::{AlertPolicy, IntegrationKind};

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::tokens::hash;

/// Keys remembered at most; past it the memory starts over (a server has a few hundred
/// integrations, not thousands).
const MAX_REMEMBERED: usize = 4_096;

/// The live integration a key belongs to: what the intake endpoints need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sender {
    pub integration_id: i64,
    pub kind: IntegrationKind,
}

/// Keys seen by this process, with their integration.
#[derive(Default)]
pub(crate) struct Senders {
    known: Mutex<HashMap<String, Sender>>,
    /// By integration id: the policy its last delivery read.
    policies: Mutex<HashMap<i64, AlertPolicy>>,
}

impl Senders {
    fn get(&self, key: &str) -> Option<Sender> {
        self.lock().get(key).copied()
    }

    fn remember(&self, key: &str, sender: Sender) {
        let mut known = self.lock();
        if known.len() >= MAX_REMEMBERED {
            known.clear();
        }
        known.insert(key.to_string(), sender);
    }

    /// Forgets every key of the integration `id` (it was revoked).
    pub(crate) fn forget(&self, id: i64) {
        self.lock().retain(|_, sender| sender.integration_id != id);
        lock(&self.policies).remove(&id);
    }

    /// The policy the integration's last delivery read, if this process has seen one.
    pub(crate) fn policy(&self, integration_id: i64) -> Option<AlertPolicy> {
        lock(&self.policies).get(&integration_id).cloned()
    }

    /// Remembers the policy a delivery read.
    pub(crate) fn saw_policy(&self, integration_id: i64, policy: &AlertPolicy) {
        let mut policies = lock(&self.policies);
        if policies.get(&integration_id) == Some(policy) {
            return;
        }
        if policies.len() >= MAX_REMEMBERED {
            policies.clear();
        }
        policies.insert(integration_id, policy.clone());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Sender>> {
        lock(&self.known)
    }
}

fn lock<T>(memory: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a map that is still a valid memory.
    memory.lock().unwrap_or_else(|e| e.into_inner())
}

impl Store {
    /// The live integration whose key this is; none when the key is unknown or revoked.
    pub async fn sender(&self, key: &str) -> StoreResult<Option<Sender>> {
        if let Some(sender) = self.senders.get(key) {
            return Ok(Some(sender));
        }
        let row = sqlx::query(
            "SELECT id, kind FROM integrations WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(hash(key))
        .fetch_optional(&self.read)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let kind: String = row.try_get("kind")?;
        let sender = Sender {
            integration_id: row.try_get("id")?,
            kind: IntegrationKind::parse(&kind).map_err(|e| StoreError::Invalid(e.to_string()))?,
        };
        self.senders.remember(key, sender);
        Ok(Some(sender))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender(id: i64) -> Sender {
        Sender {
            integration_id: id,
            kind: IntegrationKind::Webhook,
        }
    }

    #[test]
    fn forgetting_an_integration_forgets_all_its_keys() {
        let senders = Senders::default();
        senders.remember("a", sender(1));
        senders.remember("b", sender(1));
        senders.remember("c", sender(2));
        senders.forget(1);
        assert_eq!(senders.get("a"), None);
        assert_eq!(senders.get("b"), None);
        assert_eq!(senders.get("c"), Some(sender(2)));
    }

    #[test]
    fn a_policy_is_remembered_until_its_integration_is_forgotten() {
        let senders = Senders::default();
        assert_eq!(senders.policy(1), None);
        let policy = AlertPolicy {
            group_by: vec!["cluster".to_string()],
            ..AlertPolicy::default()
        };
        senders.saw_policy(1, &policy);
        assert_eq!(senders.policy(1), Some(policy));
        senders.saw_policy(1, &AlertPolicy::default());
        assert_eq!(senders.policy(1), Some(AlertPolicy::default()));
        senders.forget(1);
        assert_eq!(senders.policy(1), None);
    }

    #[test]
    fn memory_is_bounded() {
        let senders = Senders::default();
        for id in 0..=MAX_REMEMBERED as i64 {
            senders.remember(&id.to_string(), sender(id));
        }
        assert!(senders.lock().len() <= MAX_REMEMBERED);
        assert_eq!(
            senders.get(&MAX_REMEMBERED.to_string()),
            Some(sender(MAX_REMEMBERED as i64))
        );
    }
}
