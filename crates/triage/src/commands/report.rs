//! `triage report`: the response metrics over a window of incidents, as a table to read,
//! JSON (the API's answer) or CSV rows (`metric,group,value`) for a spreadsheet.

use clap::{Args, ValueEnum};
use serde_json::Value;
use triage_core::duration::format_duration;

use super::{cell, segment};
use crate::client::CliResult;
use crate::render::table;
use crate::{Context, print_json};

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
pub struct ReportArgs {
    /// From when: a duration back from now (30d, 12h), a day (2026-11-01) or a time.
    #[arg(long, default_value = "30d")]
    since: String,
    /// Until when (a day or a time); now unless given.
    #[arg(long)]
    until: Option<String>,
    /// Only incidents on this service.
    #[arg(long)]
    service: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

const DURATIONS: [(&str, &str); 4] = [
    ("mttd", "MTTD (signal → created)"),
    ("mtta", "MTTA (signal → acknowledged)"),
    ("mttm", "MTTM (signal → restored)"),
    ("mttr", "MTTR (signal → resolved)"),
];

fn seconds(value: &Value) -> String {
    value.as_i64().map_or_else(
        || "–".to_string(),
        |s| format_duration(jiff::SignedDuration::from_secs(s)),
    )
}

fn percent(ratio: &Value) -> String {
    match ratio["percent"].as_f64() {
        Some(p) => format!("{} of {} ({p:.1}%)", ratio["part"], ratio["whole"]),
        None => "none to count".to_string(),
    }
}

fn counts(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|items| {
            items
                .iter()
                .map(|c| (cell(&c["name"]), cell(&c["incidents"])))
                .collect()
        })
        .unwrap_or_default()
}

/// The report as `metric,group,value` rows.
fn rows(report: &Value) -> Vec<[String; 3]> {
    let mut rows = Vec::new();
    let mut push = |metric: &str, group: &str, value: &Value| {
        rows.push([metric.to_string(), group.to_string(), cell(value)]);
    };
    push("incidents", "", &report["incidents"]);
    for (name, _) in DURATIONS {
        for field in ["count", "mean_seconds", "p50_seconds", "p90_seconds"] {
            push(&format!("{name}_{field}"), "", &report[name][field]);
        }
    }
    for line in report["response_sla"].as_array().into_iter().flatten() {
        let priority = cell(&line["priority"]);
        for field in ["met", "breached", "pending"] {
            push(&format!("response_sla_{field}"), &priority, &line[field]);
        }
        push(
            "response_sla_percent",
            &priority,
            &line["compliance"]["percent"],
        );
    }
    for (metric, field) in [
        ("update_cadence", "update_cadence"),
        ("recurrence", "recurrence"),
        ("false_alarm", "false_alarms"),
    ] {
        push(&format!("{metric}_part"), "", &report[field]["part"]);
        push(&format!("{metric}_whole"), "", &report[field]["whole"]);
        push(&format!("{metric}_percent"), "", &report[field]["percent"]);
    }
    for (metric, field) in [
        ("incidents_by_severity", "by_severity"),
        ("incidents_by_service", "by_service"),
        ("incidents_by_week", "by_week"),
    ] {
        for (name, count) in counts(&report[field]) {
            push(metric, &name, &Value::String(count));
        }
    }
    push("action_items_open", "", &report["action_items"]["open"]);
    push(
        "action_items_overdue",
        "",
        &report["action_items"]["overdue"],
    );
    rows
}

/// A CSV field, quoted when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn csv(report: &Value) -> String {
    let mut out = String::from("metric,group,value\n");
    for row in rows(report) {
        let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn text(report: &Value) -> String {
    let when = |v: &Value| cell(v).replace('T', " ").replace('Z', " UTC");
    let mut out = format!(
        "Incidents created {} → {}{}: {}\n\n",
        when(&report["since"]),
        when(&report["until"]),
        report["service"]
            .as_str()
            .map(|s| format!(" on {s}"))
            .unwrap_or_default(),
        report["incidents"]
    );
    let header = [
        "".to_string(),
        "n".into(),
        "mean".into(),
        "p50".into(),
        "p90".into(),
    ];
    let durations: Vec<[String; 5]> = DURATIONS
        .iter()
        .map(|(name, label)| {
            let s = &report[name];
            [
                label.to_string(),
                cell(&s["count"]),
                seconds(&s["mean_seconds"]),
                seconds(&s["p50_seconds"]),
                seconds(&s["p90_seconds"]),
            ]
        })
        .collect();
    out.push_str(&table(&header, &durations));
    let sla: Vec<[String; 5]> = report["response_sla"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|line| {
            [
                cell(&line["priority"]),
                cell(&line["met"]),
                cell(&line["breached"]),
                cell(&line["pending"]),
                percent(&line["compliance"]),
            ]
        })
        .collect();
    if !sla.is_empty() {
        out.push('\n');
        let header = [
            "Response SLA".to_string(),
            "met".into(),
            "breached".into(),
            "pending".into(),
            "compliance".into(),
        ];
        out.push_str(&table(&header, &sla));
    }
    out.push('\n');
    for (label, field) in [
        ("Update cadence kept", "update_cadence"),
        ("Recurrences", "recurrence"),
        ("False alarms", "false_alarms"),
    ] {
        out.push_str(&format!("{label}: {}\n", percent(&report[field])));
    }
    out.push_str(&format!(
        "Action items: {} open, {} overdue\n",
        report["action_items"]["open"], report["action_items"]["overdue"]
    ));
    for (label, field) in [("By severity", "by_severity"), ("By service", "by_service")] {
        let list: Vec<String> = counts(&report[field])
            .into_iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        if !list.is_empty() {
            out.push_str(&format!("{label}: {}\n", list.join(", ")));
        }
    }
    let weeks = counts(&report["by_week"]);
    if !weeks.is_empty() {
        out.push_str("By week (Monday, UTC):\n");
        for (monday, count) in weeks {
            out.push_str(&format!("  {monday}  {count}\n"));
        }
    }
    out
}

pub fn run(context: &Context, args: ReportArgs) -> CliResult<()> {
    let mut query = vec![format!("since={}", segment(&args.since))];
    if let Some(until) = &args.until {
        query.push(format!("until={}", segment(until)));
    }
    if let Some(service) = &args.service {
        query.push(format!("service={}", segment(service)));
    }
    let report: Value = context
        .client
        .get(&format!("/reports?{}", query.join("&")))?;
    if context.json {
        return print_json(&report);
    }
    match args.format {
        Format::Json => print_json(&report),
        Format::Csv => {
            print!("{}", csv(&report));
            Ok(())
        }
        Format::Table => {
            print!("{}", text(&report));
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(csv_field("checkout"), "checkout");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
