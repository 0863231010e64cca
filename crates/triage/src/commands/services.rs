//! `triage service` and `triage integration`: the service catalog and where each
//! service's alerts come from.

use clap::Subcommand;
use serde_json::{Value, json};
use triage_store::{Integration, NewIntegration, Service};

use super::people::parse;
use super::segment;
use crate::client::CliResult;
use crate::{Context, print_json, render};

#[derive(Subcommand)]
pub enum ServiceCommand {
    /// Add a service (admins).
    Add {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
        /// The group that owns it.
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        runbook: Option<String>,
    },
    /// List services.
    List,
}

#[derive(Subcommand)]
pub enum IntegrationCommand {
    /// Add a source of alerts to a service and print its key (shown only this once).
    Add {
        service: String,
        /// alertmanager, pagerduty, grafana or webhook.
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List a service's integrations.
    List { service: String },
    /// Revoke an integration's key by id.
    Revoke { id: i64 },
}

pub fn service(context: &Context, command: ServiceCommand) -> CliResult<()> {
    match command {
        ServiceCommand::Add {
            name,
            description,
            owner,
            runbook,
        } => {
            let body = json!({ "name": name, "description": description, "owner": owner, "runbook_url": runbook });
            let service: Service = context.client.post("/services", &body)?;
            if context.json {
                return print_json(&service);
            }
            println!("service {} added", service.name);
            Ok(())
        }
        ServiceCommand::List => {
            let answer: Value = context.client.get("/services")?;
            if context.json {
                return print_json(&answer);
            }
            let services: Vec<Service> = parse(&answer["services"])?;
            let rows: Vec<[String; 4]> = services
                .iter()
                .map(|s| {
                    [
                        s.name.clone(),
                        s.owner.clone().unwrap_or_else(|| "—".to_string()),
                        s.runbook_url.clone().unwrap_or_else(|| "—".to_string()),
                        s.description.clone(),
                    ]
                })
                .collect();
            let header = ["SERVICE", "OWNER", "RUNBOOK", "DESCRIPTION"].map(str::to_string);
            print!("{}", render::table(&header, &rows));
            Ok(())
        }
    }
}

pub fn integration(context: &Context, command: IntegrationCommand) -> CliResult<()> {
    match command {
        IntegrationCommand::Add {
            service,
            kind,
            name,
        } => {
            let created: NewIntegration = context.client.post(
                &format!("/services/{}/integrations", segment(&service)),
                &json!({ "kind": kind, "name": name }),
            )?;
            if context.json {
                return print_json(&created);
            }
            eprintln!(
                "Integration {} ({}) for {}; its key is shown only now:",
                created.integration.id, created.integration.kind, created.integration.service
            );
            println!("{}", created.key);
            Ok(())
        }
        IntegrationCommand::List { service } => {
            let answer: Value = context
                .client
                .get(&format!("/services/{}/integrations", segment(&service)))?;
            if context.json {
                return print_json(&answer);
            }
            let integrations: Vec<Integration> = parse(&answer["integrations"])?;
            let rows: Vec<[String; 4]> = integrations
                .iter()
                .map(|i| {
                    [
                        i.id.to_string(),
                        i.kind.clone(),
                        i.name.clone(),
                        i.revoked_at.map_or("active".to_string(), |at| {
                            format!("revoked {}", render::when(at))
                        }),
                    ]
                })
                .collect();
            let header = ["ID", "KIND", "NAME", "STATE"].map(str::to_string);
            print!("{}", render::table(&header, &rows));
            Ok(())
        }
        IntegrationCommand::Revoke { id } => {
            let revoked: Integration = context.client.delete(&format!("/integrations/{id}"))?;
            if context.json {
                return print_json(&revoked);
            }
            println!("integration {} of {} revoked", revoked.id, revoked.service);
            Ok(())
        }
    }
}
