//! Tests of the scheduling engine: settings and JSON (`settings`), the
//! booking rules on ordinary days (`rules`), daylight-saving days (`dst`)
//! and property tests over random tenants (`props`).

// Tests start from the default tenant and change one setting at a time.
#![allow(clippy::field_reassign_with_default)]

mod dst;
mod props;
mod rules;
mod settings;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Rules, Slot, TimeRange, WeeklyHours};

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

pub(super) fn t(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("valid test time")
}

pub(super) fn utc(y: i32, m: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, day, h, mi, 0)
        .single()
        .expect("valid test instant")
}

/// A local wall-clock time in `tz` (first occurrence) as an instant.
pub(super) fn local(tz: Tz, y: i32, m: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
    tz.with_ymd_and_hms(y, m, day, h, mi, 0)
        .earliest()
        .expect("existing local test time")
        .with_timezone(&Utc)
}

pub(super) fn range(start: &str, end: &str) -> TimeRange {
    TimeRange::parse(start, end).expect("valid test range")
}

/// Slot start times as "HH:MM".
pub(super) fn hhmm(slots: &[Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.time.format("%H:%M").to_string())
        .collect()
}

/// Open every day with the same ranges, no notice, long horizon.
pub(super) fn every_day(tz: Tz, ranges: &[TimeRange], duration_min: u32) -> Rules {
    use chrono::Weekday::*;
    Rules {
        tz,
        hours: WeeklyHours::on(&[Mon, Tue, Wed, Thu, Fri, Sat, Sun], ranges)
            .expect("valid test hours"),
        duration_min,
        buffer_min: 0,
        min_notice_min: 0,
        horizon_days: 365,
        closures: Vec::new(),
    }
}
