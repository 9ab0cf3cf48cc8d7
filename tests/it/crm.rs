//! The CRM core against the real server: contacts, appointments (engine +
//! database atomically), settings, reminders, dashboard, iCal feed, and tenant
//! isolation on every route.

use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A server whose clock reads Monday 2027-01-04 09:00 in Chicago (15:00 UTC).
fn server() -> TestServer {
    let s = TestServer::start();
    s.clock.set(at("2027-01-04T15:00:00Z"));
    s
}

fn appt(name: &str, phone: &str, date: &str, time: &str) -> Value {
    json!({ "customerName": name, "customerPhone": phone, "appointmentDate": date, "appointmentTime": time, "purpose": "Cleaning" })
}

fn outbox_sms(s: &TestServer, to: &str) -> Vec<String> {
    s.sql(|c| {
        let mut st = c
            .prepare("SELECT body FROM outbox WHERE channel = 'sms' AND recipient = ?1 ORDER BY id")
            .unwrap();
        st.query_map([to], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    })
}

/// Paging through the list, in every order, shows each contact exactly once and
/// in the same order as one big page (pages past the first are read differently).
#[test]
fn paging_through_contacts_shows_each_once_in_order() {
    let s = server();
    let a = s.register("pages@example.com");
    let t = Some(a.token.as_str());
    let names = [
        "Zoe", "adam", "Bea", "carl", "Dee", "Eve", "fay", "Gus", "Hal",
    ];
    for i in 0..23 {
        let first = names[i % names.len()];
        // A contact without a last name shows its first name alone.
        let last = if i % 5 == 0 {
            String::new()
        } else {
            format!("Last{}", i % 4)
        };
        let r = s.post(
            "/api/contacts",
            t,
            &json!({"firstName": first, "lastName": last, "phone": format!("+1555400{i:04}")}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let ids = |v: &Value| -> Vec<i64> {
        v["data"]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    for order in [
        "",
        "&sortBy=firstName&sortOrder=asc",
        "&sortBy=lastName&sortOrder=desc",
    ] {
        let all = s.get(&format!("/api/contacts?limit=200{order}"), t).json();
        let all_ids = ids(&all);
        assert_eq!(all_ids.len(), 23);
        let mut paged = Vec::new();
        for page in 1..=5 {
            let p = s
                .get(&format!("/api/contacts?limit=5&page={page}{order}"), t)
                .json();
            assert_eq!(p["data"]["pagination"]["totalContacts"], 23);
            paged.extend(ids(&p));
        }
        assert_eq!(paged, all_ids, "order {order:?}");
        for c in all["data"]["contacts"].as_array().unwrap() {
            let (first, last) = (
                c["firstName"].as_str().unwrap(),
                c["lastName"].as_str().unwrap(),
            );
            let want = if last.is_empty() {
                first.to_string()
            } else {
                format!("{first} {last}")
            };
            assert_eq!(c["fullName"], want.as_str());
        }
    }
    // A page past the end is empty, not an error.
    let p = s.get("/api/contacts?limit=5&page=9", t).json();
    assert_eq!(ids(&p), Vec::<i64>::new());
}

#[test]
fn contacts_crud_search_and_duplicates() {
    let s = server();
    let a = s.register("crm@example.com");
    let t = Some(a.token.as_str());
    let r = s.post("/api/contacts", t, &json!({"firstName": "Ada", "lastName": "Lovelace", "phone": "(555) 212-0987", "email": "Ada@Example.com", "notes": "Prefers mornings\nAllergic to latex"}));
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json()["data"].clone();
    assert_eq!(c["phone"], "+15552120987");
    assert_eq!(c["fullName"], "Ada Lovelace");
    let id = c["id"].as_i64().unwrap();
    // Same phone or email in the same business: 409 naming the existing contact.
    let dup = s.post(
        "/api/contacts",
        t,
        &json!({"firstName": "Other", "phone": "555.212.0987"}),
    );
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["error"]["existingId"], id);
    let dup = s.post(
        "/api/contacts",
        t,
        &json!({"firstName": "Other", "phone": "555-212-0000", "email": "ada@example.com"}),
    );
    assert_eq!(dup.status, 409);
    for i in 0..30 {
        let r = s.post("/api/contacts", t, &json!({"firstName": format!("Person{i}"), "lastName": if i % 2 == 0 { "Smith" } else { "Jones" }, "phone": format!("555-300-{:04}", i)}));
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Search by name (prefix), by email word, by phone digits.
    let found = |q: &str| {
        s.get(&format!("/api/contacts?search={q}&limit=200"), t)
            .json()["data"]["pagination"]["totalContacts"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(found("smi"), 15);
    assert_eq!(found("lovelace"), 1);
    assert_eq!(found("example"), 1);
    assert_eq!(found("2120987"), 1);
    assert_eq!(found("555-300-001"), 10);
    assert_eq!(found("latex"), 1);
    let by_path = s.get("/api/contacts/search/Jones", t).json();
    assert_eq!(by_path["data"]["total"], 15);
    // Pagination and sorting.
    let p = s
        .get(
            "/api/contacts?page=2&limit=10&sortBy=firstName&sortOrder=asc",
            t,
        )
        .json();
    let pg = &p["data"]["pagination"];
    assert_eq!(
        (
            pg["currentPage"].as_i64(),
            pg["totalPages"].as_i64(),
            pg["totalContacts"].as_i64()
        ),
        (Some(2), Some(4), Some(31))
    );
    assert_eq!(pg["hasNext"], true);
    assert_eq!(pg["hasPrev"], true);
    assert_eq!(p["data"]["contacts"].as_array().unwrap().len(), 10);
    // Update (explicit fields), last contacted, delete.
    let u = s.req(
        "PUT",
        &format!("/api/contacts/{id}"),
        t,
        Some(&json!({"notes": null, "status": "inactive", "lastName": "King"})),
    );
    assert_eq!(u.status, 200, "{}", u.body);
    assert_eq!(u.json()["data"]["notes"], Value::Null);
    assert_eq!(u.json()["data"]["fullName"], "Ada King");
    let m = s.req("PATCH", &format!("/api/contacts/{id}/contact"), t, None);
    assert!(m.json()["data"]["lastContactedAt"].is_string());
    assert_eq!(
        s.req("DELETE", &format!("/api/contacts/{id}"), t, None)
            .status,
        200
    );
    assert_eq!(s.get(&format!("/api/contacts/{id}"), t).status, 404);
    assert_eq!(
        found("lovelace"),
        0,
        "deleted contacts leave the search index"
    );
}

#[test]
fn csv_import_reports_bad_rows_and_export_round_trips() {
    let s = server();
    let a = s.register("csv@example.com");
    s.post(
        "/api/contacts",
        Some(&a.token),
        &json!({"firstName": "Existing", "phone": "555-212-0001"}),
    );
    let csv = "First Name,Last Name,Phone,Email,Notes\n\
               Grace,Hopper,555-212-0002,grace@navy.mil,=cmd|' /C calc'!A0\n\
               ,NoFirst,555-212-0003,,\n\
               Bad,Phone,12345,,\n\
               Dup,Existing,(555) 212-0001,,\n\
               Bad,Email,555-212-0004,not-an-email,\n\
               \"O'Brien, Jr.\",Pat,555-212-0005,,\"multi\nline\"\n";
    let auth = format!("Bearer {}", a.token);
    let r = request(
        &s.agent,
        "POST",
        &s.url("/api/contacts/import"),
        &[("authorization", &auth), ("content-type", "text/csv")],
        Some(csv.as_bytes()),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json()["data"].clone();
    assert_eq!(d["imported"], 2, "{d}");
    assert_eq!(d["failed"], 4, "{d}");
    let rows: Vec<i64> = d["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![3, 4, 5, 6]);
    assert!(
        d["errors"][1]["message"]
            .as_str()
            .unwrap()
            .starts_with("phone:")
    );
    assert!(d["errors"][2]["existingId"].is_number());
    // Export: every contact, with formulas neutralised.
    let e = request(
        &s.agent,
        "GET",
        &s.url("/api/contacts/export.csv"),
        &[("authorization", &auth)],
        None,
    );
    assert_eq!(e.status, 200);
    assert!(e.header("content-type").unwrap().starts_with("text/csv"));
    assert!(e.body.contains("Grace,Hopper,+15552120002"), "{}", e.body);
    assert!(
        e.body.contains("'=cmd"),
        "formula must be neutralised: {}",
        e.body
    );
    assert!(e.body.contains("\"O'Brien, Jr.\""));
    assert_eq!(e.body.lines().filter(|l| l.contains("+1555")).count(), 3);
    // Not a CSV upload / no header: clear 4xx.
    let r = request(
        &s.agent,
        "POST",
        &s.url("/api/contacts/import"),
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(b"{}"),
    );
    assert_eq!(r.status, 415);
    let r = request(
        &s.agent,
        "POST",
        &s.url("/api/contacts/import"),
        &[("authorization", &auth), ("content-type", "text/csv")],
        Some(b"a,b\n1,2\n"),
    );
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("phone column"));
}

#[test]
fn booking_checks_the_engine_sends_a_confirmation_and_frees_cancelled_slots() {
    let s = server();
    let a = s.register("book@example.com");
    let t = Some(a.token.as_str());
    // Tuesday 2027-01-05 10:00 Chicago: open.
    let r = s.post(
        "/api/appointments",
        t,
        &appt("Ada Lovelace", "555-212-0987", "2027-01-05", "10:00"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let b = r.json()["data"].clone();
    let code = b["confirmationCode"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert!(!code.contains(['0', 'O', '1', 'I']));
    assert_eq!(b["startsAt"], "2027-01-05T16:00:00Z");
    assert_eq!(b["timezone"], "America/Chicago");
    assert_eq!(b["confirmationSent"], true);
    // The contact was created, and the confirmation SMS is in the outbox.
    let contacts = s.get("/api/contacts?search=Lovelace", t).json();
    assert_eq!(contacts["data"]["pagination"]["totalContacts"], 1);
    let sms = outbox_sms(&s, "+15552120987");
    assert_eq!(sms.len(), 1);
    assert!(
        sms[0].contains("Ada's Salon")
            && sms[0].contains(&code)
            && sms[0].contains("Tuesday, January 5 at 10:00 AM"),
        "{}",
        sms[0]
    );
    // Same slot again: 409 with alternatives; Sunday: closed; 3 AM: outside hours; the past: refused.
    let again = s.post(
        "/api/appointments",
        t,
        &appt("Bob", "555-212-0988", "2027-01-05", "10:00"),
    );
    assert_eq!(again.status, 409);
    let msg = again.error_message();
    assert!(
        msg.starts_with("That time is already booked.")
            && msg.contains("09:30")
            && msg.contains("10:30"),
        "{msg}"
    );
    let sunday = s.post(
        "/api/appointments",
        t,
        &appt("Bob", "555-212-0988", "2027-01-10", "10:00"),
    );
    assert_eq!(sunday.status, 400);
    assert!(
        sunday.error_message().to_lowercase().contains("closed"),
        "{}",
        sunday.body
    );
    assert_eq!(
        s.post(
            "/api/appointments",
            t,
            &appt("Bob", "555-212-0988", "2027-01-05", "03:00")
        )
        .status,
        400
    );
    assert_eq!(
        s.post(
            "/api/appointments",
            t,
            &appt("Bob", "555-212-0988", "2027-01-01", "10:00")
        )
        .status,
        400
    );
    // The owner may book outside hours, never over another booking.
    let mut late = appt("Late", "555-212-0989", "2027-01-05", "19:00");
    late["allowOutsideHours"] = json!(true);
    assert_eq!(s.post("/api/appointments", t, &late).status, 201);
    let mut over = appt("Over", "555-212-0989", "2027-01-05", "10:15");
    over["allowOutsideHours"] = json!(true);
    assert_eq!(s.post("/api/appointments", t, &over).status, 409);

    // Lookup by code, then cancel: the slot is free again and can be re-booked.
    let id = b["id"].as_i64().unwrap();
    assert_eq!(
        s.get(
            &format!("/api/appointments/confirmation/{}", code.to_lowercase()),
            t
        )
        .json()["data"]["id"],
        id
    );
    let c = s.req(
        "DELETE",
        &format!("/api/appointments/{id}?reason=Sick"),
        t,
        None,
    );
    assert_eq!(c.status, 200, "{}", c.body);
    assert_eq!(c.json()["data"]["status"], "cancelled");
    assert_eq!(c.json()["data"]["cancelReason"], "Sick");
    assert!(
        outbox_sms(&s, "+15552120987")
            .iter()
            .any(|m| m.contains("has been cancelled"))
    );
    let rebook = s.post(
        "/api/appointments",
        t,
        &appt("Bob", "555-212-0988", "2027-01-05", "10:00"),
    );
    assert_eq!(
        rebook.status, 201,
        "a cancelled slot can be booked again: {}",
        rebook.body
    );
    // History is kept.
    let d = s.get(&format!("/api/appointments/{id}"), t).json();
    let changes: Vec<&str> = d["data"]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, vec!["created", "cancelled"]);
}

#[test]
fn moving_an_appointment_rechecks_the_slot_and_texts_the_customer() {
    let s = server();
    let a = s.register("move@example.com");
    let t = Some(a.token.as_str());
    let first = s
        .post(
            "/api/appointments",
            t,
            &appt("Ada", "555-212-0987", "2027-01-05", "10:00"),
        )
        .json()["data"]
        .clone();
    s.post(
        "/api/appointments",
        t,
        &appt("Bob", "555-212-0988", "2027-01-05", "11:00"),
    );
    let id = first["id"].as_i64().unwrap();
    let taken = s.req(
        "PUT",
        &format!("/api/appointments/{id}"),
        t,
        Some(&json!({"appointmentTime": "11:00"})),
    );
    assert_eq!(taken.status, 409, "{}", taken.body);
    let moved = s.req("PUT", &format!("/api/appointments/{id}"), t, Some(&json!({"appointmentDate": "2027-01-06", "appointmentTime": "14:30", "notes": "moved by phone"})));
    assert_eq!(moved.status, 200, "{}", moved.body);
    let m = moved.json()["data"].clone();
    assert_eq!(
        (m["appointmentDate"].as_str(), m["appointmentTime"].as_str()),
        (Some("2027-01-06"), Some("14:30"))
    );
    assert_eq!(m["notes"], "moved by phone");
    assert!(
        outbox_sms(&s, "+15552120987")
            .iter()
            .any(|b| b.contains("moved to Wednesday, January 6 at 2:30 PM"))
    );
    // The old slot is free now.
    let slots = s
        .get("/api/appointments/available?date=2027-01-05", t)
        .json();
    let times: Vec<&str> = slots["data"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["time"].as_str().unwrap())
        .collect();
    assert!(
        times.contains(&"10:00") && !times.contains(&"11:00"),
        "{times:?}"
    );
    // Unknown fields (e.g. clientId) are refused: no cross-tenant move.
    let r = s.req(
        "PUT",
        &format!("/api/appointments/{id}"),
        t,
        Some(&json!({"clientId": 999})),
    );
    assert_eq!(r.status, 400);
    let r = s.req(
        "PUT",
        &format!("/api/appointments/{id}"),
        t,
        Some(&json!({"status": "completed"})),
    );
    assert_eq!(r.json()["data"]["status"], "completed");
}

#[test]
fn a_hundred_concurrent_bookings_of_one_slot_create_exactly_one() {
    let s = server();
    let a = s.register("race@example.com");
    let url = s.url("/api/appointments");
    let auth = format!("Bearer {}", a.token);
    let handles: Vec<_> = (0..100)
        .map(|i| {
            let (url, auth) = (url.clone(), auth.clone());
            std::thread::spawn(move || {
                let body = serde_json::to_vec(&appt(
                    &format!("Caller {i}"),
                    &format!("555-400-{i:04}"),
                    "2027-01-07",
                    "09:30",
                ))
                .unwrap();
                request(
                    &agent(),
                    "POST",
                    &url,
                    &[
                        ("authorization", &auth),
                        ("content-type", "application/json"),
                    ],
                    Some(&body),
                )
                .status
            })
        })
        .collect();
    let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        99,
        "{statuses:?}"
    );
    let n: i64 = s.sql(|c| c.query_row("SELECT count(*) FROM appointments WHERE appointment_date = '2027-01-07' AND status = 'confirmed'", [], |r| r.get(0)).unwrap());
    assert_eq!(n, 1);
}

#[test]
fn today_is_the_business_local_date_even_when_utc_is_tomorrow() {
    let s = server();
    let a = s.register("today@example.com");
    let t = Some(a.token.as_str());
    // Open late on Tuesdays so a 23:00 slot exists; no notice needed.
    let r = s.req("PUT", "/api/client/settings", t, Some(&json!({"timezone": "America/Los_Angeles", "minNoticeMinutes": 0, "businessHours": {"tue": [["09:00", "24:00"]]}})));
    assert_eq!(r.status, 200, "{}", r.body);
    s.clock.set(at("2027-01-05T20:00:00Z")); // noon in Los Angeles
    let late = s.post(
        "/api/appointments",
        t,
        &appt("Late", "555-212-0987", "2027-01-05", "23:30"),
    );
    assert_eq!(late.status, 201, "{}", late.body);
    // 23:30 in Los Angeles on Tuesday = 07:30 UTC Wednesday.
    s.clock.set(at("2027-01-06T07:30:00Z"));
    let today = s.get("/api/appointments/today", t).json();
    assert_eq!(today["data"]["date"], "2027-01-05");
    assert_eq!(today["data"]["appointments"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.get("/api/dashboard", t).json()["data"]["today"],
        "2027-01-05"
    );
}

#[test]
fn availability_on_both_dst_days_follows_the_wall_clock() {
    let s = server();
    s.clock.set(at("2027-03-01T12:00:00Z"));
    let a = s.register("dst@example.com");
    let t = Some(a.token.as_str());
    // A business open 00:00-04:00 every day in New York, hourly slots.
    let night = json!([["00:00", "04:00"]]);
    let r = s.req("PUT", "/api/client/settings", t, Some(&json!({
        "timezone": "America/New_York", "appointmentDuration": 60, "minNoticeMinutes": 0, "bookingHorizonDays": 400,
        "businessHours": {"mon": night, "tue": night, "wed": night, "thu": night, "fri": night, "sat": night, "sun": night}
    })));
    assert_eq!(r.status, 200, "{}", r.body);
    let times = |date: &str| -> Vec<String> {
        let v = s
            .get(&format!("/api/appointments/available?date={date}"), t)
            .json();
        v["data"]["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["time"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        times("2027-03-07"),
        vec!["00:00", "01:00", "02:00", "03:00"],
        "an ordinary night"
    );
    // Spring forward 2027-03-14: 02:00-03:00 does not exist; 01:00 would end at 03:00 EDT (fine).
    let spring = times("2027-03-14");
    assert!(!spring.contains(&"02:00".to_string()), "{spring:?}");
    assert!(
        spring.contains(&"03:00".to_string()) && spring.contains(&"00:00".to_string()),
        "{spring:?}"
    );
    // Fall back 2027-11-07: 01:00 happens twice but is offered once.
    let fall = times("2027-11-07");
    assert_eq!(fall.iter().filter(|t| *t == "01:00").count(), 1, "{fall:?}");
    let r = s.post(
        "/api/appointments",
        t,
        &appt("Night Owl", "555-212-0987", "2027-03-14", "02:30"),
    );
    assert_eq!(
        r.status, 400,
        "a time that does not exist cannot be booked: {}",
        r.body
    );
}

#[test]
fn settings_validate_every_field_and_drive_the_receptionist_data() {
    let s = server();
    let a = s.register("settings@example.com");
    let t = Some(a.token.as_str());
    let bad = [
        json!({"businessHours": {"tue": [["18:00", "09:00"]]}}),
        json!({"businessHours": {"funday": []}}),
        json!({"timezone": "Mars/Base"}),
        json!({"appointmentDuration": 2}),
        json!({"bufferMinutes": -5}),
        json!({"services": [{"name": "", "priceCents": 100}]}),
        json!({"services": [{"name": "Cut", "priceCents": -1}]}),
        json!({"faq": [{"language": "fr", "question": "q", "answer": "a"}]}),
        json!({"closures": [{"from": "2027-01-10", "to": "2027-01-01"}]}),
        json!({"closures": [{"from": "2027-02-30", "to": "2027-03-01"}]}),
        json!({"ownerPhone": "call me"}),
        json!({"afterHoursMode": "panic"}),
        json!({"languages": ["fr"]}),
        json!({"rachelEnabled": false}),
    ];
    for b in &bad {
        let r = s.req("PUT", "/api/client/settings", t, Some(b));
        assert_eq!(r.status, 400, "{b}: {}", r.body);
        assert!(r.error_message().len() > 10);
    }
    let good = json!({
        "businessHours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "sat": [["10:00", "14:00"]]},
        "closures": [{"from": "2027-12-24", "to": "2027-12-26", "reason": "Holidays"}],
        "services": [{"name": "Haircut", "nameEs": "Corte", "priceCents": 3500, "durationMinutes": 30}],
        "faq": [{"language": "en", "question": "Do you take walk-ins?", "answer": "Yes, until 4 PM."}],
        "greeting": "Thanks for calling Ada's Salon!", "greetingEs": "¡Gracias por llamar!",
        "address": "12 Main St", "ownerPhone": "555-212-9999", "reminderLeadMinutes": 120, "afterHoursMode": "voicemail"
    });
    let r = s.req("PUT", "/api/client/settings", t, Some(&good));
    assert_eq!(r.status, 200, "{}", r.body);
    let g = s.get("/api/client/settings", t).json()["data"].clone();
    assert_eq!(g["services"][0]["priceCents"], 3500);
    assert_eq!(g["businessHours"]["mon"][1], json!(["13:00", "17:00"]));
    assert_eq!(g["businessHours"]["tue"], json!([]));
    assert_eq!(g["ownerPhone"], "+15552129999");
    assert_eq!(g["closures"][0]["reason"], "Holidays");
    // Closures apply to booking.
    s.clock.set(at("2027-12-01T15:00:00Z"));
    let fresh = s.login("settings@example.com");
    let r = s.post(
        "/api/appointments",
        Some(&fresh),
        &appt("X", "555-212-0987", "2027-12-24", "10:00"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
}

#[test]
fn reminders_go_once_outside_quiet_hours() {
    let s = server();
    let a = s.register("remind@example.com");
    let t = Some(a.token.as_str());
    s.post(
        "/api/appointments",
        t,
        &appt("Ada", "555-212-0987", "2027-01-06", "10:00"),
    ); // Wed 10:00 Chicago = 16:00Z
    let state = s.running.state.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |_: &TestServer| rt.block_on(ringlypro::reminders::run_once(&state)).unwrap();
    s.clock.set(at("2027-01-05T15:00:00Z")); // 25 h before
    assert_eq!(run(&s), 0);
    s.clock.set(at("2027-01-05T16:30:00Z")); // 23.5 h before, 10:30 local
    assert_eq!(run(&s), 1);
    assert_eq!(run(&s), 0, "only once");
    let sms = outbox_sms(&s, "+15552120987");
    assert!(
        sms.last()
            .unwrap()
            .contains("Reply C to confirm or R to reschedule"),
        "{sms:?}"
    );
    // Quiet hours: a 08:30 appointment's reminder waits until 08:00 local.
    s.clock.set(at("2027-01-05T15:00:00Z"));
    s.post(
        "/api/appointments",
        t,
        &appt("Early", "555-212-0111", "2027-01-07", "09:00"),
    );
    s.clock.set(at("2027-01-07T03:30:00Z")); // 21:30 local on the 6th
    assert_eq!(run(&s), 0);
    s.clock.set(at("2027-01-07T14:00:00Z")); // 08:00 local on the 7th
    assert_eq!(run(&s), 1);
}

#[test]
fn dashboard_ics_feed_toggle_and_forwarding_codes() {
    let s = server();
    let a = s.register("dash@example.com");
    let t = Some(a.token.as_str());
    s.post(
        "/api/appointments",
        t,
        &appt(
            "Ada, \"the\" Countess",
            "555-212-0987",
            "2027-01-04",
            "11:00",
        ),
    );
    s.post(
        "/api/appointments",
        t,
        &appt("Bob", "555-212-0988", "2027-01-08", "11:00"),
    );
    let d = s.get("/api/dashboard", t).json()["data"].clone();
    assert_eq!(d["todayAppointments"].as_array().unwrap().len(), 1);
    assert_eq!(d["upcomingAppointments"].as_array().unwrap().len(), 2);
    assert_eq!(d["counts"]["contacts"], 2);
    assert_eq!(d["credits"]["monthlyFreeMinutes"], 100);
    assert_eq!(
        s.get("/api/mobile/dashboard", t).json()["data"]["counts"],
        d["counts"]
    );
    assert_eq!(s.get("/api/mobile/stats", t).status, 200);
    // AI switch.
    assert_eq!(
        s.post("/api/mobile/client/toggle", t, &json!({"enabled": false}))
            .json()["rachelEnabled"],
        false
    );
    assert_eq!(
        s.get("/api/client/settings", t).json()["data"]["rachelEnabled"],
        false
    );
    assert_eq!(
        s.req("POST", "/api/mobile/client/toggle", t, None).json()["rachelEnabled"],
        true
    );
    // iCal feed: secret link, escaped text, revocable.
    assert_eq!(
        s.get("/api/client/calendar-feed", t).json()["data"]["url"],
        Value::Null
    );
    let url = s.post("/api/client/calendar-feed", t, &json!({})).json()["data"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = &url[url.find("/api/calendar.ics").unwrap()..];
    let feed = s.get(path, None);
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(feed.body.starts_with("BEGIN:VCALENDAR\r\n"));
    assert_eq!(feed.body.matches("BEGIN:VEVENT").count(), 2);
    assert!(
        feed.body
            .contains("SUMMARY:Ada\\, \"the\" Countess – Cleaning"),
        "{}",
        feed.body
    );
    assert!(feed.body.contains("DTSTART:20270104T170000Z"));
    assert_eq!(
        s.req("DELETE", "/api/client/calendar-feed", t, None).status,
        200
    );
    assert_eq!(s.get(path, None).status, 404);
    assert_eq!(s.get("/api/calendar.ics?token=guess", None).status, 404);
    // Forwarding codes need a number.
    let list = s.get("/api/call-forwarding/carriers", t).json();
    assert_eq!(list["data"].as_array().unwrap().len(), 9);
    assert_eq!(s.get("/api/call-forwarding/setup/verizon", t).status, 409);
    s.sql(|c| {
        c.execute(
            "UPDATE clients SET ringlypro_number = '+15553004000' WHERE id = ?1",
            [a.client_id],
        )
        .unwrap()
    });
    let v = s.get("/api/call-forwarding/setup/verizon", t).json();
    assert_eq!(v["data"]["forwardAll"], "*725553004000");
    assert_eq!(s.get("/api/call-forwarding/setup/nokia", t).status, 404);
    assert_eq!(s.get("/api/call-forwarding/carriers", None).status, 401);
}

#[test]
fn another_tenants_rows_are_invisible_on_every_route() {
    let s = server();
    let a = s.register("tenant-a@example.com");
    let b = s.register("tenant-b@example.com");
    let (ta, tb) = (Some(a.token.as_str()), Some(b.token.as_str()));
    let bc = s
        .post(
            "/api/contacts",
            tb,
            &json!({"firstName": "Secret", "lastName": "Bee", "phone": "555-777-0001"}),
        )
        .json()["data"]["id"]
        .as_i64()
        .unwrap();
    let ba = s
        .post(
            "/api/appointments",
            tb,
            &appt("Secret Bee", "555-777-0001", "2027-01-05", "10:00"),
        )
        .json()["data"]
        .clone();
    let bid = ba["id"].as_i64().unwrap();
    let bcode = ba["confirmationCode"].as_str().unwrap();
    // Read, update, delete, search, export: B's rows are 404 or absent for A.
    for (m, path, body) in [
        ("GET", format!("/api/contacts/{bc}"), None),
        (
            "PUT",
            format!("/api/contacts/{bc}"),
            Some(json!({"firstName": "Hacked"})),
        ),
        ("DELETE", format!("/api/contacts/{bc}"), None),
        ("PATCH", format!("/api/contacts/{bc}/contact"), None),
        ("GET", format!("/api/appointments/{bid}"), None),
        (
            "PUT",
            format!("/api/appointments/{bid}"),
            Some(json!({"notes": "hacked"})),
        ),
        ("DELETE", format!("/api/appointments/{bid}"), None),
        (
            "POST",
            format!("/api/appointments/{bid}/send-confirmation"),
            Some(json!({})),
        ),
        (
            "GET",
            format!("/api/appointments/confirmation/{bcode}"),
            None,
        ),
    ] {
        let r = s.req(m, &path, ta, body.as_ref());
        assert_eq!(r.status, 404, "{m} {path}: {}", r.body);
    }
    assert_eq!(
        s.get("/api/contacts?search=Secret", ta).json()["data"]["pagination"]["totalContacts"],
        0
    );
    assert_eq!(
        s.get("/api/contacts/search/Secret", ta).json()["data"]["total"],
        0
    );
    assert_eq!(
        s.get("/api/contacts", ta).json()["data"]["pagination"]["totalContacts"],
        0
    );
    let auth = format!("Bearer {}", a.token);
    assert!(
        !request(
            &s.agent,
            "GET",
            &s.url("/api/contacts/export.csv"),
            &[("authorization", &auth)],
            None
        )
        .body
        .contains("Secret")
    );
    assert_eq!(
        s.get("/api/appointments", ta).json()["data"]["pagination"]["totalAppointments"],
        0
    );
    assert_eq!(
        s.get("/api/appointments/today", ta).json()["data"]["appointments"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.get("/api/dashboard", ta).json()["data"]["counts"]["contacts"],
        0
    );
    // B's booked slot does not make A's slot busy: tenants have separate calendars.
    assert_eq!(
        s.post(
            "/api/appointments",
            ta,
            &appt("A's customer", "555-777-0001", "2027-01-05", "10:00")
        )
        .status,
        201
    );
    // B's settings and feed are B's.
    s.req(
        "PUT",
        "/api/client/settings",
        ta,
        Some(&json!({"businessName": "A Only"})),
    );
    assert_eq!(
        s.get("/api/client/settings", tb).json()["data"]["businessName"],
        "Ada's Salon"
    );
    let url = s.post("/api/client/calendar-feed", ta, &json!({})).json()["data"]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let feed = s.get(&url[url.find("/api/calendar.ics").unwrap()..], None);
    assert!(
        !feed.body.contains("Secret Bee"),
        "A's feed must not show B's bookings"
    );
    // And B's data is intact.
    assert_eq!(
        s.get(&format!("/api/contacts/{bc}"), tb).json()["data"]["contact"]["firstName"],
        "Secret"
    );
    assert_eq!(
        s.get(&format!("/api/appointments/{bid}"), tb).json()["data"]["appointment"]["status"],
        "confirmed"
    );
}

#[test]
fn crm_bad_input_is_a_clear_4xx() {
    let s = server();
    let a = s.register("crm-bad@example.com");
    let t = Some(a.token.as_str());
    let id = s
        .post(
            "/api/contacts",
            t,
            &json!({"firstName": "Ok", "phone": "555-212-0987"}),
        )
        .json()["data"]["id"]
        .as_i64()
        .unwrap();
    let cases: Vec<(&str, String, Option<Value>, u16)> = vec![
        ("GET", "/api/contacts?page=0".into(), None, 400),
        ("GET", "/api/contacts?page=abc".into(), None, 400),
        ("GET", "/api/contacts?limit=500".into(), None, 400),
        ("GET", "/api/contacts?limit=-1".into(), None, 400),
        (
            "GET",
            "/api/contacts?page=99999999999999999999".into(),
            None,
            400,
        ),
        (
            "GET",
            "/api/contacts?sortBy=password_hash".into(),
            None,
            400,
        ),
        ("GET", "/api/contacts?sortOrder=sideways".into(), None, 400),
        ("GET", "/api/contacts/abc".into(), None, 400),
        ("GET", "/api/contacts/99999".into(), None, 404),
        ("GET", "/api/contacts/1.5".into(), None, 400),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"phone": "555-212-0000"})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "X", "phone": "nope"})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "X", "phone": "555-212-0001", "email": "bad@"})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "X", "phone": "555-212-0001", "clientId": 2})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "x".repeat(101), "phone": "555-212-0001"})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "X", "phone": "555-212-0001", "notes": "n".repeat(5001)})),
            400,
        ),
        (
            "POST",
            "/api/contacts".into(),
            Some(json!({"firstName": "X", "phone": "555-212-0001", "source": "hacker"})),
            400,
        ),
        (
            "PUT",
            format!("/api/contacts/{id}"),
            Some(json!({"status": "deleted"})),
            400,
        ),
        (
            "PUT",
            format!("/api/contacts/{id}"),
            Some(json!({"firstName": ""})),
            400,
        ),
        (
            "PUT",
            format!("/api/contacts/{id}"),
            Some(json!({"phone": 5552120987u64})),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "2027-02-30", "appointmentTime": "10:00"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "tomorrow", "appointmentTime": "10:00"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "2027-01-05", "appointmentTime": "25:00"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "2027-01-05", "appointmentTime": "10am"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "", "customerPhone": "555-212-0987", "appointmentDate": "2027-01-05", "appointmentTime": "10:00"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "", "appointmentDate": "2027-01-05", "appointmentTime": "10:00"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "2027-01-05", "appointmentTime": "10:00", "duration": 100000}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "2027-01-05", "appointmentTime": "10:00", "status": "confirmed"}),
            ),
            400,
        ),
        (
            "POST",
            "/api/appointments".into(),
            Some(
                json!({"customerName": "X", "customerPhone": "555-212-0987", "appointmentDate": "9999-12-31", "appointmentTime": "10:00"}),
            ),
            400,
        ),
        (
            "GET",
            "/api/appointments?from=2027-01-10&to=2027-01-01".into(),
            None,
            400,
        ),
        ("GET", "/api/appointments?status=lost".into(), None, 400),
        ("GET", "/api/appointments?from=yesterday".into(), None, 400),
        (
            "GET",
            "/api/appointments/available?date=2027-13-01".into(),
            None,
            400,
        ),
        (
            "GET",
            "/api/appointments/available?period=brunch".into(),
            None,
            400,
        ),
        (
            "GET",
            "/api/appointments/confirmation/%20".into(),
            None,
            400,
        ),
        (
            "GET",
            "/api/appointments/confirmation/NOPE99".into(),
            None,
            404,
        ),
        (
            "PUT",
            "/api/appointments/424242".into(),
            Some(json!({"notes": "x"})),
            404,
        ),
        (
            "PUT",
            "/api/client/settings".into(),
            Some(json!({"appointmentDuration": "thirty"})),
            400,
        ),
        (
            "POST",
            "/api/mobile/client/toggle".into(),
            Some(json!({"enabled": "yes"})),
            400,
        ),
        ("GET", "/api/call-forwarding/setup/%FF".into(), None, 400),
    ];
    assert!(cases.len() >= 30);
    for (m, path, body, expect) in &cases {
        let r = s.req(m, path, t, body.as_ref());
        assert_eq!(r.status, *expect, "{m} {path}: {}", r.body);
        assert!(r.error_message().len() > 5, "{m} {path}");
    }
    assert_eq!(s.get("/health", None).status, 200);
}
