//! Owns `SettingsError`: the one error type for invalid tenant settings
//! (opening hours JSON, durations, closures, time zone names). Its message is
//! plain English meant to be shown to the business owner as is.

use std::fmt;

/// A tenant setting was rejected. `field` names the setting (e.g. `hours.tue`,
/// `duration_min`, `closures[2]`, `tz`) so a settings page can highlight it;
/// `message` (also the `Display`) explains the problem to the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    field: String,
    message: String,
}

impl SettingsError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        SettingsError {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The setting that was rejected, e.g. `hours.tue` or `duration_min`.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The owner-facing explanation, e.g. `tuesday: closing time 09:00 is before opening time 18:00`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SettingsError {}
