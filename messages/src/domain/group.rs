//! A group's name, topic and new members as a client sends them, checked.

use std::collections::BTreeSet;

use shared::events::Role;
use shared::ids::UserId;

/// The longest name, in characters after trimming.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest topic, in characters after trimming.
pub const MAX_TOPIC_CHARS: usize = 500;

/// A group's name: 1 to 100 characters after trimming, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupName(String);

impl GroupName {
    /// Trims and checks; the error is what the client is told.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err("Use a name of 1 to 100 characters.");
        }
        if name.chars().any(char::is_control) {
            return Err("A name cannot hold control characters.");
        }
        Ok(Self(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group's topic: 0 to 500 characters after trimming, no NUL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topic(String);

impl Topic {
    /// Trims and checks; the error is what the client is told.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let topic = raw.trim();
        if topic.chars().count() > MAX_TOPIC_CHARS {
            return Err("Use a topic of at most 500 characters.");
        }
        if topic.contains('\0') {
            return Err("A topic cannot hold NUL characters.");
        }
        Ok(Self(topic.to_owned()))
    }

    /// The topic.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The users to add: repeats and the caller left out, in a stable order.
pub fn new_members(caller: UserId, ids: &[UserId]) -> Vec<UserId> {
    ids.iter()
        .copied()
        .filter(|id| *id != caller)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// A role as a client asks for it (`owner` hands ownership over).
pub fn parse_role(raw: &str) -> Result<Role, &'static str> {
    Role::parse(raw).ok_or("Use admin, member or owner.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(GroupName::parse("  Launch ").unwrap().as_str(), "Launch");
        assert!(GroupName::parse("   ").is_err());
        assert!(GroupName::parse(&"é".repeat(100)).is_ok());
        assert!(GroupName::parse(&"é".repeat(101)).is_err());
        assert!(GroupName::parse("a\u{7}b").is_err());
    }

    #[test]
    fn topics_may_be_empty_and_are_bounded() {
        assert_eq!(Topic::parse("  ").unwrap().as_str(), "");
        assert!(Topic::parse(&"x".repeat(500)).is_ok());
        assert!(Topic::parse(&"x".repeat(501)).is_err());
    }

    #[test]
    fn new_members_leave_out_repeats_and_the_caller() {
        let (me, a, b) = (UserId::new(), UserId::new(), UserId::new());
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(new_members(me, &[a, me, b, a]), expected);
    }
}
