//! A post-mortem as Markdown, both ways: [`render`] writes the file teams keep in their
//! repository and edit in their own editor; [`parse`] reads an edited file back into the
//! sections. `parse(render(p)) == p` for every post-mortem whose texts are trimmed, and
//! a file that does not fit says which line.
//!
//! The structure is the headings: `# Post-mortem: KEY title`, the header table, then
//! `## Summary`, `## Impact`, `## Root Cause`, `## Timeline` (a table), `## Lessons
//! Learned` with `### What went well`, `### What went wrong`, `### Where we got lucky`,
//! and `## Action Items` (a checklist). Inside a section, a line that starts with `#` or
//! `\` is written with a `\` before it, so that text never reads as a heading; a file
//! edited by hand may use other headings (`### Details`) freely inside sections.

use super::{ActionLine, PostMortem, PostmortemStatus, TimelineRow};

/// Why a file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1 for the first line.
    pub line: usize,
    pub message: String,
}

const TITLE: &str = "# Post-mortem: ";
const TIMES: &str = "All times UTC.";
const SECTIONS: [&str; 6] = [
    "Summary",
    "Impact",
    "Root Cause",
    "Timeline",
    "Lessons Learned",
    "Action Items",
];
const LESSONS: [&str; 3] = ["What went well", "What went wrong", "Where we got lucky"];

/// `text` with a `\` before each line that would read as a heading or an escape.
fn escape_text(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with('#') || line.starts_with('\\') {
                format!("\\{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn unescape_line(line: &str) -> &str {
    line.strip_prefix('\\').unwrap_or(line)
}

/// A table cell: `\`, `|`, `&` and `<` escaped, line breaks as `<br>`.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A cell's text back.
fn uncell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("<br>") {
            out.push('\n');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("&amp;") {
            out.push('&');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("&lt;") {
            out.push('<');
            rest = after;
        } else if c == '\\' && rest.len() > 1 {
            let next = rest[1..].chars().next().unwrap_or('\\');
            out.push(next);
            rest = &rest[1 + next.len_utf8()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A table row's cells, split at `|` not escaped.
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner
        .strip_suffix('|')
        .filter(|s| !s.ends_with('\\'))
        .unwrap_or(inner);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push('\\');
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '|' => cells.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    cells.push(current);
    cells.into_iter().map(|c| uncell(c.trim())).collect()
}

/// The post-mortem as Markdown.
pub fn render(p: &PostMortem) -> String {
    let mut out = format!("{TITLE}{} {}\n\n", p.incident, cell(&p.title));
    out.push_str("| | |\n|---|---|\n");
    out.push_str(&format!("| Incident | {} |\n", cell(&p.incident)));
    out.push_str(&format!("| Date | {} |\n", cell(&p.date)));
    out.push_str(&format!("| Authors | {} |\n", cell(&p.authors.join(", "))));
    out.push_str(&format!("| Status | {} |\n", p.status));
    out.push_str(&format!(
        "| Severity | {} |\n",
        cell(p.severity.as_deref().unwrap_or("—"))
    ));
    let mut section = |name: &str, text: &str| {
        out.push_str(&format!("\n## {name}\n\n"));
        if !text.is_empty() {
            out.push_str(&escape_text(text));
            out.push('\n');
        }
    };
    section("Summary", &p.summary);
    section("Impact", &p.impact);
    section("Root Cause", &p.root_cause);
    out.push_str(&format!(
        "\n## Timeline\n\n{TIMES}\n\n| Time | Event |\n|---|---|\n"
    ));
    for row in &p.timeline {
        out.push_str(&format!("| {} | {} |\n", cell(&row.at), cell(&row.text)));
    }
    out.push_str("\n## Lessons Learned\n");
    for (name, text) in LESSONS.iter().zip([&p.went_well, &p.went_wrong, &p.lucky]) {
        out.push_str(&format!("\n### {name}\n\n"));
        if !text.is_empty() {
            out.push_str(&escape_text(text));
            out.push('\n');
        }
    }
    out.push_str("\n## Action Items\n\n");
    for item in &p.action_items {
        let mark = if item.done { 'x' } else { ' ' };
        out.push_str(&format!("- [{mark}] {}\n", cell(&item.text)));
    }
    out
}

/// The lines of one section, numbered from 1.
type Lines<'a> = Vec<(usize, &'a str)>;

/// A text section: its lines unescaped and trimmed of blank lines around.
fn text_of(lines: &Lines) -> String {
    let text: Vec<&str> = lines.iter().map(|(_, l)| unescape_line(l)).collect();
    text.join("\n").trim().to_string()
}

fn error(line: usize, message: impl Into<String>) -> ParseError {
    ParseError {
        line,
        message: message.into(),
    }
}

/// Reads a post-mortem file back.
pub fn parse(text: &str) -> Result<PostMortem, ParseError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim_end_matches('\r')))
        .collect();
    let mut iter = lines.iter().skip_while(|(_, l)| l.trim().is_empty());
    let &(title_line, title) = iter.next().ok_or_else(|| {
        error(
            1,
            "the file is empty: it starts with `# Post-mortem: KEY title`",
        )
    })?;
    let heading = title.strip_prefix(TITLE).ok_or_else(|| {
        error(
            title_line,
            "the first line must be `# Post-mortem: KEY title`",
        )
    })?;
    let (_, title_text) = heading.split_once(' ').unwrap_or((heading, ""));
    // Split the rest at the `## ` headings.
    let mut header: Lines = Vec::new();
    let mut sections: Vec<(usize, String, Lines)> = Vec::new();
    for &(n, line) in iter {
        if let Some(name) = line.strip_prefix("## ") {
            let name = name.trim();
            if !SECTIONS.contains(&name) {
                return Err(error(
                    n,
                    format!(
                        "unknown section '{name}': the sections are {}",
                        SECTIONS.join(", ")
                    ),
                ));
            }
            if sections.iter().any(|(_, s, _)| s == name) {
                return Err(error(n, format!("section '{name}' appears twice")));
            }
            sections.push((n, name.to_string(), Vec::new()));
        } else if let Some((_, _, body)) = sections.last_mut() {
            body.push((n, line));
        } else {
            header.push((n, line));
        }
    }
    let mut incident = String::new();
    let mut date = String::new();
    let mut authors = Vec::new();
    let mut status = PostmortemStatus::Draft;
    let mut severity = None;
    for &(n, line) in header.iter().filter(|(_, l)| l.trim().starts_with('|')) {
        let row = cells(line);
        let (Some(field), Some(value)) = (row.first(), row.get(1)) else {
            continue;
        };
        match field.as_str() {
            "Incident" => incident = value.clone(),
            "Date" => date = value.clone(),
            "Authors" => {
                authors = value
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect()
            }
            "Status" => {
                status = PostmortemStatus::parse(value).map_err(|e| error(n, e.to_string()))?
            }
            "Severity" => severity = Some(value.clone()).filter(|s| s != "—" && !s.is_empty()),
            "" | "---" => {}
            other => {
                return Err(error(
                    n,
                    format!(
                        "unknown header field '{other}': use Incident, Date, Authors, Status, Severity"
                    ),
                ));
            }
        }
    }
    if incident.is_empty() {
        return Err(error(
            title_line,
            "the header table needs an `| Incident | KEY |` row",
        ));
    }
    let section = |name: &str| sections.iter().find(|(_, s, _)| s == name);
    let text = |name: &str| {
        section(name)
            .map(|(_, _, l)| text_of(l))
            .unwrap_or_default()
    };
    let mut timeline = Vec::new();
    if let Some((_, _, body)) = section("Timeline") {
        for &(n, line) in body {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed == TIMES {
                continue;
            }
            if !trimmed.starts_with('|') {
                return Err(error(
                    n,
                    "the timeline is a table: write each event as `| time | what happened |`",
                ));
            }
            let row = cells(trimmed);
            if row
                .first()
                .is_some_and(|c| c == "Time" || c.starts_with("---"))
            {
                continue;
            }
            match row.as_slice() {
                [at, text] => timeline.push(TimelineRow {
                    at: at.clone(),
                    text: text.clone(),
                }),
                _ => {
                    return Err(error(
                        n,
                        format!(
                            "a timeline row has two cells, time and event, not {}",
                            row.len()
                        ),
                    ));
                }
            }
        }
    }
    let (mut went_well, mut went_wrong, mut lucky) = (String::new(), String::new(), String::new());
    if let Some((_, _, body)) = section("Lessons Learned") {
        let mut current: Option<usize> = None;
        let mut parts: [Lines; 3] = [Vec::new(), Vec::new(), Vec::new()];
        for &(n, line) in body {
            if let Some(name) = line.strip_prefix("### ")
                && let Some(index) = LESSONS.iter().position(|l| *l == name.trim())
            {
                current = Some(index);
                continue;
            }
            match current {
                Some(index) => parts[index].push((n, line)),
                None if line.trim().is_empty() => {}
                None => {
                    return Err(error(
                        n,
                        format!(
                            "lessons go under {}",
                            LESSONS.map(|l| format!("`### {l}`")).join(", ")
                        ),
                    ));
                }
            }
        }
        went_well = text_of(&parts[0]);
        went_wrong = text_of(&parts[1]);
        lucky = text_of(&parts[2]);
    }
    let mut action_items = Vec::new();
    if let Some((_, _, body)) = section("Action Items") {
        for &(n, line) in body {
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            let (done, rest) = if let Some(rest) = trimmed.strip_prefix("- [ ]") {
                (false, rest)
            } else if let Some(rest) = trimmed
                .strip_prefix("- [x]")
                .or_else(|| trimmed.strip_prefix("- [X]"))
            {
                (true, rest)
            } else if let Some(rest) = trimmed.strip_prefix("- ") {
                (false, rest)
            } else {
                return Err(error(
                    n,
                    "an action item is a list item: `- [ ] what to do`",
                ));
            };
            action_items.push(ActionLine {
                done,
                text: uncell(rest.trim()),
            });
        }
    }
    Ok(PostMortem {
        incident,
        title: uncell(title_text.trim()),
        date,
        authors,
        status,
        severity,
        summary: text("Summary"),
        impact: text("Impact"),
        root_cause: text("Root Cause"),
        timeline,
        went_well,
        went_wrong,
        lucky,
        action_items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> PostMortem {
        PostMortem {
            incident: "INC-456".into(),
            title: "Database connection pool exhausted".into(),
            date: "2026-11-22".into(),
            authors: vec!["Ada Admin".into(), "On Call".into()],
            status: PostmortemStatus::Draft,
            severity: Some("SEV1".into()),
            summary: "Checkout failed for 24 hours.".into(),
            impact: "Services: checkout-api.\n\n## Not a heading".into(),
            root_cause: "The pool held 20 connections | too few.".into(),
            timeline: vec![TimelineRow {
                at: "2026-11-22 10:00".into(),
                text: "Ada created the incident <Open>: a | b\nsecond line & more".into(),
            }],
            went_well: "Paging worked.".into(),
            went_wrong: String::new(),
            lucky: "\\ a backslash".into(),
            action_items: vec![
                ActionLine {
                    done: false,
                    text: "Raise the pool to 200".into(),
                },
                ActionLine {
                    done: true,
                    text: "Alert on pool usage".into(),
                },
            ],
        }
    }

    #[test]
    fn a_post_mortem_reads_back_as_it_was_written() {
        let p = sample();
        let text = render(&p);
        assert!(text.starts_with("# Post-mortem: INC-456 Database connection pool exhausted\n"));
        assert!(text.contains("| Status | Draft |\n"));
        assert!(text.contains("\\## Not a heading"), "{text}");
        assert!(
            text.contains("| 2026-11-22 10:00 | Ada created the incident &lt;Open>: a \\| b<br>second line &amp; more |"),
            "{text}"
        );
        assert!(text.contains("- [x] Alert on pool usage\n"));
        assert_eq!(parse(&text).unwrap(), p);
    }

    #[test]
    fn hand_edits_are_read_and_mistakes_name_their_line() {
        let mut text = render(&sample());
        text = text.replace("| Status | Draft |", "| Status | in review |");
        text = text.replace(
            "## Root Cause\n\n",
            "## Root Cause\n\n### Details\n\nWritten by hand.\n",
        );
        let p = parse(&text).unwrap();
        assert_eq!(p.status, PostmortemStatus::InReview);
        assert!(p.root_cause.starts_with("### Details\n\nWritten by hand."));

        let bad = render(&sample()).replace("## Impact", "## Effects");
        let error = parse(&bad).unwrap_err();
        assert_eq!(error.line, 15);
        assert!(
            error.message.starts_with("unknown section 'Effects'"),
            "{error}"
        );
        let bad = render(&sample()).replace("| Status | Draft |", "| Status | Done |");
        assert_eq!(
            parse(&bad).unwrap_err().to_string(),
            "line 8: post-mortem status 'Done' is not allowed: use Draft, In Review or Published"
        );
        let bad = render(&sample()).replace("| 2026-11-22 10:00 |", "2026-11-22 10:00 |");
        let error = parse(&bad).unwrap_err();
        assert!(
            error.message.starts_with("the timeline is a table"),
            "{error}"
        );
        assert_eq!(
            parse("Notes\n").unwrap_err().to_string(),
            "line 1: the first line must be `# Post-mortem: KEY title`"
        );
    }

    fn text() -> impl Strategy<Value = String> {
        "[a-z#\\\\|<&>\\-\\[\\] \n]{0,40}".prop_map(|s| s.trim().to_string())
    }

    fn line() -> impl Strategy<Value = String> {
        "[a-z#\\\\|<&>\\-\\[\\] \n]{0,30}".prop_map(|s| s.trim().to_string())
    }

    fn single() -> impl Strategy<Value = String> {
        "[a-z\\\\|<&> ]{1,20}".prop_map(|s| {
            let s = s.trim().to_string();
            if s.is_empty() { "x".to_string() } else { s }
        })
    }

    prop_compose! {
        fn any_postmortem()(
            title in line().prop_map(|s| s.replace('\n', " ")),
            authors in proptest::collection::vec("[a-z][a-z ]{0,8}[a-z]", 0..3),
            status in proptest::sample::select(PostmortemStatus::ALL.to_vec()),
            severity in proptest::option::of("SEV[1-4]"),
            summary in text(), impact in text(), root_cause in text(),
            timeline in proptest::collection::vec((single(), line()), 0..4),
            well in text(), wrong in text(), lucky in text(),
            items in proptest::collection::vec((any::<bool>(), line().prop_map(|s| s.replace('\n', " "))), 0..3),
        ) -> PostMortem {
            PostMortem {
                incident: "INC-9".into(),
                title: title.trim().to_string(),
                date: "2026-11-22".into(),
                authors,
                status,
                severity,
                summary, impact, root_cause,
                timeline: timeline.into_iter().map(|(at, text)| TimelineRow { at, text }).collect(),
                went_well: well, went_wrong: wrong, lucky,
                action_items: items.into_iter().map(|(done, text)| ActionLine { done, text: text.trim().to_string() }).collect(),
            }
        }
    }

    proptest! {
        #[test]
        fn render_parse_render_is_identical(p in any_postmortem()) {
            let text = render(&p);
            let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(render(&back), text);
            prop_assert_eq!(back, p);
        }
    }
}
