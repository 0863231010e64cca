//! `triage service` and `triage integration`: the service catalog and where each
//! service's alerts come from.

use clap::Subcommand;
use serde_json::{Value, json};
use triage_core::duration::parse_duration;
use triage_store::{Alert, Integration, NewIntegration, Service};

use super::people::parse;
use super::segment;
use crate::client::{CliError, CliResult};
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
    /// Show a service with its alert settings.
    Show { name: String },
    /// Change a service's details or what it does with alerts (admins).
    Set {
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// The owning group; an empty value clears it.
        #[arg(long)]
        owner: Option<String>,
        /// The runbook address; an empty value clears it.
        #[arg(long)]
        runbook: Option<String>,
        /// When every alert of an incident has resolved: leave, monitoring or resolve.
        #[arg(long)]
        on_resolved: Option<String>,
        /// How soon a resolved group that fires again reopens its incident: 30m, 2h, 0.
        #[arg(long)]
        flap_window: Option<String>,
        /// Labels whose values group alerts, comma-separated; empty: each sender's own.
        #[arg(long)]
        group_by: Option<String>,
        /// What an alert level opens incidents with, e.g. --map warning=P2/SEV3; repeat
        /// for several levels (levels not named keep their default).
        #[arg(long = "map")]
        mapping: Vec<String>,
        /// The escalation policy that pages for its incidents; an empty value clears it.
        #[arg(long)]
        escalation_policy: Option<String>,
        /// Priorities whose incidents page, e.g. P1,P2 (or none).
        #[arg(long)]
        paging: Option<String>,
    },
    /// List a service's alerts, newest first.
    Alerts {
        name: String,
        /// Only alerts firing now.
        #[arg(long)]
        firing: bool,
    },
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
        ServiceCommand::Show { name } => {
            let service: Service = context
                .client
                .get(&format!("/services/{}", segment(&name)))?;
            if context.json {
                return print_json(&service);
            }
            print!("{}", render::service(&service));
            Ok(())
        }
        ServiceCommand::Set {
            name,
            description,
            owner,
            runbook,
            on_resolved,
            flap_window,
            group_by,
            mapping,
            escalation_policy,
            paging,
        } => {
            let mut body = json!({
                "description": description,
                "owner": owner,
                "runbook_url": runbook,
                "on_resolved": on_resolved,
                "group_by": group_by,
                "escalation_policy": escalation_policy,
                "paging_priorities": paging,
            });
            if let Some(window) = flap_window {
                body["flap_window"] = json!(seconds(&window)?);
            }
            if !mapping.is_empty() {
                body["alert_mapping"] = json!(mapping.join(","));
            }
            // Unset options are left out, so they change nothing.
            if let Some(fields) = body.as_object_mut() {
                fields.retain(|_, v| !v.is_null());
            }
            let service: Service = context
                .client
                .patch(&format!("/services/{}", segment(&name)), &body)?;
            if context.json {
                return print_json(&service);
            }
            print!("{}", render::service(&service));
            Ok(())
        }
        ServiceCommand::Alerts { name, firing } => {
            let filter = if firing { "?status=firing" } else { "" };
            let answer: Value = context
                .client
                .get(&format!("/services/{}/alerts{filter}", segment(&name)))?;
            if context.json {
                return print_json(&answer);
            }
            let alerts: Vec<Alert> = parse(&answer["alerts"])?;
            print!("{}", render::alerts(&alerts));
            Ok(())
        }
    }
}

/// Seconds in a window written like `30m` (or `0`: no window).
fn seconds(text: &str) -> CliResult<i64> {
    if text.trim() == "0" {
        return Ok(0);
    }
    parse_duration(text)
        .map(|d| d.as_secs())
        .map_err(|e| CliError::Usage(e.to_string()))
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
