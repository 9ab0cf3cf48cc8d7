//! The booking rules on ordinary (non-DST) days in America/New_York:
//! grid, ranges, bookings and buffers, closures, notice, horizon, periods,
//! next slots, nearest alternatives, "open now?", refusal reasons.

use chrono::{Datelike, Duration, Weekday};
use chrono_tz::America::New_York as NY;

use super::super::{Booked, Closure, Period, Rules, Unavailable, WeeklyHours};
use super::{d, hhmm, local, range, t, utc};

/// Friday 2026-05-29 12:00 in New York.
fn friday_noon() -> chrono::DateTime<chrono::Utc> {
    local(NY, 2026, 5, 29, 12, 0)
}

/// Monday 2026-06-01.
fn monday() -> chrono::NaiveDate {
    d(2026, 6, 1)
}

fn booked(h: u32, m: u32, duration_min: u32) -> Booked {
    Booked {
        date: monday(),
        time: t(h, m),
        duration_min,
    }
}

#[test]
fn test_dates_are_the_expected_weekdays() {
    assert_eq!(monday().weekday(), Weekday::Mon);
    assert_eq!(d(2026, 5, 29).weekday(), Weekday::Fri);
}

#[test]
fn default_rules_offer_half_hours_nine_to_five() {
    let r = Rules::default();
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(slots.len(), 16);
    assert_eq!(slots[0].time, t(9, 0));
    assert_eq!(slots[0].starts_at_utc, utc(2026, 6, 1, 13, 0));
    assert_eq!(slots[0].ends_at_utc, utc(2026, 6, 1, 13, 30));
    assert_eq!(slots[15].time, t(16, 30));
    assert!(slots.iter().all(|s| s.date == monday()));
}

#[test]
fn closed_weekday() {
    let r = Rules::default();
    let sat = d(2026, 6, 6);
    assert!(r.free_slots(sat, &[], friday_noon()).is_empty());
    let e = r.check(sat, t(10, 0), &[], friday_noon()).unwrap_err();
    assert_eq!(
        e,
        Unavailable::Closed {
            weekday: Weekday::Sat
        }
    );
    assert_eq!(e.code(), "closed");
    assert_eq!(e.to_string(), "we are closed on Saturdays");
}

#[test]
fn several_ranges_a_day() {
    let mut r = Rules::default();
    r.duration_min = 60;
    r.hours = WeeklyHours::on(
        &[Weekday::Mon],
        &[range("09:00", "12:00"), range("13:00", "17:00")],
    )
    .unwrap();
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(
        hhmm(&slots),
        [
            "09:00", "10:00", "11:00", "13:00", "14:00", "15:00", "16:00"
        ]
    );
    let lunch = r.check(monday(), t(12, 0), &[], friday_noon()).unwrap_err();
    assert_eq!(lunch, Unavailable::OutsideHours);
    assert_eq!(lunch.code(), "outside_hours");
    assert_eq!(
        r.check(monday(), t(8, 0), &[], friday_noon()),
        Err(Unavailable::OutsideHours)
    );
    assert_eq!(
        r.check(monday(), t(17, 0), &[], friday_noon()),
        Err(Unavailable::OutsideHours)
    );
}

#[test]
fn grid_restarts_at_each_range_start() {
    let mut r = Rules::default();
    r.duration_min = 45;
    r.hours = WeeklyHours::on(
        &[Weekday::Mon],
        &[range("09:00", "11:00"), range("11:10", "13:00")],
    )
    .unwrap();
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(hhmm(&slots), ["09:00", "09:45", "11:10", "11:55"]);
}

#[test]
fn slot_must_fit_inside_its_range() {
    let mut r = Rules::default();
    r.hours = WeeklyHours::on(&[Weekday::Mon], &[range("09:00", "10:45")]).unwrap();
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(hhmm(&slots), ["09:00", "09:30", "10:00"]);
    // 10:30 is on the grid but a 30-minute appointment would end at 11:00.
    assert_eq!(
        r.check(monday(), t(10, 30), &[], friday_noon()),
        Err(Unavailable::OutsideHours)
    );
    assert!(r.check(monday(), t(10, 0), &[], friday_noon()).is_ok());
}

#[test]
fn grid_includes_the_buffer_and_off_grid_times_are_refused() {
    let mut r = Rules::default();
    r.buffer_min = 15;
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(hhmm(&slots[..4]), ["09:00", "09:45", "10:30", "11:15"]);
    assert_eq!(hhmm(&slots[slots.len() - 1..]), ["16:30"]);
    let e = r.check(monday(), t(9, 30), &[], friday_noon()).unwrap_err();
    assert_eq!(e, Unavailable::OffGrid { every_min: 45 });
    assert_eq!(e.code(), "off_grid");
    assert_eq!(
        e.to_string(),
        "appointments start every 45 minutes from opening time, and that time is not one of them"
    );
    let with_seconds = chrono::NaiveTime::from_hms_opt(9, 0, 1).unwrap();
    assert_eq!(
        r.check(monday(), with_seconds, &[], friday_noon()),
        Err(Unavailable::OffGrid { every_min: 45 })
    );
}

#[test]
fn booking_blocks_its_slot_and_check_says_taken() {
    let r = Rules::default();
    let b = [booked(10, 0, 30)];
    let slots = r.free_slots(monday(), &b, friday_noon());
    assert_eq!(slots.len(), 15);
    assert!(!hhmm(&slots).contains(&"10:00".to_string()));
    assert!(
        hhmm(&slots).contains(&"09:30".to_string()),
        "touching is fine without buffer"
    );
    assert!(hhmm(&slots).contains(&"10:30".to_string()));
    let e = r.check(monday(), t(10, 0), &b, friday_noon()).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("taken", "that time is already booked")
    );
}

#[test]
fn off_grid_and_long_bookings_block_every_overlapping_slot() {
    let r = Rules::default();
    // 10:15-11:15 overlaps 10:00, 10:30 and 11:00.
    let b = [booked(10, 15, 60)];
    let free = hhmm(&r.free_slots(monday(), &b, friday_noon()));
    for gone in ["10:00", "10:30", "11:00"] {
        assert!(!free.contains(&gone.to_string()), "{gone} should be taken");
    }
    assert!(free.contains(&"09:30".to_string()) && free.contains(&"11:30".to_string()));
}

#[test]
fn buffer_applies_on_both_sides_of_a_booking() {
    let mut r = Rules::default();
    r.buffer_min = 10; // grid 09:00, 09:40, 10:20, 11:00, 11:40, ...
    // Booking 11:00-11:30: the 10:20 slot ends 10:50, exactly 10 minutes
    // before: free. 11:40 starts 10 minutes after the end: free.
    let b = [booked(11, 0, 30)];
    let free = hhmm(&r.free_slots(monday(), &b, friday_noon()));
    assert!(free.contains(&"10:20".to_string()));
    assert!(!free.contains(&"11:00".to_string()));
    assert!(free.contains(&"11:40".to_string()));
    // Off-grid booking 09:05-09:35 is less than 10 minutes from 09:40 (and
    // overlaps 09:00): both blocked.
    let b = [booked(9, 5, 30)];
    let free = hhmm(&r.free_slots(monday(), &b, friday_noon()));
    assert!(!free.contains(&"09:00".to_string()));
    assert!(!free.contains(&"09:40".to_string()));
    assert!(free.contains(&"10:20".to_string()));
    // A booking ending at 10:12 is 8 minutes before 10:20: blocked; one
    // ending at 10:10 leaves exactly the buffer: free.
    let b = [booked(9, 52, 20)];
    assert_eq!(
        r.check(monday(), t(10, 20), &b, friday_noon()),
        Err(Unavailable::Taken)
    );
    let b = [booked(9, 50, 20)];
    assert!(r.check(monday(), t(10, 20), &b, friday_noon()).is_ok());
}

#[test]
fn zero_duration_booking_counts_as_a_standard_appointment() {
    let r = Rules::default();
    let b = [booked(10, 0, 0)];
    assert_eq!(
        r.check(monday(), t(10, 0), &b, friday_noon()),
        Err(Unavailable::Taken)
    );
    assert!(r.check(monday(), t(10, 30), &b, friday_noon()).is_ok());
}

#[test]
fn bookings_on_other_days_and_late_the_day_before_are_counted_in_real_time() {
    let mut r = Rules::default();
    r.hours = WeeklyHours::on(&[Weekday::Sun, Weekday::Mon], &[range("00:00", "24:00")]).unwrap();
    // Sunday 23:30 for 60 minutes runs until Monday 00:30.
    let b = [Booked {
        date: d(2026, 5, 31),
        time: t(23, 30),
        duration_min: 60,
    }];
    assert_eq!(
        r.check(monday(), t(0, 0), &b, friday_noon()),
        Err(Unavailable::Taken)
    );
    assert!(r.check(monday(), t(0, 30), &b, friday_noon()).is_ok());
    let tuesday = [Booked {
        date: d(2026, 6, 2),
        time: t(10, 0),
        duration_min: 30,
    }];
    assert_eq!(r.free_slots(monday(), &tuesday, friday_noon()).len(), 48);
}

#[test]
fn whole_day_and_multi_day_closures() {
    let mut r = Rules::default();
    r.closures = vec![
        Closure::day(d(2026, 7, 3), "Independence Day (observed)"),
        Closure::days(d(2026, 6, 8), d(2026, 6, 12), "staff training"),
    ];
    let july3 = d(2026, 7, 3);
    assert!(r.free_slots(july3, &[], friday_noon()).is_empty());
    let e = r.check(july3, t(10, 0), &[], friday_noon()).unwrap_err();
    assert_eq!(
        e,
        Unavailable::Closure {
            reason: "Independence Day (observed)".into()
        }
    );
    assert_eq!(e.code(), "closure");
    assert_eq!(
        e.to_string(),
        "we are closed then: Independence Day (observed)"
    );
    for day in 8..=12 {
        assert!(r.free_slots(d(2026, 6, day), &[], friday_noon()).is_empty());
    }
    assert_eq!(r.free_slots(d(2026, 6, 15), &[], friday_noon()).len(), 16);
    assert_eq!(r.free_slots(d(2026, 6, 5), &[], friday_noon()).len(), 16);
    // A closure on a weekday that is closed anyway reports the closure.
    r.closures.push(Closure::day(d(2026, 6, 6), ""));
    let e = r
        .check(d(2026, 6, 6), t(10, 0), &[], friday_noon())
        .unwrap_err();
    assert_eq!(e.to_string(), "we are closed then");
}

#[test]
fn part_of_day_closure() {
    let mut r = Rules::default();
    r.closures = vec![Closure::part_of_day(
        monday(),
        range("12:15", "24:00"),
        "closing early",
    )];
    let slots = r.free_slots(monday(), &[], friday_noon());
    // 11:30-12:00 is the last slot that ends before 12:15; 12:00-12:30 overlaps.
    assert_eq!(hhmm(&slots[slots.len() - 1..]), ["11:30"]);
    assert_eq!(slots.len(), 6);
    assert_eq!(
        r.check(monday(), t(12, 0), &[], friday_noon()),
        Err(Unavailable::Closure {
            reason: "closing early".into()
        })
    );
    assert!(r.is_open_at(local(NY, 2026, 6, 1, 12, 0)));
    assert!(!r.is_open_at(local(NY, 2026, 6, 1, 12, 15)));
}

#[test]
fn minimum_notice() {
    let r = Rules::default(); // 60 minutes
    let now = local(NY, 2026, 6, 1, 9, 10);
    let slots = r.free_slots(monday(), &[], now);
    assert_eq!(slots[0].time, t(10, 30));
    let e = r.check(monday(), t(10, 0), &[], now).unwrap_err();
    let earliest = local(NY, 2026, 6, 1, 10, 10).with_timezone(&NY);
    assert_eq!(
        e,
        Unavailable::TooSoon {
            earliest,
            min_notice_min: 60
        }
    );
    assert_eq!(e.code(), "too_soon");
    assert_eq!(
        e.to_string(),
        "that is too soon: we need at least 1 hour of notice, so the earliest possible time is Monday, June 1 at 10:10"
    );
    assert!(r.check(monday(), t(10, 30), &[], now).is_ok());
    // Exactly the notice is enough.
    let now = local(NY, 2026, 6, 1, 9, 30);
    assert!(r.check(monday(), t(10, 30), &[], now).is_ok());
    // Without notice a slot starting right now can be booked.
    let mut r = r;
    r.min_notice_min = 0;
    assert!(r.check(monday(), t(9, 30), &[], now).is_ok());
    // Notice longer than a day pushes the first slot to the next day.
    r.min_notice_min = 24 * 60;
    let slots = r.next_free_slots(now, 1, &[], now);
    assert_eq!((slots[0].date, slots[0].time), (d(2026, 6, 2), t(9, 30)));
}

#[test]
fn past_times() {
    let r = Rules::default();
    let now = local(NY, 2026, 6, 1, 11, 0);
    let e = r.check(monday(), t(10, 0), &[], now).unwrap_err();
    assert_eq!(
        (e.code(), e.to_string().as_str()),
        ("in_past", "that time has already passed")
    );
    assert_eq!(
        r.check(d(2026, 5, 29), t(10, 0), &[], now),
        Err(Unavailable::InPast)
    );
    // The past wins over other reasons (a past Saturday).
    assert_eq!(
        r.check(d(2026, 5, 30), t(10, 0), &[], now),
        Err(Unavailable::InPast)
    );
    assert!(r.free_slots(d(2026, 5, 29), &[], now).is_empty());
}

#[test]
fn booking_horizon() {
    let mut r = Rules::default();
    r.horizon_days = 7; // from Friday 2026-05-29: until Friday 2026-06-05
    assert_eq!(r.free_slots(d(2026, 6, 5), &[], friday_noon()).len(), 16);
    assert!(r.free_slots(d(2026, 6, 8), &[], friday_noon()).is_empty());
    let e = r
        .check(d(2026, 6, 8), t(10, 0), &[], friday_noon())
        .unwrap_err();
    assert_eq!(
        e,
        Unavailable::BeyondHorizon {
            last_date: d(2026, 6, 5)
        }
    );
    assert_eq!(e.code(), "beyond_horizon");
    assert_eq!(
        e.to_string(),
        "that is too far ahead: appointments can be booked up to Friday, June 5, 2026"
    );
    // Horizon 0: today only.
    r.horizon_days = 0;
    assert!(
        r.check(d(2026, 5, 29), t(15, 0), &[], friday_noon())
            .is_ok()
    );
    assert_eq!(
        r.check(d(2026, 6, 1), t(10, 0), &[], friday_noon()),
        Err(Unavailable::BeyondHorizon {
            last_date: d(2026, 5, 29)
        })
    );
    // An absurd horizon is capped at MAX_HORIZON_DAYS rather than scanned.
    r.horizon_days = u32::MAX;
    let last = d(2026, 5, 29) + Duration::days(730);
    assert_eq!(
        r.check(last + Duration::days(1), t(10, 0), &[], friday_noon()),
        Err(Unavailable::BeyondHorizon { last_date: last })
    );
}

#[test]
fn horizon_uses_the_local_date() {
    let mut r = Rules::default();
    r.horizon_days = 3;
    // 2026-05-30 01:00 UTC is still Friday 21:00 in New York.
    let now = utc(2026, 5, 30, 1, 0);
    assert_eq!(r.local_today(now), d(2026, 5, 29));
    assert_eq!(
        r.check(d(2026, 6, 2), t(10, 0), &[], now),
        Err(Unavailable::BeyondHorizon {
            last_date: d(2026, 6, 1)
        })
    );
    assert!(r.check(d(2026, 6, 1), t(10, 0), &[], now).is_ok());
}

#[test]
fn invalid_duration_refuses_everything_without_panicking() {
    for duration in [0, 1441, u32::MAX] {
        let mut r = Rules::default();
        r.duration_min = duration;
        r.buffer_min = u32::MAX;
        r.min_notice_min = u32::MAX;
        let e = r.check(monday(), t(10, 0), &[], friday_noon()).unwrap_err();
        assert_eq!(e.code(), "invalid_duration");
        assert!(
            e.to_string()
                .contains("appointment length setting is invalid")
        );
        assert!(r.free_slots(monday(), &[], friday_noon()).is_empty());
        assert!(
            r.next_free_slots(friday_noon(), 3, &[], friday_noon())
                .is_empty()
        );
        assert!(
            r.nearest_free(monday(), t(10, 0), 2, &[], friday_noon())
                .is_empty()
        );
    }
}

#[test]
fn extreme_settings_do_not_panic() {
    let mut r = Rules::default();
    r.buffer_min = u32::MAX;
    r.min_notice_min = u32::MAX;
    let b = [Booked {
        date: monday(),
        time: t(10, 0),
        duration_min: u32::MAX,
    }];
    assert!(r.free_slots(monday(), &b, friday_noon()).is_empty());
    assert_eq!(
        r.check(monday(), t(9, 0), &b, friday_noon())
            .unwrap_err()
            .code(),
        "too_soon"
    );
    r.min_notice_min = 0;
    // Only one slot fits per range when the buffer is huge, and the booking
    // blocks it.
    assert_eq!(
        r.check(monday(), t(9, 0), &b, friday_noon()),
        Err(Unavailable::Taken)
    );
    assert_eq!(
        r.check(monday(), t(9, 30), &[], friday_noon())
            .unwrap_err()
            .code(),
        "off_grid"
    );
    let far = [Booked {
        date: d(9999, 12, 31),
        time: t(10, 0),
        duration_min: u32::MAX,
    }];
    // The huge buffer reaches back from year 9999 to before 2026.
    assert!(r.free_slots(monday(), &far, friday_noon()).is_empty());
    r.buffer_min = 0;
    assert_eq!(r.free_slots(monday(), &far, friday_noon()).len(), 16);
}

#[test]
fn periods_of_the_day() {
    let mut r = Rules::default();
    r.hours = WeeklyHours::on(&[Weekday::Mon], &[range("08:00", "20:00")]).unwrap();
    r.duration_min = 60;
    let p = |period| hhmm(&r.free_slots_in_period(monday(), period, &[], friday_noon()));
    assert_eq!(p(Period::Morning), ["08:00", "09:00", "10:00", "11:00"]);
    assert_eq!(
        p(Period::Afternoon),
        ["12:00", "13:00", "14:00", "15:00", "16:00"]
    );
    assert_eq!(p(Period::Evening), ["17:00", "18:00", "19:00"]);
    // "Tomorrow afternoon?" with one booking.
    let b = [booked(13, 0, 60)];
    let tomorrow = r
        .local_today(local(NY, 2026, 5, 31, 18, 0))
        .succ_opt()
        .unwrap();
    let slots = r.free_slots_in_period(tomorrow, Period::Afternoon, &b, friday_noon());
    assert_eq!(hhmm(&slots), ["12:00", "14:00", "15:00", "16:00"]);
}

#[test]
fn next_free_slots_cross_days_and_skip_closed_ones() {
    let r = Rules::default();
    let now = local(NY, 2026, 5, 29, 15, 0); // Friday 15:00, notice 60
    let slots = r.next_free_slots(now, 4, &[], now);
    let got: Vec<_> = slots.iter().map(|s| (s.date, s.time)).collect();
    assert_eq!(
        got,
        [
            (d(2026, 5, 29), t(16, 0)),
            (d(2026, 5, 29), t(16, 30)),
            (monday(), t(9, 0)),
            (monday(), t(9, 30)),
        ]
    );
    // From a later instant, with bookings.
    let b = [booked(10, 0, 30), booked(10, 30, 30)];
    let from = local(NY, 2026, 6, 1, 9, 45);
    let got = hhmm(&r.next_free_slots(from, 3, &b, now));
    assert_eq!(got, ["11:00", "11:30", "12:00"]);
    assert!(r.next_free_slots(now, 0, &[], now).is_empty());
}

#[test]
fn next_free_slots_stop_at_the_horizon() {
    let mut r = Rules::default();
    r.horizon_days = 3; // Friday..Monday
    let slots = r.next_free_slots(friday_noon(), 1000, &[], friday_noon());
    // Friday 13:00..16:30 (8) + Monday (16).
    assert_eq!(slots.len(), 24);
    assert_eq!(slots.last().map(|s| s.date), Some(monday()));
    // Starting beyond the horizon finds nothing.
    assert!(
        r.next_free_slots(local(NY, 2026, 6, 3, 9, 0), 5, &[], friday_noon())
            .is_empty()
    );
    // Starting in the past starts from now.
    let slots = r.next_free_slots(utc(2020, 1, 1, 0, 0), 1, &[], friday_noon());
    assert_eq!((slots[0].date, slots[0].time), (d(2026, 5, 29), t(13, 0)));
}

#[test]
fn nearest_free_prefers_the_same_day_nearest_first() {
    let r = Rules::default();
    let b = [booked(14, 0, 30)];
    let near = r.nearest_free(monday(), t(14, 0), 2, &b, friday_noon());
    assert_eq!(hhmm(&near), ["13:30", "14:30"], "tie: earlier first");
    let b = [booked(13, 30, 60)];
    let near = r.nearest_free(monday(), t(14, 0), 2, &b, friday_noon());
    assert_eq!(hhmm(&near), ["14:30", "13:00"], "nearest first");
    // If the requested slot is free it comes first.
    let near = r.nearest_free(monday(), t(11, 0), 2, &[], friday_noon());
    assert_eq!(hhmm(&near), ["11:00", "10:30"]);
    // A request between grid times.
    let near = r.nearest_free(monday(), t(11, 20), 2, &[], friday_noon());
    assert_eq!(hhmm(&near), ["11:30", "11:00"]);
}

#[test]
fn nearest_free_moves_to_following_days() {
    let r = Rules::default();
    // Monday fully booked except 09:00.
    let b = [booked(9, 30, 450)];
    let near = r.nearest_free(monday(), t(16, 0), 3, &b, friday_noon());
    let got: Vec<_> = near.iter().map(|s| (s.date, s.time)).collect();
    assert_eq!(
        got,
        [
            (monday(), t(9, 0)),
            (d(2026, 6, 2), t(9, 0)),
            (d(2026, 6, 2), t(9, 30))
        ]
    );
    // A request on a closed day: following days in order.
    let near = r.nearest_free(d(2026, 5, 30), t(10, 0), 2, &[], friday_noon());
    assert_eq!(hhmm(&near), ["09:00", "09:30"]);
    assert!(near.iter().all(|s| s.date == monday()));
    // A past date: the following days start today, not in the past.
    let near = r.nearest_free(d(2026, 5, 1), t(10, 0), 1, &[], friday_noon());
    assert_eq!((near[0].date, near[0].time), (d(2026, 5, 29), t(13, 0)));
    assert!(
        r.nearest_free(monday(), t(10, 0), 0, &[], friday_noon())
            .is_empty()
    );
}

#[test]
fn is_open_at_follows_hours_and_closures() {
    let mut r = Rules::default();
    assert!(r.is_open_at(local(NY, 2026, 6, 1, 9, 0)));
    assert!(r.is_open_at(local(NY, 2026, 6, 1, 16, 59)));
    assert!(!r.is_open_at(local(NY, 2026, 6, 1, 17, 0)));
    assert!(!r.is_open_at(local(NY, 2026, 6, 1, 8, 59)));
    assert!(!r.is_open_at(local(NY, 2026, 5, 30, 12, 0)), "Saturday");
    r.closures = vec![Closure::day(monday(), "holiday")];
    assert!(!r.is_open_at(local(NY, 2026, 6, 1, 12, 0)));
    assert!(r.is_open_at(local(NY, 2026, 6, 2, 12, 0)));
}

#[test]
fn local_today_uses_the_time_zone() {
    let r = Rules::default();
    assert_eq!(r.local_today(utc(2026, 6, 2, 3, 59)), d(2026, 6, 1));
    assert_eq!(r.local_today(utc(2026, 6, 2, 4, 0)), d(2026, 6, 2));
    let mut sydney = Rules::default();
    sydney.tz = chrono_tz::Australia::Sydney;
    assert_eq!(sydney.local_today(utc(2026, 6, 1, 14, 0)), d(2026, 6, 2));
}

#[test]
fn a_24h_business_on_an_ordinary_day() {
    let r = super::every_day(NY, &[range("00:00", "24:00")], 30);
    let slots = r.free_slots(monday(), &[], friday_noon());
    assert_eq!(slots.len(), 48);
    assert_eq!(slots[47].time, t(23, 30));
    assert_eq!(slots[47].ends_at_utc, utc(2026, 6, 2, 4, 0));
    assert!(r.is_open_at(local(NY, 2026, 6, 1, 23, 59)));
    assert!(r.is_open_at(local(NY, 2026, 6, 2, 0, 0)));
}

#[test]
fn every_reason_has_a_distinct_code_and_a_message() {
    let earliest = local(NY, 2026, 6, 1, 10, 0).with_timezone(&NY);
    let all = [
        Unavailable::InvalidDuration,
        Unavailable::InPast,
        Unavailable::BeyondHorizon {
            last_date: monday(),
        },
        Unavailable::Closure { reason: "x".into() },
        Unavailable::Closed {
            weekday: Weekday::Sun,
        },
        Unavailable::OutsideHours,
        Unavailable::OffGrid { every_min: 30 },
        Unavailable::NonexistentLocalTime,
        Unavailable::TooSoon {
            earliest,
            min_notice_min: 90,
        },
        Unavailable::Taken,
    ];
    let mut codes: Vec<_> = all.iter().map(Unavailable::code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    assert!(all.iter().all(|u| !u.to_string().is_empty()));
    assert!(all[8].to_string().contains("90 minutes of notice"));
}
