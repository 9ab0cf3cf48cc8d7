//! IANA time zones (chrono-tz). Appointments and "today" are always in the
//! business's zone, never the server's or UTC.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        s.parse::<chrono_tz::Tz>().map(Self).map_err(|_| {
            format!("'{s}' is not a known time zone; use an IANA name such as America/New_York")
        })
    }
    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::America::New_York)
    }
}

impl Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}
