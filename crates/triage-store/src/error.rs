//! The store's error type: what went wrong, in terms the HTTP layer can map to a status
//! code and a message a person can act on.

use std::sync::Arc;

use triage_core::workflow::TransitionRefusal;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// Something the caller named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The input is well-formed but not allowed (a bad value, a duplicate, a link to
    /// itself); the message says what is allowed.
    #[error("{0}")]
    Invalid(String),
    /// The request does not fit the state the thing is in (acknowledging a done
    /// incident); the message says why.
    #[error("{0}")]
    Conflict(String),
    /// The thing to create exists already.
    #[error("{0}")]
    Duplicate(String),
    /// Optimistic concurrency: the caller's version is stale.
    #[error(
        "{key} was changed by someone else: you have version {expected}, it is now at version {actual}; reload and try again"
    )]
    StaleVersion {
        key: String,
        expected: i64,
        actual: i64,
    },
    /// The workflow refused the transition.
    #[error("{0}")]
    Refused(TransitionRefusal),
    /// The actor may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The database failed; not the caller's fault.
    #[error("database error: {0}")]
    Database(Arc<sqlx::Error>),
    /// A migration failed at start-up.
    #[error("database migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() {
                return StoreError::Duplicate(format!("already exists ({})", db.message()));
            }
            if db.is_foreign_key_violation() {
                return StoreError::Invalid(format!(
                    "refers to something that does not exist ({})",
                    db.message()
                ));
            }
        }
        StoreError::Database(Arc::new(error))
    }
}

impl From<TransitionRefusal> for StoreError {
    fn from(refusal: TransitionRefusal) -> Self {
        StoreError::Refused(refusal)
    }
}

impl From<triage_core::incident::FieldError> for StoreError {
    fn from(error: triage_core::incident::FieldError) -> Self {
        StoreError::Invalid(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
