//! Calls: the status callback (one row per CallSid, billing hook once), the
//! calls API (filters, pagination, transcript, call log), tenant isolation,
//! and bad input on every messaging and calls route.

use crate::common::fake_twilio::{ACCOUNT_SID, FakeTwilio};
use crate::common::*;
use serde_json::json;

const SALON: &str = "+15557770001";
const CALLER: &str = "+15553334444";

fn setup() -> (FakeTwilio, TestServer, Account) {
    let fake = FakeTwilio::start();
    let s = TestServer::with_twilio(&fake, 0);
    let a = s.register("calls@example.com");
    s.set_number(a.client_id, SALON);
    (fake, s, a)
}

fn callback(
    s: &TestServer,
    sid: &str,
    status: &str,
    to: &str,
    from: &str,
    duration: Option<&str>,
) -> Resp {
    let mut p = vec![
        ("AccountSid", ACCOUNT_SID),
        ("CallSid", sid),
        ("CallStatus", status),
        ("Direction", "inbound"),
        ("From", from),
        ("To", to),
        ("Called", to),
        ("Caller", from),
        ("ApiVersion", "2010-04-01"),
        ("Timestamp", "Mon, 23 Nov 2026 15:00:00 +0000"),
    ];
    if let Some(d) = duration {
        p.push(("CallDuration", d));
    }
    let r = s.twilio_post("/webhook/twilio/status", &p);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(is_twiml(&r), "{}", r.body);
    r
}

#[test]
fn status_callback_is_one_row_per_call_and_bills_once() {
    let (_fake, s, a) = setup();
    callback(&s, "CA100", "ringing", SALON, CALLER, None);
    callback(&s, "CA100", "in-progress", SALON, CALLER, None);
    for _ in 0..3 {
        callback(&s, "CA100", "completed", SALON, CALLER, Some("125"));
    }
    // A late, out-of-order callback does not undo the final status.
    callback(&s, "CA100", "in-progress", SALON, CALLER, None);

    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM calls", []), 1);
    let (client, status, duration, billed, end): (i64, String, i64, bool, Option<String>) = s.sql(|c| {
        c.query_row(
            "SELECT client_id, status, duration, billed, end_time FROM calls WHERE twilio_call_sid = 'CA100'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap()
    });
    assert_eq!(client, a.client_id);
    assert_eq!(status, "completed");
    assert_eq!(duration, 125);
    assert!(billed);
    assert!(end.is_some());
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM webhook_events WHERE event_id = 'call-completed:CA100'",
            []
        ),
        1,
        "the billing hook ran once"
    );

    // A call that ended busy is recorded but never billed.
    callback(&s, "CA101", "busy", SALON, CALLER, None);
    assert!(!s.scalar::<bool>(
        "SELECT billed FROM calls WHERE twilio_call_sid = 'CA101'",
        []
    ));
    // A call to a number no business owns is ignored.
    callback(&s, "CA102", "completed", "+15550009999", CALLER, Some("10"));
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM calls", []), 2);
}

#[test]
fn calls_api_filters_paginates_and_shows_the_transcript() {
    let (_fake, s, a) = setup();
    s.sql(|c| {
        c.execute(
            "INSERT INTO contacts (client_id, first_name, last_name, phone, created_at, updated_at) VALUES (?1, 'Carla', 'Diaz', ?2, 'now', 'now')",
            rusqlite::params![a.client_id, CALLER],
        )
        .unwrap()
    });
    callback(&s, "CA1", "completed", SALON, CALLER, Some("125"));
    callback(&s, "CA2", "no-answer", SALON, "+15556667777", None);
    callback(&s, "CA3", "completed", SALON, "+15556667777", Some("30"));
    callback(&s, "CA4", "busy", SALON, CALLER, None);
    let id1 = s.scalar::<i64>("SELECT id FROM calls WHERE twilio_call_sid = 'CA1'", []);
    s.sql(|c| {
        c.execute_batch(&format!(
            "UPDATE calls SET created_at = '2026-01-01T10:00:00Z', recording_url = 'https://api.twilio.com/rec/RE1',
                 voicemail_transcription = 'Please call me back' WHERE id = {id1};
             INSERT INTO call_turns (client_id, call_id, seq, state, caller_text, reply_text, server_ms, created_at) VALUES
                 ({c}, {id1}, 2, 'collect_name', 'Carla', 'Thanks Carla', 1.5, 'now'),
                 ({c}, {id1}, 1, 'greeting', NULL, 'Hello, this is Rachel', 1.0, 'now'),
                 ({c}, {id1}, 3, 'goodbye', 'bye', 'Goodbye', 0.5, 'now');",
            c = a.client_id
        ))
        .unwrap()
    });

    let all = s.get("/api/calls", Some(&a.token));
    assert_eq!(all.status, 200, "{}", all.body);
    let v = all.json();
    assert_eq!(v["success"], true);
    let calls = v["data"]["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[3]["twilioCallSid"], "CA1", "oldest last");
    assert_eq!(
        v["data"]["pagination"],
        json!({
            "currentPage": 1, "totalPages": 1, "totalCalls": 4, "hasNext": false, "hasPrev": false, "limit": 50
        })
    );
    assert_eq!(calls[3]["contactName"], "Carla Diaz");

    let completed = s.get("/api/calls?status=completed", Some(&a.token)).json();
    assert_eq!(completed["data"]["pagination"]["totalCalls"], 2);
    let contact_id = calls[3]["contactId"].as_i64().unwrap();
    let by_contact = s
        .get(&format!("/api/calls?contact={contact_id}"), Some(&a.token))
        .json();
    assert_eq!(by_contact["data"]["pagination"]["totalCalls"], 2);
    let inbound = s
        .get("/api/calls?direction=incoming", Some(&a.token))
        .json();
    assert_eq!(inbound["data"]["pagination"]["totalCalls"], 4);
    assert_eq!(
        s.get("/api/calls?direction=outbound", Some(&a.token))
            .json()["data"]["pagination"]["totalCalls"],
        0
    );
    let january = s
        .get("/api/calls?from=2025-12-31&to=2026-01-01", Some(&a.token))
        .json();
    assert_eq!(january["data"]["pagination"]["totalCalls"], 1);
    assert_eq!(january["data"]["calls"][0]["twilioCallSid"], "CA1");

    let page2 = s.get("/api/calls?limit=3&page=2", Some(&a.token)).json();
    assert_eq!(page2["data"]["calls"].as_array().unwrap().len(), 1);
    assert_eq!(page2["data"]["pagination"]["hasPrev"], true);
    assert_eq!(page2["data"]["pagination"]["hasNext"], false);
    assert_eq!(page2["data"]["pagination"]["totalPages"], 2);
    let far = s.get("/api/calls?page=999999", Some(&a.token));
    assert_eq!(far.status, 200);
    assert_eq!(far.json()["data"]["calls"].as_array().unwrap().len(), 0);

    let d = s.get(&format!("/api/calls/{id1}"), Some(&a.token));
    assert_eq!(d.status, 200, "{}", d.body);
    let d = d.json();
    assert_eq!(d["data"]["recordingUrl"], "https://api.twilio.com/rec/RE1");
    assert_eq!(d["data"]["voicemailTranscription"], "Please call me back");
    let seqs: Vec<i64> = d["data"]["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(
        d["data"]["transcript"][0]["replyText"],
        "Hello, this is Rachel"
    );
    assert_eq!(s.get("/api/calls/999999", Some(&a.token)).status, 404);

    let log = s.get("/api/call-log?limit=10", Some(&a.token));
    assert_eq!(log.status, 200, "{}", log.body);
    let log = log.json();
    let rows = log["data"]["calls"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let carla = rows.iter().find(|r| r["callSid"] == "CA1").unwrap();
    assert_eq!(carla["contactName"], "Carla Diaz");
    assert_eq!(carla["durationFormatted"], "2:05");
    assert_eq!(carla["outcome"], "voicemail");
    let missed = rows.iter().find(|r| r["callSid"] == "CA2").unwrap();
    assert_eq!(missed["outcome"], "missed");
    assert_eq!(missed["contactName"], "(555) 666-7777");
    assert_eq!(s.get("/api/calls", None).status, 401);
    assert_eq!(s.get("/api/call-log", None).status, 401);
}

#[test]
fn another_tenants_call_is_not_found() {
    let (_fake, s, a) = setup();
    let b = s.register("b-calls@example.com");
    let b_number = "+15557770002";
    s.set_number(b.client_id, b_number);
    callback(&s, "CAb", "completed", b_number, CALLER, Some("60"));
    callback(&s, "CAa", "completed", SALON, CALLER, Some("60"));
    let b_call = s.scalar::<i64>("SELECT id FROM calls WHERE twilio_call_sid = 'CAb'", []);
    let r = s.get(&format!("/api/calls/{b_call}"), Some(&a.token));
    assert_eq!(r.status, 404, "not 403: nothing leaks");
    assert!(!r.body.contains("CAb"));
    let la = s.get("/api/calls", Some(&a.token)).json();
    assert_eq!(la["data"]["pagination"]["totalCalls"], 1);
    assert_eq!(la["data"]["calls"][0]["twilioCallSid"], "CAa");
    assert!(!s.get("/api/call-log", Some(&a.token)).body.contains("CAb"));
    assert_eq!(
        s.get(&format!("/api/calls/{b_call}"), Some(&b.token))
            .status,
        200
    );
    // A callback for B's call naming A's number cannot move it to A.
    callback(&s, "CAb", "completed", SALON, CALLER, Some("999"));
    assert_eq!(
        s.scalar::<i64>(
            "SELECT client_id FROM calls WHERE twilio_call_sid = 'CAb'",
            []
        ),
        b.client_id
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT duration FROM calls WHERE twilio_call_sid = 'CAb'",
            []
        ),
        60
    );
}

struct Case {
    what: &'static str,
    method: &'static str,
    path: String,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    extra: Vec<(&'static str, String)>,
    /// Sign the body as a form (webhooks).
    signed: bool,
}

fn api(what: &'static str, method: &'static str, path: &str) -> Case {
    Case {
        what,
        method,
        path: path.into(),
        content_type: None,
        body: vec![],
        extra: vec![],
        signed: false,
    }
}

fn sms_json(what: &'static str, body: serde_json::Value) -> Case {
    Case {
        content_type: Some("application/json"),
        body: serde_json::to_vec(&body).unwrap(),
        ..api(what, "POST", "/api/messages/sms")
    }
}

fn hook(what: &'static str, path: &str, params: &[(&str, &str)]) -> Case {
    Case {
        content_type: Some("application/x-www-form-urlencoded"),
        body: form_encode(params).into_bytes(),
        signed: true,
        ..api(what, "POST", path)
    }
}

fn hook_raw(what: &'static str, path: &str, ct: &'static str, body: &[u8]) -> Case {
    Case {
        content_type: Some(ct),
        body: body.to_vec(),
        signed: true,
        ..api(what, "POST", path)
    }
}

#[test]
fn bad_input_on_messaging_and_calls_routes_is_4xx_or_twiml_never_500() {
    let (_fake, s, a) = setup();
    let long_body = "x".repeat(10 * 1024);
    let sms = "/webhook/twilio/sms";
    let cases = vec![
        // API: POST /api/messages/sms
        Case {
            content_type: Some("application/json"),
            body: br#"{"to": "#.to_vec(),
            ..api("malformed JSON", "POST", "/api/messages/sms")
        },
        Case {
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"to=%2B15553334444&body=hi".to_vec(),
            ..api("form where JSON expected", "POST", "/api/messages/sms")
        },
        sms_json(
            "from is not allowed",
            json!({ "to": CALLER, "body": "hi", "from": "+15550000000" }),
        ),
        sms_json(
            "unknown field",
            json!({ "to": CALLER, "body": "hi", "mediaUrl": "x" }),
        ),
        sms_json("missing body", json!({ "to": CALLER })),
        sms_json("missing to", json!({ "body": "hi" })),
        sms_json("empty body", json!({ "to": CALLER, "body": "   " })),
        sms_json("10 KB body", json!({ "to": CALLER, "body": long_body })),
        sms_json("invalid phone", json!({ "to": "12345", "body": "hi" })),
        sms_json(
            "phone with letters",
            json!({ "to": "555-CALL-NOW", "body": "hi" }),
        ),
        sms_json(
            "to as a number",
            json!({ "to": 5553334444_i64, "body": "hi" }),
        ),
        sms_json(
            "control characters",
            json!({ "to": CALLER, "body": "a\u{0}b" }),
        ),
        Case {
            extra: vec![("idempotency-key", "k".repeat(300))],
            ..sms_json(
                "huge idempotency key",
                json!({ "to": CALLER, "body": "hi" }),
            )
        },
        // API: lists
        api(
            "invalid thread phone",
            "GET",
            "/api/messages?phone=not-a-phone",
        ),
        api(
            "huge page number",
            "GET",
            "/api/messages?page=99999999999999999999999",
        ),
        api("negative limit", "GET", "/api/messages?limit=-5"),
        api("unknown query field", "GET", "/api/messages?folder=inbox"),
        api("page zero", "GET", "/api/calls?page=0"),
        api("page beyond the cap", "GET", "/api/calls?page=5000000"),
        api("limit over 200", "GET", "/api/calls?limit=201"),
        api("negative calls limit", "GET", "/api/calls?limit=-1"),
        api("limit not a number", "GET", "/api/calls?limit=ten"),
        api("unknown call status", "GET", "/api/calls?status=exploded"),
        api("unknown direction", "GET", "/api/calls?direction=sideways"),
        api("bad date", "GET", "/api/calls?from=yesterday"),
        api(
            "reversed dates",
            "GET",
            "/api/calls?from=2026-11-10&to=2026-11-01",
        ),
        api("contact not a number", "GET", "/api/calls?contact=carla"),
        api("call id not a number", "GET", "/api/calls/abc"),
        api(
            "call id overflow",
            "GET",
            "/api/calls/99999999999999999999999",
        ),
        api(
            "call log limit too big",
            "GET",
            "/api/call-log?limit=100000",
        ),
        // Webhooks (signed where a signature is possible)
        hook_raw(
            "JSON where a form is expected",
            sms,
            "application/json",
            br#"{"MessageSid":"SM1","From":"+15553334444","To":"+15557770001","Body":"hi"}"#,
        ),
        hook_raw(
            "malformed form body",
            sms,
            "application/x-www-form-urlencoded",
            b"MessageSid=SM1&Body=%zz&From=%2",
        ),
        hook_raw(
            "not UTF-8",
            sms,
            "application/x-www-form-urlencoded",
            b"MessageSid=SM1&Body=%FF%FE",
        ),
        hook(
            "missing MessageSid",
            sms,
            &[("From", CALLER), ("To", SALON), ("Body", "hi")],
        ),
        hook(
            "missing From",
            sms,
            &[("MessageSid", "SM9"), ("To", SALON), ("Body", "hi")],
        ),
        hook(
            "sid with markup",
            sms,
            &[
                ("MessageSid", "SM<x>"),
                ("From", CALLER),
                ("To", SALON),
                ("Body", "hi"),
            ],
        ),
        hook(
            "invalid To",
            sms,
            &[
                ("MessageSid", "SM10"),
                ("From", CALLER),
                ("To", "not-a-number"),
                ("Body", "hi"),
            ],
        ),
        hook(
            "10 KB inbound text",
            sms,
            &[
                ("MessageSid", "SM11"),
                ("From", CALLER),
                ("To", SALON),
                ("Body", &"y".repeat(10 * 1024 + 1)),
            ],
        ),
        hook("empty form", sms, &[]),
        hook(
            "status without MessageStatus",
            "/webhook/twilio/sms-status",
            &[("MessageSid", "SM12")],
        ),
        hook(
            "status with a huge status",
            "/webhook/twilio/sms-status",
            &[("MessageSid", "SM12"), ("MessageStatus", &"d".repeat(100))],
        ),
        hook(
            "call status without CallSid",
            "/webhook/twilio/status",
            &[("CallStatus", "completed"), ("To", SALON)],
        ),
        hook(
            "call status without CallStatus",
            "/webhook/twilio/status",
            &[("CallSid", "CA9"), ("To", SALON)],
        ),
        hook(
            "unknown call status",
            "/webhook/twilio/status",
            &[
                ("CallSid", "CA9"),
                ("CallStatus", "exploded"),
                ("To", SALON),
            ],
        ),
        hook(
            "duration not a number",
            "/webhook/twilio/status",
            &[
                ("CallSid", "CA9"),
                ("CallStatus", "completed"),
                ("To", SALON),
                ("CallDuration", "long"),
            ],
        ),
        hook(
            "negative duration",
            "/webhook/twilio/status",
            &[
                ("CallSid", "CA9"),
                ("CallStatus", "completed"),
                ("To", SALON),
                ("CallDuration", "-5"),
            ],
        ),
    ];
    assert!(cases.len() >= 15);
    let bearer = format!("Bearer {}", a.token);
    for c in &cases {
        let mut headers: Vec<(&str, &str)> = vec![];
        let sig;
        if c.signed {
            let params = ringlypro::http::webhooks::twilio::parse_form(&c.body).unwrap_or_default();
            sig = ringlypro::http::webhooks::twilio::twilio_signature(
                crate::common::fake_twilio::AUTH_TOKEN,
                &format!("{WEBHOOK_BASE}{}", c.path),
                params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            );
            headers.push(("x-twilio-signature", &sig));
        } else {
            headers.push(("authorization", &bearer));
        }
        if let Some(ct) = c.content_type {
            headers.push(("content-type", ct));
        }
        for (k, v) in &c.extra {
            headers.push((k, v));
        }
        let body = (!c.body.is_empty() || c.method == "POST").then_some(c.body.as_slice());
        let r = request(&s.agent, c.method, &s.url(&c.path), &headers, body);
        assert!(r.status < 500, "{}: got {} {}", c.what, r.status, r.body);
        if c.path.starts_with("/webhook/") {
            assert!(
                is_twiml(&r),
                "{}: not TwiML: {} {}",
                c.what,
                r.status,
                r.body
            );
        } else {
            assert!(
                (400..500).contains(&r.status),
                "{}: got {} {}",
                c.what,
                r.status,
                r.body
            );
            r.error_message();
        }
    }
    // Nothing got stored by any of them, and the server still answers.
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM messages", []), 0);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM calls", []), 0);
    assert_eq!(s.get("/health", None).status, 200);
}
