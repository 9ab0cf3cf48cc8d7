//! Email addresses: trimmed, lower-cased and checked for a plausible shape.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim().to_lowercase();
        if s.is_empty() {
            return Err("an email address is required".into());
        }
        if s.len() > 254 {
            return Err("that email address is too long".into());
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(format!("'{s}' is not an email address (it has no @)"));
        };
        let ok_chars = |part: &str| {
            part.chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c))
        };
        if local.is_empty()
            || local.len() > 64
            || domain.len() < 3
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
            || !ok_chars(local)
            || !ok_chars(domain)
        {
            return Err(format!("'{s}' is not a valid email address"));
        }
        Ok(Self(s))
    }

    pub fn from_db(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Email;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("  Owner@Example.COM ").unwrap().as_str(),
            "owner@example.com"
        );
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "plain",
            "@example.com",
            "a@b",
            "a@.com",
            "a@com.",
            "a b@example.com",
            "a@@example.com",
            "a@exa..mple.com",
        ] {
            assert!(Email::parse(s).is_err(), "{s}");
        }
    }
}
