//! Phone numbers in E.164 (`+15552120987`). Input may carry any punctuation; a
//! 10-digit number is taken as North American (NANP) and checked as such.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct E164(String);

impl E164 {
    /// Parses a phone number written the way people write them.
    /// Returns a message a person can act on when it is not a phone number.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("a phone number is required".into());
        }
        if trimmed.len() > 40 {
            return Err("that phone number is too long".into());
        }
        let plus = trimmed.starts_with('+');
        let mut digits = String::with_capacity(16);
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(format!("'{trimmed}' is not a phone number")),
            }
        }
        let e164 = if plus {
            if !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
                return Err(format!(
                    "'{trimmed}' is not a valid international number (expected + and 8 to 15 digits)"
                ));
            }
            digits
        } else if digits.len() == 10 {
            format!("1{digits}")
        } else if digits.len() == 11 && digits.starts_with('1') {
            digits
        } else {
            return Err(format!(
                "'{trimmed}' is not a valid phone number: use 10 digits like (555) 212-0987, or + and the country code"
            ));
        };
        if let Some(national) = e164.strip_prefix('1') {
            if national.len() != 10 {
                return Err(format!("'{trimmed}' is not a valid North American number"));
            }
            let b = national.as_bytes();
            if b[0] < b'2' || b[3] < b'2' {
                return Err(format!(
                    "'{trimmed}' is not a valid North American number (area code and exchange cannot start with 0 or 1)"
                ));
            }
        }
        Ok(Self(format!("+{e164}")))
    }

    /// Wraps a value read back from our own database (already E.164).
    pub fn from_db(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `(555) 212-0987` for North American numbers, the E.164 form otherwise.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+1") {
            Some(n) if n.len() == 10 => format!("({}) {}-{}", &n[..3], &n[3..6], &n[6..]),
            _ => self.0.clone(),
        }
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::E164;

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "(555) 212-0987",
            "555-212-0987",
            "555.212.0987",
            "5552120987",
            "1 555 212 0987",
            "+1 555 212 0987",
            "+15552120987",
        ] {
            assert_eq!(E164::parse(s).unwrap().as_str(), "+15552120987", "{s}");
        }
        assert_eq!(
            E164::parse("+44 20 7946 0958").unwrap().as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn rejects_non_numbers() {
        for s in [
            "",
            "abc",
            "555-1234",
            "055-212-0987",
            "555-012-0987",
            "+0123456789",
            "12345678901234567",
            "555-212-0987 ext 4",
        ] {
            assert!(E164::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn displays_nanp_numbers_for_people() {
        assert_eq!(
            E164::parse("5552120987").unwrap().display(),
            "(555) 212-0987"
        );
    }
}
