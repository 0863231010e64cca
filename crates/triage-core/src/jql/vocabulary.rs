//! Jira's names and ids for Triage's concepts, where both a query and the Jira-shaped
//! answers need them: status categories (`new`, `indeterminate`, `done`) and the
//! numeric ids of statuses, priorities and resolutions (positions, so stable for a
//! workflow file).

use crate::Priority;
use crate::workflow::{Category, Workflow};

/// Jira's key, id and colour for a status category.
pub fn category_key(category: Category) -> &'static str {
    match category {
        Category::ToDo => "new",
        Category::InProgress => "indeterminate",
        Category::Done => "done",
    }
}

pub fn category_id(category: Category) -> u8 {
    match category {
        Category::ToDo => 2,
        Category::InProgress => 4,
        Category::Done => 3,
    }
}

pub fn category_colour(category: Category) -> &'static str {
    match category {
        Category::ToDo => "blue-gray",
        Category::InProgress => "yellow",
        Category::Done => "green",
    }
}

/// A category by Triage's name ("To Do"), Jira's key ("indeterminate") or id ("3").
pub fn category(text: &str) -> Option<Category> {
    let text = text.trim();
    Category::ALL.into_iter().find(|&c| {
        category_key(c).eq_ignore_ascii_case(text)
            || category_id(c).to_string() == text
            || Category::parse(text) == Ok(c)
    })
}

/// A status's id: its position in the workflow, from 1.
pub fn status_id(workflow: &Workflow, name: &str) -> Option<usize> {
    workflow
        .statuses
        .iter()
        .position(|s| s.name.eq_ignore_ascii_case(name))
        .map(|i| i + 1)
}

/// A status by name (any case) or id.
pub fn status<'a>(workflow: &'a Workflow, text: &str) -> Option<&'a str> {
    let text = text.trim();
    if let Some(status) = workflow.find_status(text) {
        return Some(&status.name);
    }
    let id: usize = text.parse().ok()?;
    workflow
        .statuses
        .get(id.checked_sub(1)?)
        .map(|s| s.name.as_str())
}

/// A priority's id: its rank ("1" is Critical).
pub fn priority_id(priority: Priority) -> u8 {
    priority.rank()
}

/// A resolution's id: its position in the workflow's list, from 1.
pub fn resolution_id(workflow: &Workflow, name: &str) -> Option<usize> {
    workflow
        .resolutions
        .iter()
        .position(|r| r.eq_ignore_ascii_case(name))
        .map(|i| i + 1)
}

/// A resolution by name (any case) or id.
pub fn resolution<'a>(workflow: &'a Workflow, text: &str) -> Option<&'a str> {
    let text = text.trim();
    if let Some(name) = workflow.find_resolution(text) {
        return Some(name);
    }
    let id: usize = text.parse().ok()?;
    workflow
        .resolutions
        .get(id.checked_sub(1)?)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ids_and_keys_agree() {
        let workflow = Workflow::builtin();
        for c in Category::ALL {
            assert_eq!(category(category_key(c)), Some(c));
            assert_eq!(category(&category_id(c).to_string()), Some(c));
            assert_eq!(category(c.as_str()), Some(c));
        }
        for s in &workflow.statuses {
            let id = status_id(&workflow, &s.name).unwrap();
            assert_eq!(status(&workflow, &id.to_string()), Some(s.name.as_str()));
        }
        assert_eq!(status(&workflow, "in progress"), Some("In Progress"));
        assert_eq!(resolution(&workflow, "1"), Some("Fixed"));
        assert_eq!(resolution(&workflow, "fixed"), Some("Fixed"));
        assert_eq!(resolution(&workflow, "0"), None);
        assert_eq!(status(&workflow, "Nope"), None);
    }
}
