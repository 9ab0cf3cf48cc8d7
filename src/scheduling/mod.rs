//! Scheduling engine: per-tenant opening hours, closures, durations, buffers,
//! notice and horizon, answering "which slots are free?", "is this time
//! bookable, and if not why?" and "what is nearest?" in the tenant's IANA
//! time zone, daylight-saving transitions included. Pure: no I/O and no
//! clock reads (every query takes `now`).
//!
//! Files: `hours` (opening hours and their JSON), `rules` (tenant settings
//! and the value types), `engine` (the queries), `local` (local time to
//! instant across DST), `unavailable` (refusal reasons), `error` (settings
//! errors).

mod engine;
mod error;
mod hours;
mod local;
mod rules;
mod unavailable;

pub use error::SettingsError;
pub use hours::{MINUTES_PER_DAY, TimeRange, WeeklyHours, parse_hours_json};
pub use local::local_to_utc;
pub use rules::{
    Booked, Closure, MAX_BUFFER_MIN, MAX_DURATION_MIN, MAX_HORIZON_DAYS, MAX_MIN_NOTICE_MIN,
    Period, Rules, Slot, parse_tz,
};
pub use unavailable::Unavailable;

#[cfg(test)]
mod tests;
