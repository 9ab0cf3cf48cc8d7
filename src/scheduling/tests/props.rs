//! Property tests over random tenants (time zones with DST, including
//! half-hour shifts), random hours, durations, buffers, notice, horizon,
//! closures and bookings, with `now` near DST transitions: every offered
//! slot obeys every rule, lists are sorted and unique, and `check` agrees
//! with `free_slots`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::super::{Booked, Closure, Rules, Slot, TimeRange, WeeklyHours};
use super::{d, t};

const ZONES: [Tz; 8] = [
    chrono_tz::America::New_York,
    chrono_tz::Australia::Sydney,
    chrono_tz::Europe::London,
    chrono_tz::Australia::Lord_Howe, // 30-minute DST shift
    chrono_tz::Pacific::Chatham,     // +12:45 / +13:45
    chrono_tz::America::Santiago,    // transitions at midnight
    chrono_tz::Asia::Kolkata,        // no DST
    chrono_tz::UTC,
];

/// The 2026 transition days (Sundays) of each zone above, by index.
fn transitions(zone: usize) -> [NaiveDate; 2] {
    match zone {
        0 => [d(2026, 3, 8), d(2026, 11, 1)],
        1 | 3 => [d(2026, 4, 5), d(2026, 10, 4)],
        2 => [d(2026, 3, 29), d(2026, 10, 25)],
        4 => [d(2026, 4, 5), d(2026, 9, 27)],
        5 => [d(2026, 4, 5), d(2026, 9, 6)],
        _ => [d(2026, 3, 8), d(2026, 6, 10)],
    }
}

/// Sorted, non-overlapping ranges on a 5-minute grid (0-3 per day), often
/// covering the night hours where DST transitions happen.
fn day_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
    let random = prop::collection::vec(0u32..=288, 0..=6).prop_map(|mut cuts| {
        cuts.sort_unstable();
        cuts.dedup();
        cuts.chunks_exact(2)
            .filter_map(|c| TimeRange::from_minutes(c[0] * 5, c[1] * 5).ok())
            .collect()
    });
    let fixed = |a: u32, b: u32| Just(TimeRange::from_minutes(a, b).into_iter().collect());
    prop_oneof![
        4 => random,
        1 => fixed(0, 1440),
        1 => fixed(0, 240),
        1 => fixed(90, 210),
        1 => fixed(480, 1200),
    ]
}

#[derive(Debug, Clone)]
struct Scenario {
    rules: Rules,
    booked: Vec<Booked>,
    now: DateTime<Utc>,
    date: NaiveDate,
}

prop_compose! {
    fn scenario()(
        zone in 0..ZONES.len(),
        days in prop::array::uniform7(day_ranges()),
        duration_min in prop_oneof![Just(30u32), Just(60), 1u32..=180],
        buffer_min in prop_oneof![Just(0u32), 0u32..=45],
        min_notice_min in prop_oneof![Just(0u32), 0u32..=720],
        horizon_days in 0u32..=8,
        which in 0..2usize,
        offset_min in 0i64..(3 * 24 * 60),
        on_transition in any::<bool>(),
        date_offset in -1i64..=4,
        closures in prop::collection::vec(
            (0i64..=5, 0i64..=2, prop::option::of((0u32..288, 1u32..=96))), 0..=2),
        bookings in prop::collection::vec((-1i64..=1, 0u32..288, 0u32..=150), 0..=16),
    ) -> Scenario {
        let tz = ZONES[zone];
        let hours = WeeklyHours::new(days).unwrap_or_default();
        // `now` is within the two days before the end of a transition day.
        let transition = transitions(zone)[which];
        let now = Utc.from_utc_datetime(&transition.and_time(t(0, 0)))
            + Duration::minutes(offset_min - 2 * 24 * 60);
        let today = now.with_timezone(&tz).date_naive();
        let day = |off: i64| today + Duration::days(off);
        let date = if on_transition { transition } else { day(date_offset) };
        let closures = closures
            .into_iter()
            .map(|(start, len, times)| Closure {
                from: day(start),
                to: day(start + len),
                reason: format!("closure {start}"),
                times: times.and_then(|(s, l)| {
                    TimeRange::from_minutes(s * 5, (s * 5 + l * 5).min(1440)).ok()
                }),
            })
            .collect();
        let booked = bookings
            .into_iter()
            .map(|(off, m, duration_min)| Booked {
                date: date + Duration::days(off),
                time: t(m * 5 / 60, m * 5 % 60),
                duration_min,
            })
            // Bookings are made at existing local times (the engine's
            // handling of nonexistent ones has its own unit test).
            .filter(|b| tz.from_local_datetime(&b.date.and_time(b.time)).earliest().is_some())
            .collect();
        let rules = Rules {
            tz, hours, duration_min, buffer_min, min_notice_min, horizon_days, closures,
        };
        Scenario { rules, booked, now, date }
    }
}

fn first_instant(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|x| x.with_timezone(&Utc))
}

fn minute_naive(date: NaiveDate, minute: u32) -> NaiveDateTime {
    date.and_time(t(0, 0)) + Duration::minutes(i64::from(minute))
}

/// Checks one offered slot against every rule, computed independently.
fn assert_slot_obeys_rules(s: &Scenario, slot: &Slot) -> Result<(), TestCaseError> {
    let r = &s.rules;
    let dur = Duration::minutes(i64::from(r.duration_min));
    let buf = Duration::minutes(i64::from(r.buffer_min));
    let naive = slot.date.and_time(slot.time);
    // The slot is the first occurrence of an existing local time.
    prop_assert_eq!(first_instant(r.tz, naive), Some(slot.starts_at_utc));
    prop_assert_eq!(slot.starts_at_utc.with_timezone(&r.tz).naive_local(), naive);
    prop_assert_eq!(slot.ends_at_utc - slot.starts_at_utc, dur);
    // Inside an opening range, on its grid, fitting on the wall clock and in
    // real time.
    let minute = slot.time.hour_minute();
    let step = r.duration_min + r.buffer_min;
    let range = r.hours.ranges(slot.date.weekday()).iter().find(|x| {
        x.start_minute() <= minute
            && minute + r.duration_min <= x.end_minute()
            && (minute - x.start_minute()).is_multiple_of(step)
    });
    prop_assert!(range.is_some(), "slot {:?} not inside opening hours", slot);
    if let Some(range) = range {
        if let Some(close) = first_instant(r.tz, minute_naive(slot.date, range.end_minute())) {
            prop_assert!(
                slot.ends_at_utc <= close,
                "slot {:?} ends after closing",
                slot
            );
        }
        if let Some(open) = first_instant(r.tz, minute_naive(slot.date, range.start_minute())) {
            prop_assert!(slot.starts_at_utc >= open);
        }
    }
    prop_assert!(r.is_open_at(slot.starts_at_utc));
    // Notice and horizon.
    prop_assert!(slot.starts_at_utc >= s.now + Duration::minutes(i64::from(r.min_notice_min)));
    let today = r.local_today(s.now);
    prop_assert!(slot.date >= today);
    prop_assert!(slot.date <= today + Duration::days(i64::from(r.horizon_days)));
    // Closures.
    for c in r.closures.iter().filter(|c| c.covers(slot.date)) {
        match c.times {
            None => prop_assert!(false, "slot {:?} on closed day {:?}", slot, c),
            Some(times) => {
                let from = first_instant(r.tz, minute_naive(slot.date, times.start_minute()));
                let to = first_instant(r.tz, minute_naive(slot.date, times.end_minute()));
                if let (Some(from), Some(to)) = (from, to) {
                    prop_assert!(
                        !(from < slot.ends_at_utc && slot.starts_at_utc < to),
                        "slot {:?} overlaps {:?}",
                        slot,
                        c
                    );
                }
            }
        }
    }
    // Bookings, with the buffer on both sides.
    for b in &s.booked {
        let Some(start) = first_instant(r.tz, b.date.and_time(b.time)) else {
            continue;
        };
        let len = if b.duration_min == 0 {
            r.duration_min
        } else {
            b.duration_min
        };
        let end = start + Duration::minutes(i64::from(len));
        prop_assert!(
            !(slot.starts_at_utc < end + buf && start - buf < slot.ends_at_utc),
            "slot {:?} overlaps booking {:?} (buffer {})",
            slot,
            b,
            r.buffer_min
        );
    }
    Ok(())
}

trait HourMinute {
    fn hour_minute(&self) -> u32;
}

impl HourMinute for NaiveTime {
    fn hour_minute(&self) -> u32 {
        use chrono::Timelike;
        self.hour() * 60 + self.minute()
    }
}

fn assert_sorted_unique(slots: &[Slot]) -> Result<(), TestCaseError> {
    for w in slots.windows(2) {
        prop_assert!(
            w[0].starts_at_utc < w[1].starts_at_utc,
            "{:?} then {:?}",
            w[0],
            w[1]
        );
        prop_assert!((w[0].date, w[0].time) != (w[1].date, w[1].time));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn offered_slots_obey_every_rule(s in scenario()) {
        let slots = s.rules.free_slots(s.date, &s.booked, s.now);
        assert_sorted_unique(&slots)?;
        for slot in &slots {
            prop_assert_eq!(slot.date, s.date);
            assert_slot_obeys_rules(&s, slot)?;
        }
    }

    #[test]
    fn check_agrees_with_free_slots(s in scenario(), extra in prop::collection::vec(0u32..1440, 8)) {
        let slots = s.rules.free_slots(s.date, &s.booked, s.now);
        let minutes = (0..1440).step_by(5).chain(extra);
        for m in minutes {
            let time = t(m / 60, m % 60);
            let listed = slots.iter().find(|x| x.time == time);
            match s.rules.check(s.date, time, &s.booked, s.now) {
                Ok(slot) => prop_assert_eq!(Some(&slot), listed, "check accepted {}", time),
                Err(why) => prop_assert!(listed.is_none(), "check refused listed {} ({})", time, why.code()),
            }
        }
        for slot in &slots {
            prop_assert_eq!(s.rules.check(slot.date, slot.time, &s.booked, s.now), Ok(*slot));
        }
    }

    #[test]
    fn next_free_slots_are_the_following_free_slots_in_order(s in scenario(), n in 0usize..40, from_offset in -120i64..2000) {
        let from = s.now + Duration::minutes(from_offset);
        let next = s.rules.next_free_slots(from, n, &s.booked, s.now);
        assert_sorted_unique(&next)?;
        let today = s.rules.local_today(s.now);
        let expected: Vec<Slot> = (0..=i64::from(s.rules.horizon_days))
            .flat_map(|k| s.rules.free_slots(today + Duration::days(k), &s.booked, s.now))
            .filter(|x| x.starts_at_utc >= from)
            .take(n)
            .collect();
        prop_assert_eq!(&next, &expected);
        for slot in &next {
            assert_slot_obeys_rules(&s, slot)?;
        }
    }

    #[test]
    fn nearest_free_offers_free_slots_same_day_first(s in scenario(), m in 0u32..1440, n in 0usize..5) {
        let time = t(m / 60, m % 60);
        let near = s.rules.nearest_free(s.date, time, n, &s.booked, s.now);
        prop_assert!(near.len() <= n);
        for slot in &near {
            prop_assert_eq!(s.rules.check(slot.date, slot.time, &s.booked, s.now), Ok(*slot));
            prop_assert!(slot.date >= s.date);
        }
        let mut starts: Vec<_> = near.iter().map(|x| x.starts_at_utc).collect();
        starts.sort();
        starts.dedup();
        prop_assert_eq!(starts.len(), near.len());
        // Same-day slots come first; no skipped same-day slot is nearer
        // than an offered one, and later days only once the day is used up.
        let same_day = s.rules.free_slots(s.date, &s.booked, s.now);
        let offered_same = near.iter().take_while(|x| x.date == s.date).count();
        prop_assert!(near[offered_same..].iter().all(|x| x.date > s.date));
        prop_assert_eq!(offered_same, same_day.len().min(n));
    }

    #[test]
    fn arbitrary_settings_never_panic(
        s in scenario(),
        duration_min in any::<u32>(),
        buffer_min in any::<u32>(),
        min_notice_min in any::<u32>(),
        horizon_days in prop_oneof![any::<u32>(), 0u32..1000],
        secs in 0u32..60,
        m in 0u32..1440,
    ) {
        let mut r = s.rules.clone();
        r.duration_min = duration_min % 3000;
        r.buffer_min = buffer_min;
        r.min_notice_min = min_notice_min;
        r.horizon_days = horizon_days;
        let time = NaiveTime::from_hms_opt(m / 60, m % 60, secs).unwrap_or(NaiveTime::MIN);
        let slots = r.free_slots(s.date, &s.booked, s.now);
        let checked = r.check(s.date, time, &s.booked, s.now);
        if let Ok(slot) = checked {
            prop_assert!(slots.contains(&slot));
        }
        let _ = r.next_free_slots(s.now, 3, &s.booked, s.now);
        let _ = r.nearest_free(s.date, time, 2, &s.booked, s.now);
        let _ = r.is_open_at(s.now);
        let _ = r.validate();
    }
}
