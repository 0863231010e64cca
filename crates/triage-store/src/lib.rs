//! Persistence for Triage: one query layer over SQLite or PostgreSQL (chosen once, from
//! the `--db` value), migrations for each, and the append-only timeline.
//!
//! Every write goes through [`Store::write`], which runs it in one transaction. On SQLite
//! that is the single writer connection: concurrent writes are committed together (group
//! commit), each isolated by a savepoint. On PostgreSQL each write has a pooled
//! connection and a transaction of its own, and locks the incidents it changes, so
//! several servers can share the database. Either way a refused write changes nothing
//! and an accepted one is on disk when the call returns.
//!
//! Operations that change an incident load what they need inside the transaction, ask
//! `triage-core` for the decision, then apply it together with its timeline event.

mod actions;
mod actor;
mod alerts;
mod copy;
mod db;
mod error;
mod escalation;
mod feeds;
mod gauges;
mod groups;
mod incidents;
mod keys;
mod model;
mod paging;
mod postgres;
mod postmortems;
mod reports;
mod review;
mod schedules;
mod search;
mod senders;
mod services;
mod sessions;
mod silences;
mod sql;
mod sqlite;
mod status_page;
mod time;
mod tokens;
mod updates;
mod users;
mod writer;

pub use actions::{ActionChanges, ActionFilter, ActionItem, NewActionItem, Verification};
pub use actor::Actor;
pub use alerts::{Alert, Outcome, ServiceChange};
pub use copy::Counts;
pub use db::{Backend, Store, StoreOptions, redact_password};
pub use error::{StoreError, StoreResult};
pub use escalation::{EscalationPolicy, NewPolicy, PolicyLevel, PolicyTarget};
pub use feeds::{FeedOf, NewFeed};
pub use gauges::Gauges;
pub use incidents::{
    AssigneeFilter, AvailableTransition, IncidentChanges, IncidentFilter, JqlContext, JqlPage,
    ListRequest, MAX_PAGE, NewIncident, SortField, SortOrder, TransitionInput, incident_mark,
};
pub use model::{
    Comment, Event, Group, Incident, IncidentLink, LinkedIncident, Page, TokenInfo, User, UserRef,
};
pub use paging::{Attempt, ContactMethod, NewContactMethod, Notification, PagingFailures, Wake};
pub use postmortems::{Postmortem, PostmortemAction};
pub use reports::{ActionCounts, Report, ReportWindow};
pub use review::Review;
pub use schedules::{NewOverride, NewSchedule, Schedule, ScheduleLayer, ScheduleOverride};
pub use senders::Sender;
pub use services::{
    Integration, NewIntegration, NewService, PolicyChanges, Service, ServiceChanges,
};
pub use sessions::{NewSession, Session, validate_password};
pub use silences::{NewSilence, Silence};
pub use status_page::{
    AffectedComponent, ComponentChange, NewComponent, NewPublicIncident, NewPublicUpdate,
    NewSubscriber, PublicFilter, PublicIncident, PublicUpdate, StatusComponent, StatusPageSettings,
    Subscriber, SubscriberDelivery,
};
pub use tokens::NewToken;
pub use updates::{NewStakeholder, NewStakeholderUpdate, Stakeholder, StakeholderUpdate};
pub use users::{NewUser, UserChanges};
