//! `triage user`, `triage group`, `triage token`, `triage whoami`: people and access,
//! through the API (admin token for changes).

use clap::Subcommand;
use serde_json::{Value, json};
use triage_store::{Group, NewToken, TokenInfo, User};

use super::segment;
use crate::client::{CliError, CliResult};
use crate::{Context, print_json, render};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user.
    Add {
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// viewer, responder (the default) or admin.
        #[arg(long)]
        role: Option<String>,
        /// Group to join (repeat for several).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// Change a user's name, role, groups or activity.
    Update {
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long = "add-group")]
        add_groups: Vec<String>,
        #[arg(long = "remove-group")]
        remove_groups: Vec<String>,
        /// Stop the user from signing in (their tokens stop working).
        #[arg(long, conflicts_with = "activate")]
        deactivate: bool,
        #[arg(long)]
        activate: bool,
    },
    /// List users.
    List,
    /// Set the password EMAIL signs in to the web console with, read from standard input:
    /// the new password on the first line, and (to change your own without being an
    /// admin) your current password on the second. Ends their console sessions.
    Passwd { email: String },
}

#[derive(Subcommand)]
pub enum GroupCommand {
    /// Add a group.
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List groups and their members.
    List,
    /// Delete a group.
    Delete { name: String },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (it is shown only this once).
    Create {
        /// Whose token (admins only for others); yourself by default.
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List tokens (yours, or --user's for admins).
    List {
        #[arg(long)]
        user: Option<String>,
    },
    /// Revoke a token by id.
    Revoke { id: i64 },
}

fn print_user(context: &Context, user: &User) -> CliResult<()> {
    if context.json {
        return print_json(user);
    }
    print!("{}", render::users(std::slice::from_ref(user)));
    Ok(())
}

pub fn user(context: &Context, command: UserCommand) -> CliResult<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            groups,
        } => {
            let body = json!({ "email": email, "name": name, "role": role, "groups": groups });
            let user: User = context.client.post("/users", &body)?;
            print_user(context, &user)
        }
        UserCommand::Update {
            email,
            name,
            role,
            add_groups,
            remove_groups,
            deactivate,
            activate,
        } => {
            let active = match (deactivate, activate) {
                (true, _) => Some(false),
                (_, true) => Some(true),
                _ => None,
            };
            let body = json!({
                "name": name, "role": role, "active": active,
                "add_groups": add_groups, "remove_groups": remove_groups,
            });
            let user: User = context
                .client
                .patch(&format!("/users/{}", segment(&email)), &body)?;
            print_user(context, &user)
        }
        UserCommand::Passwd { email } => {
            let mut lines = std::io::stdin().lines();
            let mut line = || -> CliResult<Option<String>> {
                lines
                    .next()
                    .transpose()
                    .map_err(|e| CliError::Failed(format!("cannot read standard input: {e}")))
            };
            let password = line()?.ok_or_else(|| {
                CliError::Usage("give the new password on standard input".to_string())
            })?;
            let current = line()?;
            let body = json!({ "password": password, "current_password": current });
            let _: Value = context
                .client
                .put(&format!("/users/{}/password", segment(&email)), &body)?;
            if !context.json {
                println!(
                    "Password set for {}; their console sessions have ended.",
                    email.trim()
                );
            }
            Ok(())
        }
        UserCommand::List => {
            let answer: Value = context.client.get("/users")?;
            if context.json {
                return print_json(&answer);
            }
            let users: Vec<User> = parse(&answer["users"])?;
            print!("{}", render::users(&users));
            Ok(())
        }
    }
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(value: &Value) -> CliResult<T> {
    serde_json::from_value(value.clone())
        .map_err(|e| CliError::Failed(format!("unexpected answer from the server: {e}")))
}

pub fn group(context: &Context, command: GroupCommand) -> CliResult<()> {
    match command {
        GroupCommand::Add { name, description } => {
            let group: Group = context.client.post(
                "/groups",
                &json!({ "name": name, "description": description }),
            )?;
            if context.json {
                return print_json(&group);
            }
            println!("group {} added", group.name);
            Ok(())
        }
        GroupCommand::List => {
            let answer: Value = context.client.get("/groups")?;
            if context.json {
                return print_json(&answer);
            }
            let groups: Vec<Group> = parse(&answer["groups"])?;
            let rows: Vec<[String; 2]> = groups
                .iter()
                .map(|g| [g.name.clone(), g.members.join(", ")])
                .collect();
            print!(
                "{}",
                render::table(&["GROUP".into(), "MEMBERS".into()], &rows)
            );
            Ok(())
        }
        GroupCommand::Delete { name } => {
            let _: Value = context
                .client
                .delete(&format!("/groups/{}", segment(&name)))?;
            if !context.json {
                println!("group {name} deleted");
            }
            Ok(())
        }
    }
}

pub fn token(context: &Context, command: TokenCommand) -> CliResult<()> {
    match command {
        TokenCommand::Create { user, name } => {
            let token: NewToken = context
                .client
                .post("/tokens", &json!({ "user": user, "name": name }))?;
            if context.json {
                return print_json(&token);
            }
            eprintln!(
                "Token {} for {} (shown only now; store it safely):",
                token.info.id, token.info.user
            );
            println!("{}", token.token);
            Ok(())
        }
        TokenCommand::List { user } => {
            let path = match &user {
                Some(user) => format!("/tokens?user={}", segment(user)),
                None => "/tokens".to_string(),
            };
            let answer: Value = context.client.get(&path)?;
            if context.json {
                return print_json(&answer);
            }
            let tokens: Vec<TokenInfo> = parse(&answer["tokens"])?;
            let rows: Vec<[String; 5]> = tokens
                .iter()
                .map(|t| {
                    [
                        t.id.to_string(),
                        t.user.clone(),
                        t.name.clone(),
                        render::when(t.created_at),
                        t.revoked_at.map_or("active".to_string(), |at| {
                            format!("revoked {}", render::when(at))
                        }),
                    ]
                })
                .collect();
            let header = ["ID", "USER", "NAME", "CREATED", "STATE"].map(str::to_string);
            print!("{}", render::table(&header, &rows));
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let token: TokenInfo = context.client.delete(&format!("/tokens/{id}"))?;
            if context.json {
                return print_json(&token);
            }
            println!("token {} of {} revoked", token.id, token.user);
            Ok(())
        }
    }
}

pub fn whoami(context: &Context) -> CliResult<()> {
    let user: User = context.client.get("/me")?;
    print_user(context, &user)
}
