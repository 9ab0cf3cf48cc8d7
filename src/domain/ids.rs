//! Identifier newtypes. A `ClientId` names a tenant; only the authenticated
//! extractor, the called number of a voice webhook and admin commands produce one.

use serde::Serialize;
use std::fmt;

/// A tenant (business). Every tenant query takes one and puts it in its `WHERE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(transparent)]
pub struct ClientId(i64);

impl ClientId {
    /// Wraps an id that came from a trusted place (a verified token, a row the
    /// caller already owns, an operator's command line).
    pub fn from_trusted(id: i64) -> Self {
        Self(id)
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(i64);

impl UserId {
    pub fn from_trusted(id: i64) -> Self {
        Self(id)
    }
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
