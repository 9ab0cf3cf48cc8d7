//! Settings: opening-hours JSON (parsing, round trip, owner-facing errors),
//! TimeRange, Rules::validate, time zone names, Period parsing, serde of the
//! value types.

use chrono::Weekday;

use super::super::{
    Booked, Closure, Period, Rules, TimeRange, WeeklyHours, parse_hours_json, parse_tz,
};
use super::{d, range, t};

const EXAMPLE: &str = r#"{"mon":[["09:00","12:00"],["13:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[],"thu":[["08:30","12:00"]],"fri":[["09:00","24:00"]],"sat":[["10:00","14:00"]],"sun":[]}"#;

fn err(json: &str) -> (String, String) {
    let e = parse_hours_json(json).expect_err("should be rejected");
    (e.field().to_string(), e.to_string())
}

#[test]
fn parses_example_hours() {
    let h = parse_hours_json(EXAMPLE).unwrap();
    assert_eq!(
        h.ranges(Weekday::Mon),
        &[range("09:00", "12:00"), range("13:00", "17:00")]
    );
    assert_eq!(h.ranges(Weekday::Thu), &[range("08:30", "12:00")]);
    assert!(h.is_closed(Weekday::Wed));
    assert!(h.is_closed(Weekday::Sun));
    let fri = h.ranges(Weekday::Fri)[0];
    assert_eq!(fri.end(), None, "24:00 means midnight");
    assert_eq!(fri.end_minute(), 1440);
    assert_eq!(fri.start(), t(9, 0));
}

#[test]
fn json_round_trips_exactly() {
    let h = parse_hours_json(EXAMPLE).unwrap();
    assert_eq!(h.to_json(), EXAMPLE);
    assert_eq!(serde_json::to_string(&h).unwrap(), EXAMPLE);
    let back: WeeklyHours = serde_json::from_str(EXAMPLE).unwrap();
    assert_eq!(back, h);
    assert_eq!(
        parse_hours_json(&WeeklyHours::default().to_json()).unwrap(),
        WeeklyHours::default()
    );
}

#[test]
fn missing_and_null_days_are_closed_and_keys_are_flexible() {
    let h = parse_hours_json(r#"{"Monday":[["9:00","17:00"]],"sun":null}"#).unwrap();
    assert_eq!(h.ranges(Weekday::Mon), &[range("09:00", "17:00")]);
    for wd in [Weekday::Tue, Weekday::Sat, Weekday::Sun] {
        assert!(h.is_closed(wd));
    }
    assert_eq!(parse_hours_json("{}").unwrap(), WeeklyHours::closed());
}

#[test]
fn ranges_are_sorted() {
    let h = parse_hours_json(r#"{"mon":[["13:00","17:00"],["09:00","12:00"]]}"#).unwrap();
    assert_eq!(
        h.ranges(Weekday::Mon),
        &[range("09:00", "12:00"), range("13:00", "17:00")]
    );
    // Touching ranges are allowed (each keeps its own slot grid).
    assert!(parse_hours_json(r#"{"mon":[["09:00","12:00"],["12:00","17:00"]]}"#).is_ok());
}

#[test]
fn reversed_range_is_rejected_with_the_day_and_times() {
    assert_eq!(
        err(r#"{"tue":[["18:00","09:00"]]}"#),
        (
            "hours.tue".to_string(),
            "tuesday: closing time 09:00 is before opening time 18:00".to_string()
        )
    );
    assert_eq!(
        err(r#"{"wed":[["09:00","09:00"]]}"#).1,
        "wednesday: closing time 09:00 is the same as opening time 09:00"
    );
    assert_eq!(
        err(r#"{"fri":[["18:00","00:00"]]}"#).1,
        "friday: closing time 00:00 is before opening time 18:00 (write 24:00 for midnight)"
    );
}

#[test]
fn overlapping_ranges_are_rejected() {
    assert_eq!(
        err(r#"{"wed":[["12:00","17:00"],["09:00","13:00"]]}"#),
        (
            "hours.wed".to_string(),
            "wednesday: ranges 09:00-13:00 and 12:00-17:00 overlap".to_string()
        )
    );
}

#[test]
fn malformed_hours_are_rejected_with_messages() {
    assert_eq!(
        err(r#"{"mon":[["9h","17:00"]]}"#).1,
        "monday: \"9h\" is not a time (expected HH:MM, e.g. 09:00)"
    );
    assert_eq!(
        err(r#"{"mon":[["09:60","17:00"]]}"#).1,
        "monday: \"09:60\" is not a time (expected HH:MM, e.g. 09:00)"
    );
    assert_eq!(
        err(r#"{"mon":[["24:30","17:00"]]}"#).1,
        "monday: \"24:30\" is not a time (expected HH:MM, e.g. 09:00)"
    );
    assert_eq!(
        err(r#"{"sat":[["24:00","24:00"]]}"#).1,
        "saturday: 24:00 can only be a closing time"
    );
    assert_eq!(
        err(r#"{"mon":[["09:00"]]}"#).1,
        "monday: each range must be a pair of times like [\"09:00\", \"17:00\"]"
    );
    assert_eq!(
        err(r#"{"mon":[[9, 17]]}"#).1,
        "monday: each range must be a pair of times like [\"09:00\", \"17:00\"]"
    );
    assert_eq!(
        err(r#"{"mon":"09:00-17:00"}"#).1,
        "monday: must be a list of ranges like [[\"09:00\", \"17:00\"]] (or [] when closed)"
    );
    let (field, msg) = err(r#"{"mon":[],"funday":[]}"#);
    assert_eq!(field, "hours");
    assert_eq!(
        msg,
        "unknown day \"funday\" in opening hours (expected mon, tue, wed, thu, fri, sat, sun)"
    );
    assert_eq!(
        err(r#"{"mon":[],"monday":[]}"#).1,
        "monday is listed twice in opening hours"
    );
    assert!(
        err(r#"[["09:00","17:00"]]"#)
            .1
            .starts_with("opening hours must be an object")
    );
    assert!(
        err(r#"{"mon":[["09:00","17:00"]"#)
            .1
            .starts_with("opening hours are not valid JSON:")
    );
}

#[test]
fn serde_deserialize_reports_the_same_message() {
    let e = serde_json::from_str::<WeeklyHours>(r#"{"tue":[["18:00","09:00"]]}"#).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("tuesday: closing time 09:00 is before opening time 18:00"),
        "{e}"
    );
}

#[test]
fn time_range_constructors_validate() {
    assert!(TimeRange::new(t(9, 0), t(17, 0)).is_ok());
    assert!(TimeRange::new(t(17, 0), t(9, 0)).is_err());
    let with_seconds = chrono::NaiveTime::from_hms_opt(9, 0, 30).unwrap();
    assert_eq!(
        TimeRange::new(with_seconds, t(17, 0))
            .unwrap_err()
            .message(),
        "opening times must be whole minutes (like 09:30)"
    );
    let late = TimeRange::until_midnight(t(22, 0)).unwrap();
    assert_eq!(late.to_string(), "22:00-24:00");
    assert!(late.contains(t(23, 59)));
    assert!(!late.contains(t(21, 59)));
    assert!(TimeRange::from_minutes(0, 1441).is_err());
    assert!(TimeRange::from_minutes(1440, 1440).is_err());
    assert_eq!(
        serde_json::to_string(&late).unwrap(),
        r#"["22:00","24:00"]"#
    );
    assert!(serde_json::from_str::<TimeRange>(r#"["10:00","09:00"]"#).is_err());
}

#[test]
fn weekly_hours_builders_validate() {
    let h = WeeklyHours::closed()
        .with(
            Weekday::Mon,
            vec![range("13:00", "17:00"), range("09:00", "12:00")],
        )
        .unwrap();
    assert_eq!(h.ranges(Weekday::Mon)[0], range("09:00", "12:00"));
    let e = WeeklyHours::on(
        &[Weekday::Thu],
        &[range("09:00", "12:00"), range("11:00", "13:00")],
    )
    .unwrap_err();
    assert_eq!(e.field(), "hours.thu");
    assert_eq!(
        e.message(),
        "thursday: ranges 09:00-12:00 and 11:00-13:00 overlap"
    );
    let mut days: [Vec<TimeRange>; 7] = Default::default();
    days[6] = vec![range("10:00", "12:00")];
    let h = WeeklyHours::new(days).unwrap();
    assert!(!h.is_closed(Weekday::Sun));
    assert!(h.is_closed(Weekday::Mon));
}

#[test]
fn default_rules_match_the_issue() {
    let r = Rules::default();
    assert_eq!(r.tz, chrono_tz::America::New_York);
    assert_eq!(
        (
            r.duration_min,
            r.buffer_min,
            r.min_notice_min,
            r.horizon_days
        ),
        (30, 0, 60, 60)
    );
    for wd in [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ] {
        assert_eq!(r.hours.ranges(wd), &[range("09:00", "17:00")]);
    }
    assert!(r.hours.is_closed(Weekday::Sat) && r.hours.is_closed(Weekday::Sun));
    assert!(r.closures.is_empty());
    assert_eq!(r.validate(), Ok(()));
}

#[test]
fn invalid_rules_are_rejected_with_messages() {
    let check = |f: fn(&mut Rules), field: &str, msg: &str| {
        let mut r = Rules::default();
        f(&mut r);
        let e = r.validate().unwrap_err();
        assert_eq!((e.field(), e.message()), (field, msg));
    };
    check(
        |r| r.duration_min = 0,
        "duration_min",
        "appointment length must be between 1 and 1440 minutes (got 0)",
    );
    check(
        |r| r.duration_min = 1441,
        "duration_min",
        "appointment length must be between 1 and 1440 minutes (got 1441)",
    );
    check(
        |r| r.buffer_min = 2000,
        "buffer_min",
        "buffer between appointments must be at most 1440 minutes (got 2000)",
    );
    check(
        |r| r.min_notice_min = u32::MAX,
        "min_notice_min",
        "minimum notice must be at most 525600 minutes (365 days) (got 4294967295)",
    );
    check(
        |r| r.horizon_days = 731,
        "horizon_days",
        "booking horizon must be at most 730 days (got 731)",
    );
    check(
        |r| {
            r.closures = vec![
                Closure::day(d(2026, 7, 3), "Independence Day"),
                Closure::days(d(2026, 12, 26), d(2026, 12, 24), "Christmas"),
            ]
        },
        "closures[1]",
        "closure \"Christmas\" ends (2026-12-24) before it starts (2026-12-26)",
    );
}

#[test]
fn time_zone_names() {
    assert_eq!(
        parse_tz("Australia/Sydney").unwrap(),
        chrono_tz::Australia::Sydney
    );
    assert_eq!(
        parse_tz(" America/New_York ").unwrap(),
        chrono_tz::America::New_York
    );
    let e = parse_tz("America/NewYork").unwrap_err();
    assert_eq!(e.field(), "tz");
    assert_eq!(
        e.message(),
        "unknown time zone \"America/NewYork\" (expected an IANA name like America/New_York)"
    );
}

#[test]
fn periods_parse_and_classify() {
    assert_eq!("Afternoon".parse::<Period>().unwrap(), Period::Afternoon);
    assert_eq!(" evening".parse::<Period>().unwrap(), Period::Evening);
    assert!("night".parse::<Period>().is_err());
    assert_eq!(Period::of(t(0, 0)), Period::Morning);
    assert_eq!(Period::of(t(11, 59)), Period::Morning);
    assert_eq!(Period::of(t(12, 0)), Period::Afternoon);
    assert_eq!(Period::of(t(16, 59)), Period::Afternoon);
    assert_eq!(Period::of(t(17, 0)), Period::Evening);
    assert_eq!(Period::of(t(23, 59)), Period::Evening);
    assert_eq!(Period::Morning.to_string(), "morning");
    assert_eq!(
        serde_json::to_string(&Period::Evening).unwrap(),
        "\"evening\""
    );
}

#[test]
fn value_types_serialize() {
    let c = Closure::part_of_day(d(2026, 12, 24), range("12:00", "24:00"), "Christmas Eve");
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"from":"2026-12-24","to":"2026-12-24","reason":"Christmas Eve","times":["12:00","24:00"]}"#
    );
    assert_eq!(serde_json::from_str::<Closure>(&json).unwrap(), c);
    let whole: Closure =
        serde_json::from_str(r#"{"from":"2026-07-03","to":"2026-07-03"}"#).unwrap();
    assert!(whole.is_whole_day() && whole.reason.is_empty());
    let b: Booked =
        serde_json::from_str(r#"{"date":"2026-06-01","time":"10:00:00","duration_min":45}"#)
            .unwrap();
    assert_eq!(
        b,
        Booked {
            date: d(2026, 6, 1),
            time: t(10, 0),
            duration_min: 45
        }
    );
}
