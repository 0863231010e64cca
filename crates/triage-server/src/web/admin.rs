//! Administration in the console (admins only): users (invite, role, groups, activity,
//! password reset), groups, and API tokens (a new token is shown once, on the page that
//! created it).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use triage_core::role::Role;
use triage_store::{Group, NewUser, StoreError, TokenInfo, User, UserChanges};

use super::error::{PageError, refused_status};
use super::session::{Nav, SignedIn};
use crate::AppState;

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    nav: Nav,
    error: Option<String>,
    /// A token just created: shown once.
    new_token: Option<(String, String)>,
    users: Vec<User>,
    groups: Vec<Group>,
    tokens: Vec<TokenInfo>,
}

fn admin(signed_in: &SignedIn) -> Result<(), PageError> {
    signed_in.require(Role::Admin, "admins manage users, groups and tokens")
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    error: Option<String>,
    new_token: Option<(String, String)>,
) -> Result<String, PageError> {
    let page = AdminPage {
        nav: signed_in.nav(),
        error,
        new_token,
        users: state.store.users().await?,
        groups: state.store.groups().await?,
        tokens: state.store.tokens(None).await?,
    };
    Ok(page.render()?)
}

pub async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Html<String>, PageError> {
    admin(&signed_in)?;
    Ok(Html(render(&state, &signed_in, None, None).await?))
}

#[derive(Deserialize, Default)]
pub struct AdminForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    id: String,
}

/// What an action leaves to show: nothing (back to the page), or a new token's secret.
enum Done {
    Nothing,
    Token(String, String),
}

fn role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).map_err(|e| StoreError::Invalid(e.to_string()))
}

async fn apply(
    state: &AppState,
    signed_in: &SignedIn,
    action: &str,
    form: AdminForm,
) -> Result<Done, StoreError> {
    let store = &state.store;
    let now = state.now();
    let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    match action {
        "invite" => {
            let new = NewUser {
                email: form.email.clone(),
                name: optional(&form.name),
                role: role(&form.role)?,
                groups: form
                    .group
                    .split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_string)
                    .collect(),
            };
            if let Some(password) = optional(&form.password) {
                triage_store::validate_password(&password)?;
            }
            let user = store.create_user(new, now).await?;
            if let Some(password) = optional(&form.password) {
                store.set_password(&user.email, &password).await?;
            }
        }
        "role" => {
            let changes = UserChanges {
                role: Some(role(&form.role)?),
                ..UserChanges::default()
            };
            store.update_user(&form.email, changes).await?;
        }
        "join" | "leave" => {
            let group = form.group.trim().to_string();
            let changes = if action == "join" {
                UserChanges {
                    add_groups: vec![group],
                    ..UserChanges::default()
                }
            } else {
                UserChanges {
                    remove_groups: vec![group],
                    ..UserChanges::default()
                }
            };
            store.update_user(&form.email, changes).await?;
        }
        "activate" | "deactivate" => {
            let changes = UserChanges {
                active: Some(action == "activate"),
                ..UserChanges::default()
            };
            store.update_user(&form.email, changes).await?;
        }
        "password" => store.set_password(&form.email, &form.password).await?,
        "group" => {
            store
                .create_group(&form.group, &form.description, now)
                .await?;
        }
        "delete-group" => store.delete_group(&form.group).await?,
        "token" => {
            let token = store.create_token(&form.email, &form.name, now).await?;
            return Ok(Done::Token(token.info.user, token.token));
        }
        "revoke" => {
            let id = form
                .id
                .trim()
                .parse()
                .map_err(|_| StoreError::Invalid(format!("'{}' is not a token id", form.id)))?;
            store.revoke_token(id, &signed_in.actor, now).await?;
        }
        other => return Err(StoreError::NotFound(format!("no admin action '{other}'"))),
    }
    Ok(Done::Nothing)
}

pub async fn act(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(action): Path<String>,
    Form(form): Form<AdminForm>,
) -> Result<Response, PageError> {
    signed_in.check_csrf(&form.csrf)?;
    admin(&signed_in)?;
    match apply(&state, &signed_in, &action, form).await {
        Ok(Done::Nothing) => Ok(Redirect::to("/admin").into_response()),
        Ok(Done::Token(user, secret)) => {
            let body = render(&state, &signed_in, None, Some((user, secret))).await?;
            Ok(Html(body).into_response())
        }
        Err(error) => {
            let Some(status) = refused_status(&error) else {
                return Err(error.into());
            };
            let body = render(&state, &signed_in, Some(error.to_string()), None).await?;
            Ok((status, Html(body)).into_response())
        }
    }
}
