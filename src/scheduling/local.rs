//! Owns the mapping of local wall-clock times to instants across daylight
//! saving transitions. An ambiguous local time (clocks fall back, the time
//! occurs twice) maps to its first occurrence. A nonexistent one (clocks
//! spring forward over it) is reported as skipped, together with the moment
//! the clocks jump (the first instant after the gap), which callers use where
//! they still need an instant (e.g. a closing time that falls in the gap).

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::hours::MINUTES_PER_DAY;

/// Longest gap searched for (time zones have skipped at most a whole day).
const MAX_GAP_MINUTES: i64 = 2 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The local time exists; for an ambiguous one, its first occurrence.
    Exists(DateTime<Utc>),
    /// The local time does not exist; the instant is the end of the gap.
    Skipped(DateTime<Utc>),
}

impl Resolved {
    pub(crate) fn instant(self) -> DateTime<Utc> {
        match self {
            Resolved::Exists(t) | Resolved::Skipped(t) => t,
        }
    }
}

fn exists(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// Resolves a local date-time in `tz`. `None` only if no valid local time
/// follows within two days (does not happen with real time zone data) or
/// the date is at the edge of chrono's range.
pub(crate) fn resolve(tz: Tz, naive: NaiveDateTime) -> Option<Resolved> {
    if let Some(t) = exists(tz, naive) {
        return Some(Resolved::Exists(t));
    }
    (1..=MAX_GAP_MINUTES).find_map(|m| {
        let later = naive.checked_add_signed(Duration::minutes(m))?;
        exists(tz, later).map(Resolved::Skipped)
    })
}

/// Resolves minute `minute` (0..=1440) of `date`'s wall clock; 1440 is
/// midnight at the end of the day, i.e. 00:00 of the next day.
pub(crate) fn resolve_minute(tz: Tz, date: NaiveDate, minute: u32) -> Option<Resolved> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    let naive =
        midnight.checked_add_signed(Duration::minutes(i64::from(minute.min(MINUTES_PER_DAY))))?;
    resolve(tz, naive)
}

/// The instant of a local date and time in `tz` (first occurrence when
/// ambiguous); `None` when that local time does not exist.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
    exists(tz, NaiveDateTime::new(date, time))
}
