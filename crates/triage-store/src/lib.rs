//! Persistence for Triage: one query layer over the database, migrations, and the
//! append-only timeline.
//!
//! Every write goes through [`Store::write`], which runs it in one transaction on the
//! single writer connection; concurrent writes are committed together (group commit),
//! each isolated by a savepoint, so a refused write changes nothing and an accepted one
//! is on disk when the call returns. Reads use a separate pool and see every committed
//! write.
//!
//! Operations that change an incident load what they need inside the transaction, ask
//! `triage-core` for the decision, then apply it together with its timeline event.

mod actor;
mod db;
mod error;
mod groups;
mod incidents;
mod model;
mod search;
mod sql;
mod time;
mod tokens;
mod users;
mod writer;

pub use actor::Actor;
pub use db::{Store, StoreOptions};
pub use error::StoreError;
pub use incidents::{
    AssigneeFilter, AvailableTransition, IncidentChanges, IncidentFilter, ListRequest, NewIncident,
    SortField, SortOrder, TransitionInput,
};
pub use model::{
    Comment, Event, Group, Incident, IncidentLink, LinkedIncident, Page, TokenInfo, User, UserRef,
};
pub use tokens::NewToken;
pub use users::{NewUser, UserChanges};
