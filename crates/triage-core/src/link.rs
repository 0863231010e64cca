//! Typed links between incidents, read from both sides: "INC-1 blocks INC-2" is shown on
//! INC-2 as "is blocked by INC-1".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkType {
    Relates,
    Duplicates,
    Causes,
    Blocks,
}

/// Which end of a link an incident is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// The incident is the link's source: "INC-1 blocks …".
    Outward,
    /// The incident is the link's target: "… is blocked by INC-1".
    Inward,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown link type '{0}': use relates, duplicates, is duplicated by, causes, is caused by, blocks or is blocked by"
)]
pub struct UnknownLinkType(pub String);

impl LinkType {
    pub const ALL: [LinkType; 4] = [
        LinkType::Relates,
        LinkType::Duplicates,
        LinkType::Causes,
        LinkType::Blocks,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::Relates => "relates",
            LinkType::Duplicates => "duplicates",
            LinkType::Causes => "causes",
            LinkType::Blocks => "blocks",
        }
    }

    /// How the link reads from the given side.
    pub fn phrase(self, direction: LinkDirection) -> &'static str {
        match (self, direction) {
            (LinkType::Relates, _) => "relates to",
            (LinkType::Duplicates, LinkDirection::Outward) => "duplicates",
            (LinkType::Duplicates, LinkDirection::Inward) => "is duplicated by",
            (LinkType::Causes, LinkDirection::Outward) => "causes",
            (LinkType::Causes, LinkDirection::Inward) => "is caused by",
            (LinkType::Blocks, LinkDirection::Outward) => "blocks",
            (LinkType::Blocks, LinkDirection::Inward) => "is blocked by",
        }
    }

    /// Parses a type as a person writes it from the side of the incident they are on.
    /// "is caused by" gives `(Causes, Inward)`: the other incident is the source.
    pub fn parse_phrase(text: &str) -> Result<(LinkType, LinkDirection), UnknownLinkType> {
        let normalized = text
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let parsed = match normalized.as_str() {
            "relates" | "relates to" | "relate" | "related" => {
                (LinkType::Relates, LinkDirection::Outward)
            }
            "duplicates" | "duplicate" => (LinkType::Duplicates, LinkDirection::Outward),
            "is duplicated by" | "duplicated by" => (LinkType::Duplicates, LinkDirection::Inward),
            "causes" | "cause" => (LinkType::Causes, LinkDirection::Outward),
            "is caused by" | "caused by" => (LinkType::Causes, LinkDirection::Inward),
            "blocks" | "block" => (LinkType::Blocks, LinkDirection::Outward),
            "is blocked by" | "blocked by" => (LinkType::Blocks, LinkDirection::Inward),
            _ => return Err(UnknownLinkType(text.to_string())),
        };
        Ok(parsed)
    }

    pub fn from_stored(text: &str) -> Option<LinkType> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_read_from_both_sides() {
        assert_eq!(
            LinkType::Blocks.phrase(LinkDirection::Inward),
            "is blocked by"
        );
        assert_eq!(
            LinkType::Relates.phrase(LinkDirection::Inward),
            "relates to"
        );
    }

    #[test]
    fn every_phrase_parses_back() {
        for link_type in LinkType::ALL {
            for direction in [LinkDirection::Outward, LinkDirection::Inward] {
                let (parsed, parsed_direction) =
                    LinkType::parse_phrase(link_type.phrase(direction)).unwrap();
                assert_eq!(parsed, link_type);
                if link_type != LinkType::Relates {
                    assert_eq!(parsed_direction, direction);
                }
            }
        }
        assert_eq!(
            LinkType::parse_phrase("Is_Caused_By").unwrap(),
            (LinkType::Causes, LinkDirection::Inward)
        );
        assert!(LinkType::parse_phrase("fixes").is_err());
    }
}
