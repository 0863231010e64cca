//! Status categories: every status is To Do, In Progress or Done, which is what
//! dashboards colour and what "is this incident still open" means.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    ToDo,
    InProgress,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status category '{0}': use \"To Do\", \"In Progress\" or \"Done\"")]
pub struct UnknownCategory(pub String);

impl Category {
    pub const ALL: [Category; 3] = [Category::ToDo, Category::InProgress, Category::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::ToDo => "To Do",
            Category::InProgress => "In Progress",
            Category::Done => "Done",
        }
    }

    /// Accepts "To Do", "todo", "to_do", "In Progress", "in-progress", "Done".
    pub fn parse(text: &str) -> Result<Self, UnknownCategory> {
        let squashed: String = text
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .to_lowercase();
        match squashed.as_str() {
            "todo" => Ok(Category::ToDo),
            "inprogress" => Ok(Category::InProgress),
            "done" => Ok(Category::Done),
            _ => Err(UnknownCategory(text.to_string())),
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Category {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Category {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Category::parse(&text).map_err(serde::de::Error::custom)
    }
}
