//! Owns opening hours: `TimeRange` (one validated wall-clock range within a
//! day), `WeeklyHours` (the ranges of each weekday) and their JSON form
//! `{"mon":[["09:00","12:00"],["13:00","17:00"]],...,"sun":[]}` with
//! owner-readable validation messages. Times are whole minutes; "24:00" is
//! accepted as a closing time meaning midnight at the end of the day.

use chrono::{NaiveTime, Timelike, Weekday};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;

use super::error::SettingsError;

/// Minutes in a (wall-clock) day; the largest allowed closing minute (24:00).
pub const MINUTES_PER_DAY: u32 = 24 * 60;

/// Monday first, the order used everywhere in this module and in the JSON.
pub(crate) const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

fn day_index(wd: Weekday) -> usize {
    wd.num_days_from_monday() as usize
}

/// English name of a weekday, lower case ("tuesday").
pub(crate) fn day_name(wd: Weekday) -> &'static str {
    DAY_NAMES[day_index(wd)]
}

/// Formats minutes since midnight as "HH:MM" (1440 is "24:00").
pub(crate) fn format_minute(m: u32) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// Parses "HH:MM" or "H:MM" (00:00..=24:00) into minutes since midnight.
fn parse_clock(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m >= 60 || h > 24 || (h == 24 && m != 0) {
        return None;
    }
    Some(h * 60 + m)
}

fn minute_of(t: NaiveTime) -> Option<u32> {
    if t.second() != 0 || t.nanosecond() != 0 {
        return None;
    }
    Some(t.hour() * 60 + t.minute())
}

/// One opening range within a day, in wall-clock minutes: `start < end`,
/// `end` may be 24:00 (midnight at the end of the day). Ranges never cross
/// midnight; a business open 18:00–02:00 lists 18:00–24:00 on one day and
/// 00:00–02:00 on the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeRange {
    start: u16,
    end: u16,
}

impl TimeRange {
    /// A range from `start` to `end` (both whole minutes, `start < end`).
    /// For a range that lasts until midnight use [`TimeRange::until_midnight`].
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, SettingsError> {
        match (minute_of(start), minute_of(end)) {
            (Some(s), Some(e)) => Self::from_minutes(s, e),
            _ => Err(SettingsError::new(
                "hours",
                "opening times must be whole minutes (like 09:30)",
            )),
        }
    }

    /// A range from `start` until midnight at the end of the day (24:00).
    pub fn until_midnight(start: NaiveTime) -> Result<Self, SettingsError> {
        match minute_of(start) {
            Some(s) => Self::from_minutes(s, MINUTES_PER_DAY),
            None => Err(SettingsError::new(
                "hours",
                "opening times must be whole minutes (like 09:30)",
            )),
        }
    }

    /// A range in minutes since midnight, `start < end <= 1440`.
    pub fn from_minutes(start: u32, end: u32) -> Result<Self, SettingsError> {
        range_from_minutes(start, end).map_err(|m| SettingsError::new("hours", m))
    }

    /// Parses two "HH:MM" strings; "24:00" is allowed as the end only.
    pub fn parse(start: &str, end: &str) -> Result<Self, SettingsError> {
        parse_pair(start, end).map_err(|m| SettingsError::new("hours", m))
    }

    /// Opening time.
    pub fn start(&self) -> NaiveTime {
        // start < 1440 by construction, so this always succeeds.
        NaiveTime::from_hms_opt(u32::from(self.start) / 60, u32::from(self.start) % 60, 0)
            .unwrap_or(NaiveTime::MIN)
    }

    /// Closing time, or `None` when the range lasts until midnight (24:00).
    pub fn end(&self) -> Option<NaiveTime> {
        let e = u32::from(self.end);
        if e >= MINUTES_PER_DAY {
            None
        } else {
            NaiveTime::from_hms_opt(e / 60, e % 60, 0)
        }
    }

    /// Opening time in minutes since midnight (0..1440).
    pub fn start_minute(&self) -> u32 {
        u32::from(self.start)
    }

    /// Closing time in minutes since midnight (1..=1440; 1440 is midnight).
    pub fn end_minute(&self) -> u32 {
        u32::from(self.end)
    }

    /// Whether the wall-clock time `t` is within `[start, end)`.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let m = t.hour() * 60 + t.minute();
        m >= self.start_minute() && m < self.end_minute()
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            format_minute(self.start_minute()),
            format_minute(self.end_minute())
        )
    }
}

fn range_from_minutes(start: u32, end: u32) -> Result<TimeRange, String> {
    if start >= MINUTES_PER_DAY {
        return Err(format!(
            "{} can only be a closing time",
            format_minute(start.min(MINUTES_PER_DAY))
        ));
    }
    if end > MINUTES_PER_DAY {
        return Err("closing time must be at most 24:00".to_string());
    }
    let (s, e) = (format_minute(start), format_minute(end));
    if end == start {
        return Err(format!("closing time {e} is the same as opening time {s}"));
    }
    if end < start {
        let hint = if end == 0 {
            " (write 24:00 for midnight)"
        } else {
            ""
        };
        return Err(format!("closing time {e} is before opening time {s}{hint}"));
    }
    // Both fit in u16: start < 1440 and end <= 1440.
    Ok(TimeRange {
        start: start as u16,
        end: end as u16,
    })
}

fn parse_pair(start: &str, end: &str) -> Result<TimeRange, String> {
    let bad = |s: &str| format!("\"{s}\" is not a time (expected HH:MM, e.g. 09:00)");
    let s = parse_clock(start).ok_or_else(|| bad(start))?;
    let e = parse_clock(end).ok_or_else(|| bad(end))?;
    range_from_minutes(s, e)
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        (
            format_minute(self.start_minute()),
            format_minute(self.end_minute()),
        )
            .serialize(ser)
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let (s, e) = <(String, String)>::deserialize(de)?;
        parse_pair(&s, &e).map_err(D::Error::custom)
    }
}

/// Opening hours for each weekday: per day a list of ranges, sorted by start
/// and non-overlapping (touching is allowed: 09:00-12:00 and 12:00-17:00 are
/// two ranges, each with its own slot grid). An empty list means closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<TimeRange>; 7],
}

impl Default for WeeklyHours {
    /// Monday to Friday 09:00-17:00, closed at the weekend.
    fn default() -> Self {
        let nine_to_five = vec![TimeRange {
            start: 9 * 60,
            end: 17 * 60,
        }];
        let mut days: [Vec<TimeRange>; 7] = Default::default();
        for day in days.iter_mut().take(5) {
            *day = nine_to_five.clone();
        }
        WeeklyHours { days }
    }
}

impl WeeklyHours {
    /// Closed every day.
    pub fn closed() -> Self {
        WeeklyHours {
            days: Default::default(),
        }
    }

    /// Hours from the ranges of each weekday, Monday first. Each day's ranges
    /// are sorted; overlapping ranges are rejected.
    pub fn new(days: [Vec<TimeRange>; 7]) -> Result<Self, SettingsError> {
        let mut out = WeeklyHours::closed();
        for (wd, ranges) in WEEKDAYS.into_iter().zip(days) {
            out.set(wd, ranges)?;
        }
        Ok(out)
    }

    /// The same ranges on each of `weekdays`, closed on the others.
    pub fn on(weekdays: &[Weekday], ranges: &[TimeRange]) -> Result<Self, SettingsError> {
        let mut out = WeeklyHours::closed();
        for &wd in weekdays {
            out.set(wd, ranges.to_vec())?;
        }
        Ok(out)
    }

    /// Replaces one weekday's ranges (sorted; overlaps rejected).
    pub fn set(
        &mut self,
        weekday: Weekday,
        mut ranges: Vec<TimeRange>,
    ) -> Result<(), SettingsError> {
        ranges.sort_by_key(|r| (r.start, r.end));
        for pair in ranges.windows(2) {
            if pair[1].start < pair[0].end {
                return Err(SettingsError::new(
                    format!("hours.{}", DAY_KEYS[day_index(weekday)]),
                    format!(
                        "{}: ranges {} and {} overlap",
                        day_name(weekday),
                        pair[0],
                        pair[1]
                    ),
                ));
            }
        }
        self.days[day_index(weekday)] = ranges;
        Ok(())
    }

    /// Builder form of [`WeeklyHours::set`].
    pub fn with(mut self, weekday: Weekday, ranges: Vec<TimeRange>) -> Result<Self, SettingsError> {
        self.set(weekday, ranges)?;
        Ok(self)
    }

    /// The ranges of `weekday`, sorted by start; empty when closed.
    pub fn ranges(&self, weekday: Weekday) -> &[TimeRange] {
        &self.days[day_index(weekday)]
    }

    /// Whether the business is closed all day on `weekday`.
    pub fn is_closed(&self, weekday: Weekday) -> bool {
        self.ranges(weekday).is_empty()
    }

    /// Parses the settings JSON, e.g.
    /// `{"mon":[["09:00","12:00"],["13:00","17:00"]],"tue":[],...}`.
    /// Keys are `mon`..`sun` (or full names, any case); a missing day, `[]`
    /// or `null` means closed; unknown keys are rejected.
    pub fn from_json(json: &str) -> Result<Self, SettingsError> {
        let value: Value = serde_json::from_str(json).map_err(|e| {
            SettingsError::new("hours", format!("opening hours are not valid JSON: {e}"))
        })?;
        Self::from_json_value(&value)
    }

    /// Like [`WeeklyHours::from_json`], from an already parsed JSON value.
    pub fn from_json_value(value: &Value) -> Result<Self, SettingsError> {
        let obj = value.as_object().ok_or_else(|| {
            SettingsError::new(
                "hours",
                "opening hours must be an object like {\"mon\": [[\"09:00\", \"17:00\"]], \"sun\": []}",
            )
        })?;
        let mut seen = [false; 7];
        let mut out = WeeklyHours::closed();
        for (key, ranges) in obj {
            let lower = key.trim().to_ascii_lowercase();
            let idx = DAY_KEYS
                .iter()
                .position(|k| *k == lower)
                .or_else(|| DAY_NAMES.iter().position(|n| *n == lower))
                .ok_or_else(|| {
                    SettingsError::new(
                        "hours",
                        format!(
                            "unknown day \"{key}\" in opening hours (expected mon, tue, wed, thu, fri, sat, sun)"
                        ),
                    )
                })?;
            let (field, name) = (format!("hours.{}", DAY_KEYS[idx]), DAY_NAMES[idx]);
            if seen[idx] {
                return Err(SettingsError::new(
                    field,
                    format!("{name} is listed twice in opening hours"),
                ));
            }
            seen[idx] = true;
            let day_err = |msg: String| SettingsError::new(field.clone(), format!("{name}: {msg}"));
            let items: &[Value] = match ranges {
                Value::Null => &[],
                Value::Array(items) => items,
                _ => {
                    return Err(day_err(
                        "must be a list of ranges like [[\"09:00\", \"17:00\"]] (or [] when closed)"
                            .to_string(),
                    ));
                }
            };
            let mut parsed = Vec::with_capacity(items.len());
            for item in items {
                let pair = match item.as_array().map(Vec::as_slice) {
                    Some([Value::String(s), Value::String(e)]) => (s, e),
                    _ => {
                        return Err(day_err(
                            "each range must be a pair of times like [\"09:00\", \"17:00\"]"
                                .to_string(),
                        ));
                    }
                };
                parsed.push(parse_pair(pair.0, pair.1).map_err(day_err)?);
            }
            out.set(WEEKDAYS[idx], parsed)?;
        }
        Ok(out)
    }

    /// The settings JSON: all seven days, Monday first, closed days as `[]`.
    pub fn to_json(&self) -> String {
        let days: Vec<String> = DAY_KEYS
            .iter()
            .zip(&self.days)
            .map(|(key, ranges)| {
                let ranges: Vec<String> = ranges
                    .iter()
                    .map(|r| {
                        format!(
                            "[\"{}\",\"{}\"]",
                            format_minute(r.start_minute()),
                            format_minute(r.end_minute())
                        )
                    })
                    .collect();
                format!("\"{key}\":[{}]", ranges.join(","))
            })
            .collect();
        format!("{{{}}}", days.join(","))
    }
}

/// Parses the opening-hours settings JSON (see [`WeeklyHours::from_json`]).
pub fn parse_hours_json(json: &str) -> Result<WeeklyHours, SettingsError> {
    WeeklyHours::from_json(json)
}

impl Serialize for WeeklyHours {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = ser.serialize_map(Some(7))?;
        for (key, ranges) in DAY_KEYS.iter().zip(&self.days) {
            map.serialize_entry(key, ranges)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for WeeklyHours {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(de)?;
        WeeklyHours::from_json_value(&value).map_err(D::Error::custom)
    }
}
