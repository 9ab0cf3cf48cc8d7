//! Owns the data the engine works on: a tenant's `Rules` (time zone, hours,
//! durations, notice, horizon, closures) with their limits and validation,
//! plus `Closure`, `Booked`, `Slot` and `Period`. The queries on `Rules` live
//! in `engine.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::error::SettingsError;
use super::hours::{MINUTES_PER_DAY, TimeRange, WeeklyHours};

/// Longest appointment: a whole day.
pub const MAX_DURATION_MIN: u32 = MINUTES_PER_DAY;
/// Longest buffer between appointments: a whole day.
pub const MAX_BUFFER_MIN: u32 = MINUTES_PER_DAY;
/// Longest minimum notice: 365 days.
pub const MAX_MIN_NOTICE_MIN: u32 = 365 * MINUTES_PER_DAY;
/// Furthest booking horizon: 730 days. Queries never look further ahead,
/// whatever `horizon_days` says.
pub const MAX_HORIZON_DAYS: u32 = 730;

/// A period of days on which the business is closed: holidays, vacations,
/// renovations. `from..=to` are inclusive local dates. With `times` set, only
/// that part of each of those days is closed (e.g. closing early on
/// Christmas Eve); a slot that overlaps it is unavailable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<TimeRange>,
}

impl Closure {
    /// Closed all day on `date`.
    pub fn day(date: NaiveDate, reason: impl Into<String>) -> Self {
        Closure::days(date, date, reason)
    }

    /// Closed all day from `from` to `to`, inclusive.
    pub fn days(from: NaiveDate, to: NaiveDate, reason: impl Into<String>) -> Self {
        Closure {
            from,
            to,
            reason: reason.into(),
            times: None,
        }
    }

    /// Closed during `times` on `date` only.
    pub fn part_of_day(date: NaiveDate, times: TimeRange, reason: impl Into<String>) -> Self {
        Closure {
            from: date,
            to: date,
            reason: reason.into(),
            times: Some(times),
        }
    }

    /// Whether this closure applies on `date` (wholly or in part).
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// Whether this closure closes whole days.
    pub fn is_whole_day(&self) -> bool {
        self.times.is_none()
    }
}

/// An existing appointment, in the tenant's local time. A `duration_min` of
/// 0 means "unknown" and is taken as the tenant's appointment duration. An
/// ambiguous local time (fall back) is taken as its first occurrence, the
/// only one ever offered; a nonexistent one (bad data) as the moment the
/// clocks jump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booked {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub duration_min: u32,
}

/// A bookable appointment start: local date and wall-clock time, plus the
/// instants it starts and ends (end = start + the tenant's duration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slot {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub starts_at_utc: DateTime<Utc>,
    pub ends_at_utc: DateTime<Utc>,
}

/// A part of the day, by a slot's local start time: morning before 12:00,
/// afternoon 12:00 to before 17:00, evening from 17:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Morning,
    Afternoon,
    Evening,
}

impl Period {
    /// The period that a local start time falls in.
    pub fn of(time: NaiveTime) -> Period {
        match time.hour() {
            0..=11 => Period::Morning,
            12..=16 => Period::Afternoon,
            _ => Period::Evening,
        }
    }

    /// Whether a local start time falls in this period.
    pub fn contains(self, time: NaiveTime) -> bool {
        Period::of(time) == self
    }

    /// "morning", "afternoon" or "evening".
    pub fn code(self) -> &'static str {
        match self {
            Period::Morning => "morning",
            Period::Afternoon => "afternoon",
            Period::Evening => "evening",
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Period {
    type Err = SettingsError;

    /// Accepts "morning", "afternoon", "evening" in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "morning" => Ok(Period::Morning),
            "afternoon" => Ok(Period::Afternoon),
            "evening" => Ok(Period::Evening),
            _ => Err(SettingsError::new(
                "period",
                format!("unknown period \"{s}\" (expected morning, afternoon or evening)"),
            )),
        }
    }
}

/// Parses an IANA time zone name such as "America/New_York".
pub fn parse_tz(name: &str) -> Result<Tz, SettingsError> {
    name.trim().parse::<Tz>().map_err(|_| {
        SettingsError::new(
            "tz",
            format!("unknown time zone \"{name}\" (expected an IANA name like America/New_York)"),
        )
    })
}

/// One tenant's scheduling rules. Fields are public so settings can be
/// assembled freely; [`Rules::validate`] reports bad values to the owner, and
/// the queries never panic on them (an unusable duration makes every
/// request `InvalidDuration`; the horizon is capped at [`MAX_HORIZON_DAYS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// The business's time zone; all dates and times are local to it.
    pub tz: Tz,
    pub hours: WeeklyHours,
    /// Length of an appointment, 1..=1440 minutes.
    pub duration_min: u32,
    /// Minimum gap between two appointments, 0..=1440 minutes.
    pub buffer_min: u32,
    /// How long before its start an appointment must be booked.
    pub min_notice_min: u32,
    /// How many days after today (local) can be booked; 0 = today only.
    pub horizon_days: u32,
    pub closures: Vec<Closure>,
}

impl Default for Rules {
    /// America/New_York, Monday to Friday 09:00-17:00, 30-minute
    /// appointments, no buffer, 60 minutes' notice, 60 days ahead.
    fn default() -> Self {
        Rules {
            tz: chrono_tz::America::New_York,
            hours: WeeklyHours::default(),
            duration_min: 30,
            buffer_min: 0,
            min_notice_min: 60,
            horizon_days: 60,
            closures: Vec::new(),
        }
    }
}

impl Rules {
    /// Checks every setting against its limits, returning the first problem
    /// as an owner-readable message. (Hours and closure times are validated
    /// when they are built or parsed.)
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.duration_min == 0 || self.duration_min > MAX_DURATION_MIN {
            return Err(SettingsError::new(
                "duration_min",
                format!(
                    "appointment length must be between 1 and {MAX_DURATION_MIN} minutes (got {})",
                    self.duration_min
                ),
            ));
        }
        if self.buffer_min > MAX_BUFFER_MIN {
            return Err(SettingsError::new(
                "buffer_min",
                format!(
                    "buffer between appointments must be at most {MAX_BUFFER_MIN} minutes (got {})",
                    self.buffer_min
                ),
            ));
        }
        if self.min_notice_min > MAX_MIN_NOTICE_MIN {
            return Err(SettingsError::new(
                "min_notice_min",
                format!(
                    "minimum notice must be at most {MAX_MIN_NOTICE_MIN} minutes (365 days) (got {})",
                    self.min_notice_min
                ),
            ));
        }
        if self.horizon_days > MAX_HORIZON_DAYS {
            return Err(SettingsError::new(
                "horizon_days",
                format!(
                    "booking horizon must be at most {MAX_HORIZON_DAYS} days (got {})",
                    self.horizon_days
                ),
            ));
        }
        for (i, c) in self.closures.iter().enumerate() {
            if c.to < c.from {
                let name = if c.reason.trim().is_empty() {
                    format!("closure {}", i + 1)
                } else {
                    format!("closure \"{}\"", c.reason.trim())
                };
                return Err(SettingsError::new(
                    format!("closures[{i}]"),
                    format!("{name} ends ({}) before it starts ({})", c.to, c.from),
                ));
            }
        }
        Ok(())
    }
}
