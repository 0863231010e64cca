//! The fields a query can name, the spellings Jira accepts for each, and which
//! operators each one takes.

use super::Operator;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Project,
    Key,
    Status,
    StatusCategory,
    Priority,
    Severity,
    Assignee,
    Reporter,
    Resolution,
    Labels,
    /// Triage's services, which Jira clients know as components.
    Component,
    IssueType,
    Created,
    Updated,
    Resolved,
    Summary,
    Description,
    Comment,
    /// Key, summary, description and comments at once.
    Text,
}

/// Which kinds of comparison a field takes.
struct Takes {
    equality: bool,
    order: bool,
    empty: bool,
    contains: bool,
}

impl Field {
    pub const ALL: [Field; 19] = [
        Field::Project,
        Field::Key,
        Field::Status,
        Field::StatusCategory,
        Field::Priority,
        Field::Severity,
        Field::Assignee,
        Field::Reporter,
        Field::Resolution,
        Field::Labels,
        Field::Component,
        Field::IssueType,
        Field::Created,
        Field::Updated,
        Field::Resolved,
        Field::Summary,
        Field::Description,
        Field::Comment,
        Field::Text,
    ];

    /// The name a query is printed with.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Project => "project",
            Field::Key => "key",
            Field::Status => "status",
            Field::StatusCategory => "statusCategory",
            Field::Priority => "priority",
            Field::Severity => "severity",
            Field::Assignee => "assignee",
            Field::Reporter => "reporter",
            Field::Resolution => "resolution",
            Field::Labels => "labels",
            Field::Component => "component",
            Field::IssueType => "issuetype",
            Field::Created => "created",
            Field::Updated => "updated",
            Field::Resolved => "resolved",
            Field::Summary => "summary",
            Field::Description => "description",
            Field::Comment => "comment",
            Field::Text => "text",
        }
    }

    /// Every name Jira accepts for the field in a query (`GET field` lists them as
    /// `clauseNames`).
    pub fn clause_names(self) -> &'static [&'static str] {
        match self {
            Field::Project => &["project"],
            Field::Key => &["key", "issuekey", "id", "issue"],
            Field::Status => &["status"],
            Field::StatusCategory => &["statusCategory", "category"],
            Field::Priority => &["priority"],
            Field::Severity => &["severity", "cf[10100]"],
            Field::Assignee => &["assignee"],
            Field::Reporter => &["reporter"],
            Field::Resolution => &["resolution"],
            Field::Labels => &["labels", "label"],
            Field::Component => &["component", "service"],
            Field::IssueType => &["issuetype", "type"],
            Field::Created => &["created", "createdDate"],
            Field::Updated => &["updated", "updatedDate"],
            Field::Resolved => &["resolved", "resolutiondate", "resolutionDate"],
            Field::Summary => &["summary"],
            Field::Description => &["description"],
            Field::Comment => &["comment"],
            Field::Text => &["text"],
        }
    }

    /// The field a name in a query means, any case.
    pub fn parse(name: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|field| {
            field
                .clause_names()
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
        })
    }

    fn takes(self) -> Takes {
        let (equality, order, empty, contains) = match self {
            Field::Project | Field::Status | Field::StatusCategory | Field::IssueType => {
                (true, false, false, false)
            }
            Field::Key => (true, true, false, false),
            Field::Priority | Field::Severity => (true, true, true, false),
            Field::Assignee
            | Field::Reporter
            | Field::Resolution
            | Field::Labels
            | Field::Component => (true, false, true, false),
            Field::Created | Field::Updated => (true, true, false, false),
            Field::Resolved => (true, true, true, false),
            Field::Summary | Field::Text => (false, false, false, true),
            Field::Description | Field::Comment => (false, false, true, true),
        };
        Takes {
            equality,
            order,
            empty,
            contains,
        }
    }

    pub fn supports(self, operator: Operator) -> bool {
        let takes = self.takes();
        match operator {
            Operator::Equals | Operator::NotEquals | Operator::In | Operator::NotIn => {
                takes.equality
            }
            Operator::Greater
            | Operator::GreaterOrEqual
            | Operator::Less
            | Operator::LessOrEqual => takes.order,
            Operator::Is | Operator::IsNot => takes.empty,
            Operator::Contains | Operator::NotContains => takes.contains,
        }
    }

    /// Whether `ORDER BY` takes the field.
    pub fn sortable(self) -> bool {
        !matches!(
            self,
            Field::Text | Field::Comment | Field::Description | Field::Labels | Field::Component
        )
    }
}
