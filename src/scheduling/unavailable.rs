//! Owns `Unavailable`: why a requested local date and time cannot be booked,
//! with an English `Display` for the receptionist and a stable machine code
//! (`code()`) for logs, APIs and tests.

use chrono::{DateTime, NaiveDate, Weekday};
use chrono_tz::Tz;
use std::fmt;

use super::hours::day_name;

/// Why a requested slot cannot be booked. When several reasons apply the
/// first in this order is reported: `InvalidDuration`, `InPast`,
/// `BeyondHorizon`, `Closure` (whole day), `Closed`, `OutsideHours`/`OffGrid`,
/// `NonexistentLocalTime`, `Closure` (part of a day), `TooSoon`, `Taken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// The tenant's appointment duration is not usable (0 or more than a day).
    InvalidDuration,
    /// The requested time has already passed.
    InPast,
    /// The date is after the last bookable date (`last_date`).
    BeyondHorizon { last_date: NaiveDate },
    /// A holiday or other closure covers the date (or the time, for a closure
    /// of part of a day).
    Closure { reason: String },
    /// The business is closed every week on this weekday.
    Closed { weekday: Weekday },
    /// Not within an opening range, or the appointment would not end by the
    /// range's closing time.
    OutsideHours,
    /// Within opening hours but not on the slot grid, which starts at the
    /// opening time and repeats every `every_min` minutes (duration + buffer).
    OffGrid { every_min: u32 },
    /// The local time does not exist that day (clocks spring forward over it).
    NonexistentLocalTime,
    /// Less than the minimum notice from now; `earliest` is the first moment
    /// that satisfies the notice (not necessarily a slot start).
    TooSoon {
        earliest: DateTime<Tz>,
        min_notice_min: u32,
    },
    /// Overlaps an existing booking, including the buffer around it.
    Taken,
}

impl Unavailable {
    /// Stable machine-readable code, e.g. `"taken"` or `"closed"`.
    pub fn code(&self) -> &'static str {
        match self {
            Unavailable::InvalidDuration => "invalid_duration",
            Unavailable::InPast => "in_past",
            Unavailable::BeyondHorizon { .. } => "beyond_horizon",
            Unavailable::Closure { .. } => "closure",
            Unavailable::Closed { .. } => "closed",
            Unavailable::OutsideHours => "outside_hours",
            Unavailable::OffGrid { .. } => "off_grid",
            Unavailable::NonexistentLocalTime => "nonexistent_local_time",
            Unavailable::TooSoon { .. } => "too_soon",
            Unavailable::Taken => "taken",
        }
    }
}

/// "45 minutes", "1 hour", "2 days", "90 minutes".
pub(crate) fn describe_minutes(m: u32) -> String {
    let plural = |n: u32, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if m > 0 && m.is_multiple_of(24 * 60) {
        plural(m / (24 * 60), "day")
    } else if m > 0 && m.is_multiple_of(60) {
        plural(m / 60, "hour")
    } else {
        plural(m, "minute")
    }
}

fn capitalized_day(wd: Weekday) -> String {
    let name = day_name(wd);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::InvalidDuration => f.write_str(
                "appointments cannot be booked: the appointment length setting is invalid \
                 (it must be between 1 minute and 24 hours)",
            ),
            Unavailable::InPast => f.write_str("that time has already passed"),
            Unavailable::BeyondHorizon { last_date } => write!(
                f,
                "that is too far ahead: appointments can be booked up to {}",
                last_date.format("%A, %B %-d, %Y")
            ),
            Unavailable::Closure { reason } if reason.trim().is_empty() => {
                f.write_str("we are closed then")
            }
            Unavailable::Closure { reason } => write!(f, "we are closed then: {}", reason.trim()),
            Unavailable::Closed { weekday } => {
                write!(f, "we are closed on {}s", capitalized_day(*weekday))
            }
            Unavailable::OutsideHours => f.write_str("that is outside our opening hours"),
            Unavailable::OffGrid { every_min } => write!(
                f,
                "appointments start every {} from opening time, and that time is not one of them",
                describe_minutes(*every_min)
            ),
            Unavailable::NonexistentLocalTime => f.write_str(
                "that time does not exist that day because the clocks move forward for daylight saving time",
            ),
            Unavailable::TooSoon {
                earliest,
                min_notice_min,
            } => write!(
                f,
                "that is too soon: we need at least {} of notice, so the earliest possible time is {}",
                describe_minutes(*min_notice_min),
                earliest.format("%A, %B %-d at %H:%M")
            ),
            Unavailable::Taken => f.write_str("that time is already booked"),
        }
    }
}

impl std::error::Error for Unavailable {}
