//! Owns the scheduling queries on `Rules`: free slots on a date, the next N
//! free slots, whether a requested local date+time is bookable (and why
//! not), nearest alternatives, period filtering, "open now?" and "today".
//!
//! One function, `evaluate`, decides whether a single local date+time is
//! bookable; every slot list is the slot-grid candidates that `evaluate`
//! accepts, so `check` and the lists always agree.
//!
//! Time model: the slot grid (every duration + buffer minutes from each
//! range's opening time), opening ranges and periods are wall-clock (local)
//! times; availability is decided on instants. A slot's start must be a local
//! time that exists (an ambiguous one means its first occurrence, so it is
//! offered once); the appointment must fit its range on the wall clock
//! (start + duration <= closing) and also end, as an instant, no later than
//! the closing instant (which matters across a spring-forward gap). A closing
//! or opening time inside a gap is taken as the moment the clocks jump.
//! Bookings become instant intervals widened by the buffer on both sides, so
//! a slot is free only if at least `buffer_min` minutes separate it from
//! every booking.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Timelike, Utc};

use super::hours::{MINUTES_PER_DAY, TimeRange};
use super::local::{Resolved, resolve, resolve_minute};
use super::rules::{Booked, Closure, MAX_DURATION_MIN, MAX_HORIZON_DAYS, Period, Rules, Slot};
use super::unavailable::Unavailable;

/// Everything a query needs that does not depend on the candidate slot.
struct Ctx<'a> {
    rules: &'a Rules,
    now: DateTime<Utc>,
    today: NaiveDate,
    /// Last bookable local date (`None`: beyond chrono's calendar).
    last_day: Option<NaiveDate>,
    /// `now` + minimum notice.
    earliest: DateTime<Utc>,
    duration_min: u32,
    /// Grid interval: duration + buffer.
    step_min: u32,
    /// Bookings as instant intervals widened by the buffer, merged, sorted.
    blocks: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

fn add_minutes(t: DateTime<Utc>, m: u32) -> DateTime<Utc> {
    t.checked_add_signed(Duration::minutes(i64::from(m)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn sub_minutes(t: DateTime<Utc>, m: u32) -> DateTime<Utc> {
    t.checked_sub_signed(Duration::minutes(i64::from(m)))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn time_of_minute(m: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(m / 60, m % 60, 0)
}

impl<'a> Ctx<'a> {
    fn new(rules: &'a Rules, booked: &[Booked], now: DateTime<Utc>) -> Result<Self, Unavailable> {
        let duration_min = rules.duration_min;
        if duration_min == 0 || duration_min > MAX_DURATION_MIN {
            return Err(Unavailable::InvalidDuration);
        }
        let today = rules.local_today(now);
        let horizon = rules.horizon_days.min(MAX_HORIZON_DAYS);
        let last_day = today.checked_add_days(Days::new(u64::from(horizon)));
        let mut blocks: Vec<_> = booked
            .iter()
            .filter_map(|b| {
                let start = resolve(rules.tz, b.date.and_time(b.time))?.instant();
                let length = if b.duration_min == 0 {
                    duration_min
                } else {
                    b.duration_min
                };
                let end = add_minutes(add_minutes(start, length), rules.buffer_min);
                Some((sub_minutes(start, rules.buffer_min), end))
            })
            .collect();
        blocks.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(blocks.len());
        for (s, e) in blocks {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Ok(Ctx {
            rules,
            now,
            today,
            last_day,
            earliest: add_minutes(now, rules.min_notice_min),
            duration_min,
            step_min: duration_min.saturating_add(rules.buffer_min),
            blocks: merged,
        })
    }

    /// Whether `[start, end)` overlaps any (buffer-widened) booking.
    fn taken(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        let i = self.blocks.partition_point(|b| b.1 <= start);
        self.blocks.get(i).is_some_and(|b| b.0 < end)
    }

    fn past_horizon(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.last_day.filter(|last| date > *last)
    }

    /// The reason a whole date cannot be booked, checked in `evaluate` order
    /// after `InPast`; used to skip dates quickly.
    fn date_blocked(&self, date: NaiveDate) -> Option<Unavailable> {
        if let Some(last_date) = self.past_horizon(date) {
            return Some(Unavailable::BeyondHorizon { last_date });
        }
        if let Some(c) = self
            .rules
            .closures
            .iter()
            .find(|c| c.is_whole_day() && c.covers(date))
        {
            return Some(Unavailable::Closure {
                reason: c.reason.clone(),
            });
        }
        if self.rules.hours.is_closed(date.weekday()) {
            return Some(Unavailable::Closed {
                weekday: date.weekday(),
            });
        }
        None
    }

    /// Decides whether the local `date` + `time` is a free slot.
    fn evaluate(&self, date: NaiveDate, time: NaiveTime) -> Result<Slot, Unavailable> {
        let tz = self.rules.tz;
        let resolved = resolve(tz, date.and_time(time));
        if date < self.today || resolved.is_some_and(|r| r.instant() < self.now) {
            return Err(Unavailable::InPast);
        }
        if let Some(reason) = self.date_blocked(date) {
            return Err(reason);
        }
        let minute = time.hour() * 60 + time.minute();
        let range = self
            .rules
            .hours
            .ranges(date.weekday())
            .iter()
            .find(|r| r.start_minute() <= minute && minute < r.end_minute())
            .ok_or(Unavailable::OutsideHours)?;
        let whole_minute = time.second() == 0 && time.nanosecond() == 0;
        if !whole_minute || !(minute - range.start_minute()).is_multiple_of(self.step_min) {
            return Err(Unavailable::OffGrid {
                every_min: self.step_min,
            });
        }
        if minute + self.duration_min > range.end_minute() {
            return Err(Unavailable::OutsideHours);
        }
        let start = match resolved {
            Some(Resolved::Exists(t)) => t,
            Some(Resolved::Skipped(_)) | None => return Err(Unavailable::NonexistentLocalTime),
        };
        let end = add_minutes(start, self.duration_min);
        match resolve_minute(tz, date, range.end_minute()) {
            Some(close) if end <= close.instant() => {}
            _ => return Err(Unavailable::OutsideHours),
        }
        if let Some(reason) = self.partial_closure(date, start, end) {
            return Err(Unavailable::Closure { reason });
        }
        if start < self.earliest {
            return Err(Unavailable::TooSoon {
                earliest: self.earliest.with_timezone(&tz),
                min_notice_min: self.rules.min_notice_min,
            });
        }
        if self.taken(start, end) {
            return Err(Unavailable::Taken);
        }
        Ok(Slot {
            date,
            time,
            starts_at_utc: start,
            ends_at_utc: end,
        })
    }

    /// The reason of a part-of-day closure on `date` overlapping `[start, end)`.
    fn partial_closure(
        &self,
        date: NaiveDate,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<String> {
        self.rules.closures.iter().find_map(|c| {
            let times = c.times.filter(|_| c.covers(date))?;
            let (from, to) = self.range_instants(date, &times)?;
            (from < end && start < to).then(|| c.reason.clone())
        })
    }

    fn range_instants(
        &self,
        date: NaiveDate,
        r: &TimeRange,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let from = resolve_minute(self.rules.tz, date, r.start_minute())?.instant();
        let to = resolve_minute(self.rules.tz, date, r.end_minute())?.instant();
        Some((from, to))
    }

    /// All free slots on `date`, sorted by start instant.
    fn day_slots(&self, date: NaiveDate) -> Vec<Slot> {
        if date < self.today || self.date_blocked(date).is_some() {
            return Vec::new();
        }
        let step = self.step_min.max(1);
        let mut slots: Vec<Slot> = Vec::new();
        for range in self.rules.hours.ranges(date.weekday()) {
            let mut m = range.start_minute();
            while m < range.end_minute() && m < MINUTES_PER_DAY {
                if let Some(slot) = time_of_minute(m).and_then(|t| self.evaluate(date, t).ok()) {
                    slots.push(slot);
                }
                m = m.saturating_add(step);
            }
        }
        slots.sort_by_key(|s| s.starts_at_utc);
        slots.dedup_by_key(|s| s.starts_at_utc);
        slots
    }

    /// Dates from `first` to the last bookable date, in order.
    fn dates_from(&self, first: NaiveDate) -> impl Iterator<Item = NaiveDate> + '_ {
        let first = first.max(self.today);
        first
            .iter_days()
            .take_while(move |d| self.last_day.is_none_or(|last| *d <= last))
            // Never scan further than the largest horizon (also bounds the
            // loop if the calendar runs out).
            .take(MAX_HORIZON_DAYS as usize + 1)
    }
}

impl Rules {
    /// Today's date in the business's time zone.
    pub fn local_today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The free slots on the local `date`, sorted. Empty when nothing is free
    /// (closed, past, beyond the horizon, all taken) or the duration setting
    /// is invalid.
    pub fn free_slots(&self, date: NaiveDate, booked: &[Booked], now: DateTime<Utc>) -> Vec<Slot> {
        match Ctx::new(self, booked, now) {
            Ok(ctx) => ctx.day_slots(date),
            Err(_) => Vec::new(),
        }
    }

    /// The free slots on `date` whose local start time is in `period`.
    pub fn free_slots_in_period(
        &self,
        date: NaiveDate,
        period: Period,
        booked: &[Booked],
        now: DateTime<Utc>,
    ) -> Vec<Slot> {
        let mut slots = self.free_slots(date, booked, now);
        slots.retain(|s| period.contains(s.time));
        slots
    }

    /// The first `n` free slots starting at or after the instant `from`,
    /// scanning forward day by day up to the booking horizon.
    pub fn next_free_slots(
        &self,
        from: DateTime<Utc>,
        n: usize,
        booked: &[Booked],
        now: DateTime<Utc>,
    ) -> Vec<Slot> {
        let Ok(ctx) = Ctx::new(self, booked, now) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if n == 0 {
            return out;
        }
        for date in ctx.dates_from(self.local_today(from)) {
            for slot in ctx.day_slots(date) {
                if slot.starts_at_utc >= from {
                    out.push(slot);
                    if out.len() >= n {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// Whether the local `date` + `time` can be booked: the slot, or the
    /// reason it cannot (see [`Unavailable`] for the order of reasons). An
    /// ambiguous local time (fall back) means its first occurrence. Agrees
    /// exactly with [`Rules::free_slots`]: `Ok` iff the slot is listed there.
    pub fn check(
        &self,
        date: NaiveDate,
        time: NaiveTime,
        booked: &[Booked],
        now: DateTime<Utc>,
    ) -> Result<Slot, Unavailable> {
        Ctx::new(self, booked, now)?.evaluate(date, time)
    }

    /// Up to `n` free slots near the requested local `date` + `time`, for
    /// offering alternatives: first the free slots of that same day, nearest
    /// first (ties: the earlier one), then the following days' slots in
    /// order, up to the horizon. The requested slot itself is included
    /// (first) if it is free.
    pub fn nearest_free(
        &self,
        date: NaiveDate,
        time: NaiveTime,
        n: usize,
        booked: &[Booked],
        now: DateTime<Utc>,
    ) -> Vec<Slot> {
        let Ok(ctx) = Ctx::new(self, booked, now) else {
            return Vec::new();
        };
        if n == 0 {
            return Vec::new();
        }
        let mut out = ctx.day_slots(date);
        if let Some(target) = resolve(self.tz, date.and_time(time)).map(Resolved::instant) {
            out.sort_by_key(|s| ((s.starts_at_utc - target).abs(), s.starts_at_utc));
        }
        out.truncate(n);
        if out.len() < n
            && let Some(next) = date.succ_opt()
        {
            'days: for d in ctx.dates_from(next) {
                for slot in ctx.day_slots(d) {
                    out.push(slot);
                    if out.len() >= n {
                        break 'days;
                    }
                }
            }
        }
        out
    }

    /// Whether the business is open at the instant `at` (within an opening
    /// range and not closed for a holiday), for "after hours" decisions.
    /// Independent of bookings, notice and horizon.
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        let date = at.with_timezone(&self.tz).date_naive();
        let closures: Vec<&Closure> = self.closures.iter().filter(|c| c.covers(date)).collect();
        if closures.iter().any(|c| c.is_whole_day()) {
            return false;
        }
        // Range ends resolve to instants of the same local date (24:00 is
        // the first instant of the next day), so only `date` matters.
        let inside = |r: &TimeRange| {
            let from = resolve_minute(self.tz, date, r.start_minute()).map(Resolved::instant);
            let to = resolve_minute(self.tz, date, r.end_minute()).map(Resolved::instant);
            matches!((from, to), (Some(f), Some(t)) if f <= at && at < t)
        };
        self.hours.ranges(date.weekday()).iter().any(inside)
            && !closures.iter().filter_map(|c| c.times).any(|r| inside(&r))
    }
}
