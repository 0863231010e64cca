//! Who is signed in to the console: the session cookie, looked up in the store on each
//! request, and the CSRF token every form of that session must carry back.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use jiff::SignedDuration;
use triage_core::role::Role;
use triage_store::Actor;

use super::cookies;
use super::error::PageError;
use crate::AppState;

/// How long a console session lasts after signing in.
pub const SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(12);

/// A signed-in person; pages that take it redirect to the sign-in page otherwise.
pub struct SignedIn {
    pub actor: Actor,
    pub csrf: String,
    pub secret: String,
}

/// What the navigation bar of every signed-in page needs.
pub struct Nav {
    pub me: String,
    pub csrf: String,
    /// Whether to offer the pages only responders (and admins) may use.
    pub responder: bool,
    pub admin: bool,
}

impl SignedIn {
    pub fn nav(&self) -> Nav {
        Nav {
            me: self.actor.name.clone(),
            csrf: self.csrf.clone(),
            responder: self.actor.role.allows(Role::Responder),
            admin: self.actor.role.allows(Role::Admin),
        }
    }

    /// Refuses someone whose role is below `needed`; `what` says who may ("responders
    /// and admins may change incidents").
    pub fn require(&self, needed: Role, what: &str) -> Result<(), PageError> {
        if self.actor.role.allows(needed) {
            return Ok(());
        }
        Err(PageError::Forbidden(format!(
            "{} is a {}; only {what}",
            self.actor.email, self.actor.role
        )))
    }

    /// Refuses a form whose CSRF field is not this session's token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        if sent.is_empty() || sent != self.csrf {
            return Err(PageError::Forbidden(
                "this form has expired or did not come from Triage; reload the page and try again"
                    .to_string(),
            ));
        }
        Ok(())
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let secret = cookies::get(&parts.headers, cookies::SESSION).ok_or(PageError::SignIn)?;
        let session = state
            .store
            .session(&secret, state.now())
            .await?
            .ok_or(PageError::SignIn)?;
        Ok(SignedIn {
            actor: session.actor,
            csrf: session.csrf,
            secret,
        })
    }
}
