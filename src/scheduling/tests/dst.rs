//! Daylight-saving days. America/New_York 2026: spring forward Sunday
//! 2026-03-08 (02:00-02:59 does not exist), fall back Sunday 2026-11-01
//! (01:00-01:59 occurs twice). Australia/Sydney 2026: fall back Sunday
//! 2026-04-05 (03:00 AEDT -> 02:00 AEST: 02:00-02:59 occurs twice), spring
//! forward Sunday 2026-10-04 (02:00 -> 03:00: 02:00-02:59 does not exist).
//! The transitions themselves are asserted against chrono-tz first.

use chrono::{Datelike, LocalResult, TimeZone, Weekday};
use chrono_tz::America::New_York as NY;
use chrono_tz::Australia::Sydney;
use chrono_tz::Tz;

use super::super::{Booked, Rules, Unavailable};
use super::{d, every_day, hhmm, local, range, t, utc};

fn kind(tz: Tz, y: i32, m: u32, day: u32, h: u32, mi: u32) -> &'static str {
    let naive = d(y, m, day).and_time(t(h, mi));
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(_) => "single",
        LocalResult::Ambiguous(..) => "ambiguous",
        LocalResult::None => "none",
    }
}

#[test]
fn chrono_tz_agrees_on_the_2026_transitions() {
    for (tz, date) in [
        (NY, d(2026, 3, 8)),
        (NY, d(2026, 11, 1)),
        (Sydney, d(2026, 4, 5)),
        (Sydney, d(2026, 10, 4)),
    ] {
        assert_eq!(date.weekday(), Weekday::Sun, "{tz} {date}");
    }
    assert_eq!(kind(NY, 2026, 3, 8, 1, 59), "single");
    assert_eq!(kind(NY, 2026, 3, 8, 2, 0), "none");
    assert_eq!(kind(NY, 2026, 3, 8, 2, 59), "none");
    assert_eq!(kind(NY, 2026, 3, 8, 3, 0), "single");
    assert_eq!(kind(NY, 2026, 11, 1, 0, 59), "single");
    assert_eq!(kind(NY, 2026, 11, 1, 1, 0), "ambiguous");
    assert_eq!(kind(NY, 2026, 11, 1, 1, 59), "ambiguous");
    assert_eq!(kind(NY, 2026, 11, 1, 2, 0), "single");
    assert_eq!(kind(Sydney, 2026, 4, 5, 1, 59), "single");
    assert_eq!(kind(Sydney, 2026, 4, 5, 2, 0), "ambiguous");
    assert_eq!(kind(Sydney, 2026, 4, 5, 2, 59), "ambiguous");
    assert_eq!(kind(Sydney, 2026, 4, 5, 3, 0), "single");
    assert_eq!(kind(Sydney, 2026, 10, 4, 1, 59), "single");
    assert_eq!(kind(Sydney, 2026, 10, 4, 2, 0), "none");
    assert_eq!(kind(Sydney, 2026, 10, 4, 2, 59), "none");
    assert_eq!(kind(Sydney, 2026, 10, 4, 3, 0), "single");
}

fn before(tz: Tz) -> chrono::DateTime<chrono::Utc> {
    local(tz, 2026, 1, 15, 12, 0)
}

fn assert_strictly_increasing(slots: &[super::super::Slot]) {
    for w in slots.windows(2) {
        assert!(
            w[0].starts_at_utc < w[1].starts_at_utc,
            "{:?} then {:?}",
            w[0],
            w[1]
        );
        assert!(w[0].ends_at_utc <= w[1].starts_at_utc);
    }
}

// ---- New York, spring forward 2026-03-08 ----

#[test]
fn ny_spring_forward_24h_skips_the_missing_hour() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    let day = d(2026, 3, 8);
    let slots = r.free_slots(day, &[], before(NY));
    assert_eq!(slots.len(), 46);
    let times = hhmm(&slots);
    assert!(!times.contains(&"02:00".to_string()) && !times.contains(&"02:30".to_string()));
    let at = |hm: &str| {
        slots
            .iter()
            .find(|s| s.time.format("%H:%M").to_string() == hm)
            .unwrap()
    };
    assert_eq!(at("01:30").starts_at_utc, utc(2026, 3, 8, 6, 30)); // EST
    assert_eq!(at("01:30").ends_at_utc, utc(2026, 3, 8, 7, 0)); // = 03:00 EDT
    assert_eq!(at("03:00").starts_at_utc, utc(2026, 3, 8, 7, 0)); // EDT
    assert_eq!(slots[45].ends_at_utc, utc(2026, 3, 9, 4, 0)); // midnight EDT
    assert_strictly_increasing(&slots);
}

#[test]
fn ny_spring_forward_request_for_a_missing_time_is_refused() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    for m in [0, 30] {
        let e = r
            .check(d(2026, 3, 8), t(2, m), &[], before(NY))
            .unwrap_err();
        assert_eq!(e, Unavailable::NonexistentLocalTime);
        assert_eq!(e.code(), "nonexistent_local_time");
        assert!(e.to_string().contains("clocks move forward"));
    }
    assert!(r.check(d(2026, 3, 8), t(3, 0), &[], before(NY)).is_ok());
    // Closed hours win over the missing time.
    let nine_to_five = every_day(NY, &[range("09:00", "17:00")], 30);
    assert_eq!(
        nine_to_five.check(d(2026, 3, 8), t(2, 30), &[], before(NY)),
        Err(Unavailable::OutsideHours)
    );
}

#[test]
fn ny_spring_forward_range_spanning_the_gap() {
    let r = every_day(NY, &[range("00:00", "04:00")], 60);
    let slots = r.free_slots(d(2026, 3, 8), &[], before(NY));
    assert_eq!(hhmm(&slots), ["00:00", "01:00", "03:00"]);
    // 01:00 EST + 60 minutes = 03:00 EDT, so 01:00 and 03:00 are back to back.
    assert_eq!(slots[1].ends_at_utc, slots[2].starts_at_utc);
    assert!(r.is_open_at(utc(2026, 3, 8, 7, 0))); // 03:00 EDT
    assert!(!r.is_open_at(utc(2026, 3, 8, 8, 0))); // 04:00 EDT
}

#[test]
fn ny_spring_forward_appointment_must_end_by_the_real_closing_time() {
    // 01:30 EST + 60 minutes ends at 03:30 EDT, after the 03:00 closing,
    // although on the wall clock 01:30 + 1h = 02:30 looks inside.
    let r = every_day(NY, &[range("00:30", "03:00")], 60);
    let slots = r.free_slots(d(2026, 3, 8), &[], before(NY));
    assert_eq!(hhmm(&slots), ["00:30"]);
    assert_eq!(
        r.check(d(2026, 3, 8), t(1, 30), &[], before(NY)),
        Err(Unavailable::OutsideHours)
    );
    // On an ordinary Sunday the same hours give two slots.
    assert_eq!(
        hhmm(&r.free_slots(d(2026, 3, 15), &[], before(NY))),
        ["00:30", "01:30"]
    );
}

#[test]
fn ny_spring_forward_bookings_block_in_real_time() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    // 01:30 EST for 60 minutes lasts until 03:30 EDT: 03:00 is taken.
    let b = [Booked {
        date: d(2026, 3, 8),
        time: t(1, 30),
        duration_min: 60,
    }];
    assert_eq!(
        r.check(d(2026, 3, 8), t(3, 0), &b, before(NY)),
        Err(Unavailable::Taken)
    );
    assert!(r.check(d(2026, 3, 8), t(3, 30), &b, before(NY)).is_ok());
    // A booking stored at a nonexistent time (bad data) is taken as starting
    // when the clocks jump (03:00 EDT).
    let bad = [Booked {
        date: d(2026, 3, 8),
        time: t(2, 30),
        duration_min: 30,
    }];
    assert_eq!(
        r.check(d(2026, 3, 8), t(3, 0), &bad, before(NY)),
        Err(Unavailable::Taken)
    );
    assert!(r.check(d(2026, 3, 8), t(1, 30), &bad, before(NY)).is_ok());
}

#[test]
fn ny_spring_forward_next_slots_and_nearest() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    let from = local(NY, 2026, 3, 8, 1, 0);
    assert_eq!(
        hhmm(&r.next_free_slots(from, 4, &[], before(NY))),
        ["01:00", "01:30", "03:00", "03:30"]
    );
    // Asking for the missing 02:30: the nearest real slots are 03:00 and 01:30.
    let near = r.nearest_free(d(2026, 3, 8), t(2, 30), 2, &[], before(NY));
    assert_eq!(hhmm(&near), ["03:00", "01:30"]);
}

#[test]
fn ny_spring_forward_midnight_closing_with_a_gap_range() {
    // A range whose opening time does not exist that day opens when the
    // clocks jump.
    let r = every_day(NY, &[range("02:30", "05:00")], 30);
    let slots = r.free_slots(d(2026, 3, 8), &[], before(NY));
    assert_eq!(hhmm(&slots), ["03:00", "03:30", "04:00", "04:30"]);
    assert!(r.is_open_at(utc(2026, 3, 8, 7, 0))); // 03:00 EDT
    assert!(!r.is_open_at(utc(2026, 3, 8, 6, 59))); // 01:59 EST
}

// ---- New York, fall back 2026-11-01 ----

#[test]
fn ny_fall_back_24h_offers_the_repeated_hour_once() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    let slots = r.free_slots(d(2026, 11, 1), &[], before(NY));
    assert_eq!(slots.len(), 48);
    let times = hhmm(&slots);
    let mut unique = times.clone();
    unique.dedup();
    assert_eq!(unique, times);
    let at = |hm: &str| {
        slots
            .iter()
            .find(|s| s.time.format("%H:%M").to_string() == hm)
            .unwrap()
    };
    assert_eq!(at("01:00").starts_at_utc, utc(2026, 11, 1, 5, 0)); // first, EDT
    assert_eq!(at("01:30").starts_at_utc, utc(2026, 11, 1, 5, 30)); // EDT
    assert_eq!(at("02:00").starts_at_utc, utc(2026, 11, 1, 7, 0)); // EST
    assert_strictly_increasing(&slots);
    let ok = r.check(d(2026, 11, 1), t(1, 30), &[], before(NY)).unwrap();
    assert_eq!(ok.starts_at_utc, utc(2026, 11, 1, 5, 30));
}

#[test]
fn ny_fall_back_range_spanning_the_repeated_hour() {
    let r = every_day(NY, &[range("00:00", "04:00")], 60);
    let slots = r.free_slots(d(2026, 11, 1), &[], before(NY));
    assert_eq!(hhmm(&slots), ["00:00", "01:00", "02:00", "03:00"]);
    let starts: Vec<_> = slots.iter().map(|s| s.starts_at_utc).collect();
    assert_eq!(
        starts,
        [
            utc(2026, 11, 1, 4, 0),
            utc(2026, 11, 1, 5, 0),
            utc(2026, 11, 1, 7, 0),
            utc(2026, 11, 1, 8, 0)
        ]
    );
    // Open during both passes of the repeated hour.
    assert!(r.is_open_at(utc(2026, 11, 1, 5, 30))); // 01:30 EDT
    assert!(r.is_open_at(utc(2026, 11, 1, 6, 30))); // 01:30 EST
    assert!(!r.is_open_at(utc(2026, 11, 1, 9, 0))); // 04:00 EST
}

#[test]
fn ny_fall_back_once_the_first_pass_is_over_the_time_is_past() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    let now = utc(2026, 11, 1, 5, 45); // 01:45 EDT, first pass
    assert_eq!(
        r.check(d(2026, 11, 1), t(1, 30), &[], now),
        Err(Unavailable::InPast)
    );
    let slots = r.free_slots(d(2026, 11, 1), &[], now);
    // The second 01:00/01:30 (EST) are never offered.
    assert_eq!(hhmm(&slots[..2]), ["02:00", "02:30"]);
    assert_eq!(slots[0].starts_at_utc, utc(2026, 11, 1, 7, 0));
}

#[test]
fn ny_fall_back_booking_in_the_repeated_hour_means_the_first_pass() {
    let r = every_day(NY, &[range("00:00", "24:00")], 30);
    let b = [Booked {
        date: d(2026, 11, 1),
        time: t(1, 0),
        duration_min: 30,
    }];
    let free = hhmm(&r.free_slots(d(2026, 11, 1), &b, before(NY)));
    assert_eq!(free.len(), 47);
    assert!(!free.contains(&"01:00".to_string()));
    assert!(free.contains(&"01:30".to_string()));
}

#[test]
fn ny_fall_back_closing_inside_the_repeated_hour_is_the_first_pass() {
    // Closing at 01:30 means 01:30 EDT; a 60-minute 00:30 slot ends then.
    let r = every_day(NY, &[range("00:30", "01:30")], 60);
    let slots = r.free_slots(d(2026, 11, 1), &[], before(NY));
    assert_eq!(hhmm(&slots), ["00:30"]);
    assert!(!r.is_open_at(utc(2026, 11, 1, 6, 15))); // 01:15 EST
}

// ---- Sydney ----

#[test]
fn sydney_fall_back_offers_the_repeated_hour_once() {
    let r = every_day(Sydney, &[range("00:00", "24:00")], 30);
    let day = d(2026, 4, 5);
    let slots = r.free_slots(day, &[], before(Sydney));
    assert_eq!(slots.len(), 48);
    let at = |hm: &str| {
        slots
            .iter()
            .find(|s| s.time.format("%H:%M").to_string() == hm)
            .unwrap()
    };
    assert_eq!(at("02:00").starts_at_utc, utc(2026, 4, 4, 15, 0)); // AEDT +11
    assert_eq!(at("02:30").starts_at_utc, utc(2026, 4, 4, 15, 30)); // AEDT
    assert_eq!(at("03:00").starts_at_utc, utc(2026, 4, 4, 17, 0)); // AEST +10
    assert_strictly_increasing(&slots);
    let ok = r.check(day, t(2, 30), &[], before(Sydney)).unwrap();
    assert_eq!(ok.starts_at_utc, utc(2026, 4, 4, 15, 30));
}

#[test]
fn sydney_fall_back_range_spanning_the_repeated_hour() {
    let r = every_day(Sydney, &[range("01:00", "04:00")], 60);
    let slots = r.free_slots(d(2026, 4, 5), &[], before(Sydney));
    assert_eq!(hhmm(&slots), ["01:00", "02:00", "03:00"]);
    assert!(r.is_open_at(utc(2026, 4, 4, 16, 30))); // 02:30 AEST, second pass
}

#[test]
fn sydney_spring_forward_skips_the_missing_hour() {
    let r = every_day(Sydney, &[range("00:00", "24:00")], 30);
    let day = d(2026, 10, 4);
    let slots = r.free_slots(day, &[], before(Sydney));
    assert_eq!(slots.len(), 46);
    let at = |hm: &str| {
        slots
            .iter()
            .find(|s| s.time.format("%H:%M").to_string() == hm)
            .unwrap()
    };
    assert_eq!(at("01:30").starts_at_utc, utc(2026, 10, 3, 15, 30)); // AEST +10
    assert_eq!(at("03:00").starts_at_utc, utc(2026, 10, 3, 16, 0)); // AEDT +11
    assert_strictly_increasing(&slots);
    assert_eq!(
        r.check(day, t(2, 30), &[], before(Sydney)),
        Err(Unavailable::NonexistentLocalTime)
    );
    assert_eq!(
        r.check(day, t(2, 0), &[], before(Sydney)),
        Err(Unavailable::NonexistentLocalTime)
    );
    let r = every_day(Sydney, &[range("00:00", "04:00")], 60);
    assert_eq!(
        hhmm(&r.free_slots(day, &[], before(Sydney))),
        ["00:00", "01:00", "03:00"]
    );
}

#[test]
fn sydney_local_today_and_default_rules_around_the_transition() {
    let mut r = Rules::default();
    r.tz = Sydney;
    r.horizon_days = 365;
    // Saturday 2026-10-03 15:30 UTC is Sunday 01:30 in Sydney.
    assert_eq!(r.local_today(utc(2026, 10, 3, 15, 30)), d(2026, 10, 4));
    // Monday after the change: 09:00 AEDT = 22:00 UTC the day before.
    let slots = r.free_slots(d(2026, 10, 5), &[], before(Sydney));
    assert_eq!(slots[0].starts_at_utc, utc(2026, 10, 4, 22, 0));
    let slots = r.free_slots(d(2026, 10, 2), &[], before(Sydney));
    assert_eq!(slots[0].starts_at_utc, utc(2026, 10, 1, 23, 0)); // AEST
}
