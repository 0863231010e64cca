//! The incident commands: create, show, list, transition, resolve, assign, comment,
//! link, unlink, update, timeline.

use clap::Args;
use serde_json::{Map, Value, json};
use triage_core::incident::DetectionSource;
use triage_core::{Priority, Severity};
use triage_store::{AvailableTransition, Event, Incident, Page};

use super::updates::{self, MessageArgs};
use super::{cell, segment};
use crate::client::{CliError, CliResult};
use crate::{Context, print_json, render};

fn parse_priority(text: &str) -> Result<Priority, String> {
    Priority::parse(text).map_err(|e| e.to_string())
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text).map_err(|e| e.to_string())
}

fn parse_source(text: &str) -> Result<DetectionSource, String> {
    DetectionSource::parse(text).map_err(|e| e.to_string())
}

#[derive(Args)]
pub struct KeyArgs {
    /// Incident key, e.g. INC-456.
    key: String,
}

#[derive(Args)]
pub struct CreateArgs {
    #[arg(long)]
    summary: String,
    #[arg(long)]
    description: Option<String>,
    /// P1–P4, or Critical, High, Medium, Low.
    #[arg(long, value_parser = parse_priority)]
    priority: Option<Priority>,
    /// SEV1–SEV4.
    #[arg(long, value_parser = parse_severity)]
    severity: Option<Severity>,
    /// Affected service (repeat for several).
    #[arg(long = "service")]
    services: Vec<String>,
    /// Label (repeat for several).
    #[arg(long = "label")]
    labels: Vec<String>,
    /// Assignee's e-mail.
    #[arg(long)]
    assignee: Option<String>,
    /// monitoring or user_report (the default).
    #[arg(long, value_parser = parse_source)]
    detection_source: Option<DetectionSource>,
    /// When the problem started, if before now: 2026-11-22T09:58:00Z.
    #[arg(long)]
    detected_at: Option<String>,
}

pub fn create(context: &Context, args: CreateArgs) -> CliResult<()> {
    let mut body = json!({
        "summary": args.summary,
        "services": args.services,
        "labels": args.labels,
    });
    let fields = [
        ("description", args.description.map(Value::from)),
        ("priority", args.priority.map(|p| Value::from(p.code()))),
        ("severity", args.severity.map(|s| Value::from(s.code()))),
        ("assignee", args.assignee.map(Value::from)),
        (
            "detection_source",
            args.detection_source.map(|d| Value::from(d.as_str())),
        ),
        ("detected_at", args.detected_at.map(Value::from)),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            body[name] = value;
        }
    }
    let incident: Incident = context.client.post("/incidents", &body)?;
    if context.json {
        print_json(&incident)
    } else {
        println!("{}", incident.key);
        Ok(())
    }
}

fn print_incident(context: &Context, incident: &Incident) -> CliResult<()> {
    if context.json {
        print_json(incident)
    } else {
        print!("{}", render::incident(incident));
        Ok(())
    }
}

pub fn show(context: &Context, args: KeyArgs) -> CliResult<()> {
    let incident: Incident = context
        .client
        .get(&format!("/incidents/{}", segment(&args.key)))?;
    print_incident(context, &incident)
}

/// The incident's review checklist: each check met, missing or not applicable, with its
/// evidence.
pub fn review(context: &Context, args: KeyArgs) -> CliResult<()> {
    let review: Value = context
        .client
        .get(&format!("/incidents/{}/review", segment(&args.key)))?;
    if context.json {
        return print_json(&review);
    }
    println!(
        "{} review: {} of {} met",
        cell(&review["incident"]),
        review["met"],
        review["applicable"]
    );
    for check in review["checks"].as_array().into_iter().flatten() {
        let mark = match check["answer"].as_str() {
            Some("met") => "✓",
            Some("missing") => "✗",
            _ => "–",
        };
        println!(
            "  {mark} {:<14} {}",
            cell(&check["name"]),
            cell(&check["evidence"])
        );
    }
    Ok(())
}

/// Acknowledges an incident: you have it, and its escalation stops.
pub fn acknowledge(context: &Context, args: KeyArgs) -> CliResult<()> {
    let incident: Incident = context.client.post(
        &format!("/incidents/{}/acknowledge", segment(&args.key)),
        &serde_json::json!({}),
    )?;
    if context.json {
        return print_json(&incident);
    }
    println!("{} acknowledged", incident.key);
    Ok(())
}

/// Pages the next level of an incident's escalation now.
pub fn escalate(context: &Context, args: KeyArgs) -> CliResult<()> {
    let incident: Incident = context.client.post(
        &format!("/incidents/{}/escalate", segment(&args.key)),
        &serde_json::json!({}),
    )?;
    if context.json {
        return print_json(&incident);
    }
    println!("{}: the next level is paged now", incident.key);
    Ok(())
}

#[derive(Args)]
pub struct ListArgs {
    /// Status (repeat or comma-separate for several).
    #[arg(long)]
    status: Vec<String>,
    /// Status category: todo, in_progress, done.
    #[arg(long)]
    category: Vec<String>,
    #[arg(long)]
    priority: Vec<String>,
    #[arg(long)]
    severity: Vec<String>,
    /// Assignee's e-mail, `me`, or `none`.
    #[arg(long)]
    assignee: Option<String>,
    #[arg(long)]
    service: Option<String>,
    #[arg(long)]
    label: Option<String>,
    /// Text in the key, summary or description.
    #[arg(long, short = 'q')]
    text: Option<String>,
    /// created, updated, priority or key; prefix with - for descending (default -created).
    #[arg(long, allow_hyphen_values = true)]
    sort: Option<String>,
    /// Incidents per page (1–200).
    #[arg(long)]
    limit: Option<u32>,
    /// Continue from a previous page's cursor.
    #[arg(long)]
    cursor: Option<String>,
    /// Fetch every page.
    #[arg(long)]
    all: bool,
}

impl ListArgs {
    fn query(&self, cursor: Option<&str>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let lists = [
            ("status", &self.status),
            ("category", &self.category),
            ("priority", &self.priority),
            ("severity", &self.severity),
        ];
        for (name, values) in lists {
            if !values.is_empty() {
                query.append_pair(name, &values.join(","));
            }
        }
        let singles = [
            ("assignee", self.assignee.as_deref()),
            ("service", self.service.as_deref()),
            ("label", self.label.as_deref()),
            ("q", self.text.as_deref()),
            ("sort", self.sort.as_deref()),
            ("cursor", cursor),
        ];
        for (name, value) in singles {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        query.finish()
    }
}

pub fn list(context: &Context, args: ListArgs) -> CliResult<()> {
    let mut cursor = args.cursor.clone();
    let mut all: Vec<Incident> = Vec::new();
    loop {
        let page: Page<Incident> = context
            .client
            .get(&format!("/incidents?{}", args.query(cursor.as_deref())))?;
        let more = page.next_cursor.clone();
        all.extend(page.items);
        match more {
            Some(next) if args.all => cursor = Some(next),
            _ => {
                cursor = more;
                break;
            }
        }
    }
    let page = Page {
        items: all,
        next_cursor: cursor,
    };
    if context.json {
        return print_json(&page);
    }
    if page.items.is_empty() {
        println!("No incidents match.");
    } else {
        print!("{}", render::incident_table(&page));
    }
    if let Some(cursor) = &page.next_cursor {
        eprintln!("More incidents: add --cursor {cursor} (or --all).");
    }
    Ok(())
}

#[derive(Args)]
pub struct TransitionArgs {
    key: String,
    /// Transition or target status, any case: "Investigating", "in progress", …
    #[arg(long)]
    name: String,
    #[arg(long)]
    comment: Option<String>,
    /// Fixed, Won't Fix, Duplicate, Cannot Reproduce, Workaround.
    #[arg(long)]
    resolution: Option<String>,
    /// Refuse if the incident is no longer at this version.
    #[arg(long)]
    version: Option<i64>,
}

fn report_move(context: &Context, before: Option<&str>, incident: &Incident) -> CliResult<()> {
    if context.json {
        return print_json(incident);
    }
    match before {
        Some(before) => println!("{}: {before} → {}", incident.key, incident.status),
        None => println!("{}: {}", incident.key, incident.status),
    }
    Ok(())
}

fn status_of(context: &Context, key: &str) -> Option<String> {
    context
        .client
        .get::<Incident>(&format!("/incidents/{}", segment(key)))
        .ok()
        .map(|i| i.status)
}

pub fn transition(context: &Context, args: TransitionArgs) -> CliResult<()> {
    let before = (!context.json)
        .then(|| status_of(context, &args.key))
        .flatten();
    let body = json!({
        "name": args.name,
        "comment": args.comment,
        "resolution": args.resolution,
        "version": args.version,
    });
    let incident: Incident = context.client.post(
        &format!("/incidents/{}/transitions", segment(&args.key)),
        &body,
    )?;
    report_move(context, before.as_deref(), &incident)
}

pub fn transitions(context: &Context, args: KeyArgs) -> CliResult<()> {
    let answer: Value = context
        .client
        .get(&format!("/incidents/{}/transitions", segment(&args.key)))?;
    if context.json {
        return print_json(&answer);
    }
    let transitions: Vec<AvailableTransition> =
        serde_json::from_value(answer["transitions"].clone())
            .map_err(|e| CliError::Failed(format!("unexpected answer: {e}")))?;
    if transitions.is_empty() {
        println!("No transitions: the incident is in a final status.");
    }
    for t in transitions {
        let requires = if t.requires.is_empty() {
            String::new()
        } else {
            format!(" (needs --{})", t.requires.join(", --"))
        };
        if t.allowed {
            println!("{} → {}{requires}", t.name, t.to);
        } else {
            println!(
                "{} → {}  unavailable: {}",
                t.name,
                t.to,
                t.reasons.join("; ")
            );
        }
    }
    Ok(())
}

#[derive(Args)]
pub struct ResolveArgs {
    key: String,
    #[arg(long)]
    resolution: String,
    #[arg(long)]
    comment: Option<String>,
    #[arg(long)]
    version: Option<i64>,
}

pub fn resolve(context: &Context, args: ResolveArgs) -> CliResult<()> {
    let before = (!context.json)
        .then(|| status_of(context, &args.key))
        .flatten();
    let body = json!({
        "resolution": args.resolution,
        "comment": args.comment,
        "version": args.version,
    });
    let incident: Incident = context
        .client
        .post(&format!("/incidents/{}/resolve", segment(&args.key)), &body)?;
    report_move(context, before.as_deref(), &incident)
}

#[derive(Args)]
pub struct AssignArgs {
    key: String,
    /// The assignee's e-mail.
    #[arg(long, required_unless_present = "none", conflicts_with = "none")]
    user: Option<String>,
    /// Unassign instead.
    #[arg(long)]
    none: bool,
    #[arg(long)]
    version: Option<i64>,
}

pub fn assign(context: &Context, args: AssignArgs) -> CliResult<()> {
    let body = json!({ "user": args.user, "version": args.version });
    let incident: Incident = context.client.put(
        &format!("/incidents/{}/assignee", segment(&args.key)),
        &body,
    )?;
    if context.json {
        return print_json(&incident);
    }
    match &incident.assignee {
        Some(a) => println!("{}: assigned to {} <{}>", incident.key, a.name, a.email),
        None => println!("{}: unassigned", incident.key),
    }
    Ok(())
}

#[derive(Args)]
pub struct CommentArgs {
    key: String,
    /// The comment.
    text: String,
}

pub fn comment(context: &Context, args: CommentArgs) -> CliResult<()> {
    let comment: Value = context.client.post(
        &format!("/incidents/{}/comments", segment(&args.key)),
        &json!({ "body": args.text }),
    )?;
    if context.json {
        return print_json(&comment);
    }
    println!(
        "{}: comment {} added",
        args.key.to_uppercase(),
        comment["id"]
    );
    Ok(())
}

#[derive(Args)]
pub struct LinkArgs {
    key: String,
    /// The other incident.
    #[arg(long)]
    to: String,
    /// relates, duplicates, is duplicated by, causes, is caused by, blocks, is blocked by.
    #[arg(long = "type", default_value = "relates")]
    link_type: String,
}

pub fn link(context: &Context, args: LinkArgs) -> CliResult<()> {
    let incident: Incident = context.client.post(
        &format!("/incidents/{}/links", segment(&args.key)),
        &json!({ "to": args.to, "type": args.link_type }),
    )?;
    if context.json {
        return print_json(&incident);
    }
    let other = args.to.trim().to_uppercase();
    match incident
        .links
        .iter()
        .rev()
        .find(|l| l.incident.key == other)
    {
        Some(link) => println!(
            "{} {} {} (link {})",
            incident.key, link.relation, link.incident.key, link.id
        ),
        None => println!("{}: linked", incident.key),
    }
    Ok(())
}

#[derive(Args)]
pub struct UnlinkArgs {
    key: String,
    /// The link's id.
    link: i64,
}

pub fn unlink(context: &Context, args: UnlinkArgs) -> CliResult<()> {
    let incident: Incident = context.client.delete(&format!(
        "/incidents/{}/links/{}",
        segment(&args.key),
        args.link
    ))?;
    if context.json {
        return print_json(&incident);
    }
    println!("{}: link {} removed", incident.key, args.link);
    Ok(())
}

#[derive(Args)]
pub struct UpdateArgs {
    key: String,
    #[arg(long)]
    summary: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long, value_parser = parse_priority, conflicts_with = "clear_priority")]
    priority: Option<Priority>,
    #[arg(long)]
    clear_priority: bool,
    #[arg(long, value_parser = parse_severity, conflicts_with = "clear_severity")]
    severity: Option<Severity>,
    #[arg(long)]
    clear_severity: bool,
    /// Replace the affected services (repeat for several).
    #[arg(long = "service")]
    services: Vec<String>,
    /// Replace the labels (repeat for several).
    #[arg(long = "label")]
    labels: Vec<String>,
    #[arg(long)]
    version: Option<i64>,
    #[command(flatten)]
    message: MessageArgs,
}

/// Changes the fields given, then posts the stakeholder update if there is one.
pub fn update(context: &Context, args: UpdateArgs) -> CliResult<()> {
    let mut body = Map::new();
    if let Some(summary) = args.summary {
        body.insert("summary".into(), summary.into());
    }
    if let Some(description) = args.description {
        body.insert("description".into(), description.into());
    }
    if let Some(priority) = args.priority {
        body.insert("priority".into(), priority.code().into());
    } else if args.clear_priority {
        body.insert("priority".into(), Value::Null);
    }
    if let Some(severity) = args.severity {
        body.insert("severity".into(), severity.code().into());
    } else if args.clear_severity {
        body.insert("severity".into(), Value::Null);
    }
    if !args.services.is_empty() {
        body.insert("services".into(), args.services.into());
    }
    if !args.labels.is_empty() {
        body.insert("labels".into(), args.labels.into());
    }
    if body.is_empty() {
        if args.message.given() {
            return updates::post(context, &args.key, args.message);
        }
        return Err(CliError::Usage(
            "nothing to change: give --summary, --description, --priority, --severity, --service or --label, or post an update with --message"
                .to_string(),
        ));
    }
    if let Some(version) = args.version {
        body.insert("version".into(), version.into());
    }
    let incident: Incident = context
        .client
        .patch(&format!("/incidents/{}", segment(&args.key)), &body)?;
    if args.message.given() {
        if !context.json {
            print_incident(context, &incident)?;
        }
        return updates::post(context, &args.key, args.message);
    }
    print_incident(context, &incident)
}

pub fn timeline(context: &Context, args: KeyArgs) -> CliResult<()> {
    let answer: Value = context
        .client
        .get(&format!("/incidents/{}/timeline", segment(&args.key)))?;
    if context.json {
        return print_json(&answer);
    }
    let events: Vec<Event> = serde_json::from_value(answer["events"].clone())
        .map_err(|e| CliError::Failed(format!("unexpected answer: {e}")))?;
    print!("{}", render::timeline(&events));
    Ok(())
}
