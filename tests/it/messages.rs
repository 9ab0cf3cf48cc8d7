//! SMS: the Twilio signature gate, inbound texts and keywords, the outbox with a
//! fake Twilio (retries, crash safety, held while unconfigured), delivery
//! status callbacks and the messages API.

use crate::common::fake_twilio::FakeTwilio;
use crate::common::*;
use chrono::Duration;
use serde_json::json;

const SALON: &str = "+15557770001";
const CUSTOMER: &str = "+15553334444";

fn inbound<'a>(sid: &'a str, from: &'a str, to: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("AccountSid", crate::common::fake_twilio::ACCOUNT_SID),
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("From", from),
        ("To", to),
        ("Body", body),
        ("NumMedia", "0"),
    ]
}

fn message_count(s: &TestServer) -> i64 {
    s.scalar("SELECT count(*) FROM messages", [])
}

fn setup(poll_ms: u64) -> (FakeTwilio, TestServer, Account) {
    let fake = FakeTwilio::start();
    let s = TestServer::with_twilio(&fake, poll_ms);
    let a = s.register("salon@example.com");
    s.set_number(a.client_id, SALON);
    (fake, s, a)
}

#[test]
fn webhook_signature_is_required_and_checked() {
    let (_fake, s, _a) = setup(0);
    let path = "/webhook/twilio/sms";
    let params = inbound("SM100", CUSTOMER, SALON, "hello");
    let body = form_encode(&params);
    let ct = "application/x-www-form-urlencoded";

    let missing = s.twilio_raw(path, body.as_bytes(), ct, None);
    assert_eq!(missing.status, 403, "{}", missing.body);
    assert!(is_twiml(&missing), "{}", missing.body);

    let garbage = s.twilio_raw(path, body.as_bytes(), ct, Some("bm90IGEgc2lnbmF0dXJl"));
    assert_eq!(garbage.status, 403);

    // Signed for other parameters (the body was tampered with on the way).
    let other = sign(path, &inbound("SM100", CUSTOMER, SALON, "goodbye"));
    assert_eq!(
        s.twilio_raw(path, body.as_bytes(), ct, Some(&other)).status,
        403
    );

    // Signed for another URL (plain http instead of the public https one).
    let wrong_url = ringlypro::http::webhooks::twilio::twilio_signature(
        crate::common::fake_twilio::AUTH_TOKEN,
        &format!("http://hooks.ringlypro.test{path}"),
        params.iter().copied(),
    );
    assert_eq!(
        s.twilio_raw(path, body.as_bytes(), ct, Some(&wrong_url))
            .status,
        403
    );

    // Signed with another account's token.
    let wrong_token = ringlypro::http::webhooks::twilio::twilio_signature(
        "someone-elses-token",
        &format!("{WEBHOOK_BASE}{path}"),
        params.iter().copied(),
    );
    assert_eq!(
        s.twilio_raw(path, body.as_bytes(), ct, Some(&wrong_token))
            .status,
        403
    );

    // The status callbacks are guarded the same way.
    for p in ["/webhook/twilio/sms-status", "/webhook/twilio/status"] {
        let r = s.twilio_raw(
            p,
            b"CallSid=CA1&CallStatus=completed&MessageSid=SM1&MessageStatus=sent",
            ct,
            None,
        );
        assert_eq!(r.status, 403, "{p}");
    }
    assert_eq!(message_count(&s), 0, "a refused webhook changes nothing");
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM calls", []), 0);

    let ok = s.twilio_post(path, &params);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(is_twiml(&ok));
    assert_eq!(message_count(&s), 1);
}

#[test]
fn text_to_a_number_nobody_owns_gets_empty_twiml() {
    let (_fake, s, _a) = setup(0);
    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM200", CUSTOMER, "+15550001111", "STOP"),
    );
    assert_eq!(r.status, 200);
    assert!(is_twiml(&r));
    assert!(r.body.ends_with("<Response/>"), "{}", r.body);
    assert_eq!(message_count(&s), 0);
    assert_eq!(s.scalar::<i64>("SELECT count(*) FROM sms_opt_outs", []), 0);
}

#[test]
fn zero_config_accepts_only_this_machine() {
    let s = TestServer::start_with(|c| c.outbox_poll_ms = 0);
    let a = s.register("local@example.com");
    s.set_number(a.client_id, SALON);
    // From 127.0.0.1 without any signature: accepted (a local simulate-call).
    let local = s.twilio_raw(
        "/webhook/twilio/sms",
        form_encode(&inbound("SM300", CUSTOMER, SALON, "hi")).as_bytes(),
        "application/x-www-form-urlencoded",
        None,
    );
    assert_eq!(local.status, 200, "{}", local.body);
    assert_eq!(message_count(&s), 1);

    // The same request from another address is refused.
    use tower::ServiceExt;
    let router = ringlypro::http::router(s.running.state.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = rt.block_on(async move {
        let mut req = axum::http::Request::post("/webhook/twilio/sms")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form_encode(&inbound(
                "SM301", CUSTOMER, SALON, "hi",
            ))))
            .unwrap();
        req.extensions_mut().insert(axum::extract::ConnectInfo(
            "203.0.113.7:5000".parse::<std::net::SocketAddr>().unwrap(),
        ));
        router.oneshot(req).await.unwrap().status().as_u16()
    });
    assert_eq!(status, 403);
    assert_eq!(message_count(&s), 1);
}

fn send(s: &TestServer, token: &str, to: &str, body: &str) -> Resp {
    s.post(
        "/api/messages/sms",
        Some(token),
        &json!({ "to": to, "body": body }),
    )
}

#[test]
fn outbox_retries_until_twilio_accepts_and_sends_once() {
    let (fake, s, a) = setup(0);
    fake.fail_next(2, 500);
    let r = send(&s, &a.token, "(555) 333-4444", "Your table is ready");
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["data"]["message"]["id"].as_i64().unwrap();
    assert_eq!(r.json()["data"]["message"]["status"], "queued");
    assert_eq!(r.json()["data"]["message"]["fromNumber"], SALON);

    assert_eq!(s.run_outbox(), 1);
    assert_eq!(fake.received().len(), 1);
    assert_eq!(
        s.scalar::<String>("SELECT status FROM outbox WHERE message_id = ?1", [id]),
        "pending"
    );
    // Not due again before the backoff has passed.
    assert_eq!(s.run_outbox(), 0);
    s.clock.advance(Duration::seconds(31));
    assert_eq!(s.run_outbox(), 1);
    assert_eq!(fake.received().len(), 2);
    s.clock.advance(Duration::seconds(30));
    assert_eq!(s.run_outbox(), 0, "the second backoff is longer");
    s.clock.advance(Duration::seconds(31));
    assert_eq!(s.run_outbox(), 1);

    let got = fake.received();
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        vec![500, 500, 201]
    );
    let created = fake.created();
    assert_eq!(created.len(), 1, "delivered exactly once");
    let last = got.last().unwrap();
    assert_eq!(last.field("To"), Some(CUSTOMER));
    assert_eq!(last.field("From"), Some(SALON));
    assert_eq!(last.field("Body"), Some("Your table is ready"));
    assert_eq!(
        last.field("StatusCallback"),
        Some(format!("{WEBHOOK_BASE}/webhook/twilio/sms-status?m={id}").as_str())
    );
    let token = last.idempotency_token.clone().expect("idempotency token");
    assert!(
        got.iter()
            .all(|r| r.idempotency_token.as_deref() == Some(token.as_str()))
    );

    let (status, sid, attempts): (String, String, i64) = s.sql(|c| {
        c.query_row(
            "SELECT m.status, m.twilio_sid, o.attempts FROM messages m JOIN outbox o ON o.message_id = m.id WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    });
    assert_eq!(status, "sent");
    assert_eq!(sid, created[0]["sid"].as_str().unwrap());
    assert_eq!(attempts, 3);
    s.clock.advance(Duration::hours(2));
    assert_eq!(s.run_outbox(), 0, "nothing left to send");
}

#[test]
fn permanent_twilio_error_fails_without_retrying() {
    let (fake, s, a) = setup(0);
    fake.fail_next(1, 400);
    let id = send(&s, &a.token, CUSTOMER, "hello").json()["data"]["message"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(s.run_outbox(), 1);
    s.clock.advance(Duration::hours(3));
    assert_eq!(s.run_outbox(), 0);
    assert_eq!(fake.received().len(), 1);
    let m = s
        .get(
            &format!("/api/messages?phone={}", "%2B15553334444"),
            Some(&a.token),
        )
        .json();
    let msg = &m["data"]["messages"][0];
    assert_eq!(msg["id"], id);
    assert_eq!(msg["status"], "failed");
    assert_eq!(msg["errorCode"], "21211");
    assert!(
        msg["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not a valid phone number")
    );
}

#[test]
fn crash_between_sending_and_recording_never_texts_twice() {
    let (fake, s, a) = setup(0);
    let id = send(&s, &a.token, CUSTOMER, "See you at 3").json()["data"]["message"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(s.run_outbox(), 1);
    assert_eq!(fake.created().len(), 1);
    let sid = fake.created()[0]["sid"].as_str().unwrap().to_string();
    // Rewind to the moment after Twilio accepted it but before we wrote that
    // down: the item is still 'sending' under its lease and the message has no sid.
    s.sql(|c| {
        c.execute_batch(&format!(
            "UPDATE outbox SET status = 'sending', provider_id = NULL, sent_at = NULL,
                 next_attempt_at = '{}' WHERE message_id = {id};
             UPDATE messages SET status = 'queued', twilio_sid = NULL, sent_at = NULL WHERE id = {id};",
            ringlypro::clock::to_db(s.clock_now() + Duration::minutes(15))
        ))
        .unwrap()
    });
    assert_eq!(s.run_outbox(), 0, "a leased item is left alone");
    s.clock.advance(Duration::minutes(16));
    assert_eq!(s.run_outbox(), 1, "the expired lease is retried");
    let got = fake.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].idempotency_token, got[1].idempotency_token);
    assert_eq!(
        fake.created().len(),
        1,
        "Twilio dropped the duplicate: one text"
    );
    let (status, stored_sid): (String, String) = s.sql(|c| {
        c.query_row(
            "SELECT status, twilio_sid FROM messages WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(
        (status.as_str(), stored_sid.as_str()),
        ("sent", sid.as_str())
    );
    assert_eq!(
        s.scalar::<String>("SELECT status FROM outbox WHERE message_id = ?1", [id]),
        "sent"
    );
}

#[test]
fn background_worker_delivers_without_help() {
    let (fake, s, a) = setup(50);
    assert_eq!(send(&s, &a.token, CUSTOMER, "Reminder").status, 201);
    eventually("the worker to deliver", || {
        (fake.created().len() == 1).then_some(())
    });
    eventually("the message to be marked sent", || {
        (s.scalar::<String>("SELECT status FROM messages", []) == "sent").then_some(())
    });
}

#[test]
fn without_twilio_texts_are_held_with_the_reason_not_lost() {
    let s = TestServer::start_with(|c| c.outbox_poll_ms = 0);
    let a = s.register("offline@example.com");
    s.set_number(a.client_id, SALON);
    let t = s.get("/api/messages/test", Some(&a.token)).json();
    assert_eq!(t["data"]["twilioConfigured"], false);
    assert_eq!(t["data"]["fromNumber"], SALON);
    assert_eq!(t["data"]["canSend"], false);

    let r = send(&s, &a.token, CUSTOMER, "Hello");
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["data"]["twilioConfigured"], false);
    assert!(
        r.json()["data"]["note"]
            .as_str()
            .unwrap()
            .contains("Twilio is not configured")
    );
    assert_eq!(s.run_outbox(), 1);
    let (status, why): (String, String) = s.sql(|c| {
        c.query_row(
            "SELECT status, last_error FROM outbox WHERE channel = 'sms'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(
        (status.as_str(), why.as_str()),
        ("held", "Twilio is not configured")
    );
    let m = s
        .get("/api/messages?phone=%2B15553334444", Some(&a.token))
        .json();
    assert_eq!(m["data"]["messages"][0]["status"], "queued");
    assert!(
        m["data"]["messages"][0]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Twilio is not configured")
    );
}

#[test]
fn messages_test_reports_a_configured_twilio() {
    let (fake, s, a) = setup(0);
    let t = s.get("/api/messages/test", Some(&a.token));
    assert_eq!(t.status, 200);
    let t = t.json();
    assert_eq!(t["data"]["twilioConfigured"], true);
    assert_eq!(t["data"]["canSend"], true);
    assert_eq!(t["data"]["fromNumber"], SALON);
    assert!(fake.received().is_empty(), "the test route makes no call");
    assert_eq!(s.get("/api/messages/test", None).status, 401);
}

#[test]
fn client_idempotency_key_queues_one_message() {
    let (_fake, s, a) = setup(0);
    let headers = |key: &'static str| {
        let bearer = format!("Bearer {}", a.token);
        let body = serde_json::to_vec(&json!({ "to": CUSTOMER, "body": "once" })).unwrap();
        request(
            &s.agent,
            "POST",
            &s.url("/api/messages/sms"),
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
                ("idempotency-key", key),
            ],
            Some(&body),
        )
    };
    let first = headers("order-42");
    assert_eq!(first.status, 201, "{}", first.body);
    let again = headers("order-42");
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        first.json()["data"]["message"]["id"],
        again.json()["data"]["message"]["id"]
    );
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM outbox WHERE channel = 'sms'", []),
        1
    );
}

#[test]
fn stop_blocks_texts_until_start() {
    let (fake, s, a) = setup(0);
    // Queued before the STOP, delivered after it: never sent.
    let early = send(&s, &a.token, CUSTOMER, "Queued before STOP");
    assert_eq!(early.status, 201);
    let stop = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM400", CUSTOMER, SALON, " Stop "),
    );
    assert_eq!(stop.status, 200);
    assert!(
        stop.body.contains("<Message>") && stop.body.contains("unsubscribed"),
        "{}",
        stop.body
    );
    // A second STOP is not confirmed again.
    let again = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM401", CUSTOMER, SALON, "STOP"),
    );
    assert!(again.body.ends_with("<Response/>"), "{}", again.body);

    assert_eq!(s.run_outbox(), 1);
    assert!(
        fake.received().is_empty(),
        "nothing goes to a number that said STOP"
    );
    let early_id = early.json()["data"]["message"]["id"].as_i64().unwrap();
    assert_eq!(
        s.scalar::<String>("SELECT status FROM messages WHERE id = ?1", [early_id]),
        "failed"
    );
    let r = send(&s, &a.token, CUSTOMER, "Come back!");
    assert_eq!(r.status, 409, "{}", r.body);
    let msg = r.error_message();
    assert!(
        msg.contains("(555) 333-4444") && msg.contains("replied STOP"),
        "{msg}"
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM outbox WHERE channel = 'sms' AND status = 'pending'",
            []
        ),
        0
    );

    // Opting out is per business: another tenant may still text this number.
    let b = s.register("other@example.com");
    s.set_number(b.client_id, "+15557770002");
    assert_eq!(send(&s, &b.token, CUSTOMER, "Hi from B").status, 201);

    let start = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM402", CUSTOMER, SALON, "start"),
    );
    assert!(
        start.body.contains("subscribed to our texts again"),
        "{}",
        start.body
    );
    assert_eq!(send(&s, &a.token, CUSTOMER, "Welcome back").status, 201);

    // Spanish keyword, Spanish confirmation.
    let alto = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM403", CUSTOMER, SALON, "ALTO"),
    );
    assert!(
        alto.body.contains("Se canceló su suscripción"),
        "{}",
        alto.body
    );
}

#[test]
fn help_reply_names_the_business_and_escapes_it() {
    let (_fake, s, a) = setup(0);
    let help = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM500", CUSTOMER, SALON, "help"),
    );
    assert_eq!(help.status, 200);
    assert!(help.body.contains("Ada&apos;s Salon"), "{}", help.body);
    assert!(help.body.contains("(555) 212-0987"), "{}", help.body);
    let ayuda = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM501", CUSTOMER, SALON, "AYUDA"),
    );
    assert!(ayuda.body.contains("Para ayuda"), "{}", ayuda.body);

    // A hostile business name cannot break out of the TwiML.
    s.sql(|c| {
        c.execute(
            "UPDATE clients SET business_name = '<script>x</script> ]]> & Co' WHERE id = ?1",
            [a.client_id],
        )
        .unwrap()
    });
    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM502", CUSTOMER, SALON, "HELP"),
    );
    assert!(
        !r.body.contains("<script>") && !r.body.contains("]]>"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("&lt;script&gt;x&lt;/script&gt; ]]&gt; &amp; Co"),
        "{}",
        r.body
    );
}

#[test]
fn hostile_text_is_stored_verbatim_and_shown_as_data() {
    let (_fake, s, a) = setup(0);
    let text = "<script>alert('x')</script> ]]> <![CDATA[ & \"quoted\" é";
    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM600", CUSTOMER, SALON, text),
    );
    assert_eq!(r.status, 200);
    assert!(is_twiml(&r));
    assert_eq!(
        s.scalar::<String>("SELECT body FROM messages WHERE twilio_sid = 'SM600'", []),
        text
    );
    let t = s
        .get("/api/messages?phone=%2B15553334444", Some(&a.token))
        .json();
    assert_eq!(t["data"]["messages"][0]["body"], text);
    // The reply to a keyword is escaped TwiML even though the business is hostile.
    s.sql(|c| {
        c.execute(
            "UPDATE clients SET business_name = ?2 WHERE id = ?1",
            rusqlite::params![a.client_id, text],
        )
        .unwrap()
    });
    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM601", CUSTOMER, SALON, "help"),
    );
    assert!(r.body.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; ]]&gt; &lt;![CDATA[ &amp; &quot;quoted&quot; é"), "{}", r.body);
}

#[test]
fn retried_inbound_webhook_stores_one_row_and_answers_the_same() {
    let (_fake, s, _a) = setup(0);
    let params = inbound("SM700", CUSTOMER, SALON, "STOP");
    let first = s.twilio_post("/webhook/twilio/sms", &params);
    let second = s.twilio_post("/webhook/twilio/sms", &params);
    assert_eq!(first.status, 200);
    assert_eq!(first.body, second.body);
    assert!(first.body.contains("<Message>"), "{}", first.body);
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM messages WHERE direction = 'inbound'",
            []
        ),
        1
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM messages WHERE kind = 'auto_reply'",
            []
        ),
        1
    );
    // A plain text retried: still one row, empty answer both times.
    let hi = inbound("SM701", CUSTOMER, SALON, "Running late");
    assert_eq!(
        s.twilio_post("/webhook/twilio/sms", &hi).body,
        s.twilio_post("/webhook/twilio/sms", &hi).body
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM messages WHERE direction = 'inbound'",
            []
        ),
        2
    );
}

/// Inserts an appointment `days` from the test clock's today for `phone`.
fn appointment(
    s: &TestServer,
    client_id: i64,
    phone: &str,
    days: i64,
    time: &str,
    status: &str,
) -> i64 {
    let at = s.clock_now() + Duration::days(days);
    let date = at.format("%Y-%m-%d").to_string();
    let starts = format!("{date}T{time}:00Z");
    s.sql(|c| {
        c.execute(
            "INSERT INTO appointments (client_id, customer_name, customer_phone, appointment_date, appointment_time,
                 timezone, starts_at, status, confirmation_code, created_at, updated_at)
             VALUES (?1, 'Cus Tomer', ?2, ?3, ?4, 'UTC', ?5, ?6, ?7, 'now', 'now')",
            rusqlite::params![client_id, phone, date, time, starts, status, format!("C{days}{client_id}{}", time.replace(':', ""))],
        )
        .unwrap();
        c.last_insert_rowid()
    })
}

#[test]
fn confirm_and_reschedule_replies_act_on_the_right_appointment() {
    let (_fake, s, a) = setup(0);
    let b = s.register("b-salon@example.com");
    let b_number = "+15557770002";
    s.set_number(b.client_id, b_number);
    let past = appointment(&s, a.client_id, CUSTOMER, -2, "10:00", "confirmed");
    let next = appointment(&s, a.client_id, CUSTOMER, 2, "15:30", "pending");
    let later = appointment(&s, a.client_id, CUSTOMER, 9, "09:00", "confirmed");
    let other_person = appointment(&s, a.client_id, "+15559998888", 1, "11:00", "confirmed");
    let b_appt = appointment(&s, b.client_id, CUSTOMER, 1, "12:00", "confirmed");

    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM800", CUSTOMER, SALON, "c"),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("is confirmed") && r.body.contains("3:30 PM"),
        "{}",
        r.body
    );
    let history = |id: i64| -> Vec<String> {
        s.sql(|c| {
            let mut st = c
                .prepare(
                    "SELECT change FROM appointment_history WHERE appointment_id = ?1 ORDER BY id",
                )
                .unwrap();
            st.query_map([id], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        })
    };
    assert_eq!(history(next), vec!["confirmed_by_sms"]);
    assert_eq!(
        s.scalar::<String>("SELECT status FROM appointments WHERE id = ?1", [next]),
        "confirmed"
    );
    for other in [past, later, other_person, b_appt] {
        assert!(history(other).is_empty(), "appointment {other} untouched");
    }

    // R to business B moves B's appointment only.
    let r = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM801", CUSTOMER, b_number, "R"),
    );
    assert!(r.body.contains("call you back"), "{}", r.body);
    let flagged = |id: i64| {
        s.scalar::<i64>(
            "SELECT reschedule_requested FROM appointments WHERE id = ?1",
            [id],
        )
    };
    assert_eq!(flagged(b_appt), 1);
    assert_eq!(flagged(next), 0);
    assert_eq!(history(b_appt), vec!["reschedule_requested"]);
    assert_eq!(
        s.scalar::<i64>("SELECT count(*) FROM notifications WHERE client_id = ?1 AND kind = 'reschedule_request'", [b.client_id]),
        1
    );
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM notifications WHERE client_id = ?1",
            [a.client_id]
        ),
        0
    );

    // Spanish confirmation word; and a number with no upcoming appointment.
    let si = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM802", CUSTOMER, SALON, "Sí"),
    );
    assert!(si.body.contains("confirmada"), "{}", si.body);
    assert_eq!(history(next), vec!["confirmed_by_sms"], "confirmed once");
    let none = s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM803", "+15552223333", SALON, "C"),
    );
    assert!(
        none.body.contains("could not find an upcoming appointment"),
        "{}",
        none.body
    );
}

#[test]
fn delivery_status_moves_forward_only() {
    let (fake, s, a) = setup(0);
    send(&s, &a.token, CUSTOMER, "status please");
    assert_eq!(s.run_outbox(), 1);
    let sid = fake.created()[0]["sid"].as_str().unwrap().to_string();
    let cb = |status: &str, code: Option<&str>| {
        let mut p = vec![
            ("MessageSid", sid.as_str()),
            ("MessageStatus", status),
            ("AccountSid", crate::common::fake_twilio::ACCOUNT_SID),
        ];
        if let Some(c) = code {
            p.push(("ErrorCode", c));
        }
        let r = s.twilio_post("/webhook/twilio/sms-status", &p);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(is_twiml(&r));
        s.scalar::<String>("SELECT status FROM messages WHERE twilio_sid = ?1", [&sid])
    };
    assert_eq!(cb("sent", None), "sent");
    assert_eq!(cb("delivered", None), "delivered");
    assert_eq!(cb("sent", None), "delivered", "never back from delivered");
    assert_eq!(cb("delivered", None), "delivered");
    assert_eq!(cb("undelivered", Some("30003")), "delivered");
    assert!(
        s.scalar::<Option<String>>(
            "SELECT delivered_at FROM messages WHERE twilio_sid = ?1",
            [&sid]
        )
        .is_some()
    );
    // Unknown sid or status: answered, nothing changes.
    let r = s.twilio_post(
        "/webhook/twilio/sms-status",
        &[("MessageSid", "SMnope"), ("MessageStatus", "delivered")],
    );
    assert_eq!(r.status, 200);
    let r = s.twilio_post(
        "/webhook/twilio/sms-status",
        &[
            ("MessageSid", sid.as_str()),
            ("MessageStatus", "teleported"),
        ],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn failed_delivery_status_records_the_error() {
    let (fake, s, a) = setup(0);
    send(&s, &a.token, CUSTOMER, "to a landline");
    s.run_outbox();
    let sid = fake.created()[0]["sid"].as_str().unwrap().to_string();
    s.twilio_post(
        "/webhook/twilio/sms-status",
        &[
            ("MessageSid", sid.as_str()),
            ("MessageStatus", "undelivered"),
            ("ErrorCode", "30006"),
        ],
    );
    let (status, code): (String, String) = s.sql(|c| {
        c.query_row(
            "SELECT status, error_code FROM messages WHERE twilio_sid = ?1",
            [&sid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!((status.as_str(), code.as_str()), ("undelivered", "30006"));
}

#[test]
fn threads_group_by_the_other_party_with_contacts() {
    let (_fake, s, a) = setup(0);
    s.sql(|c| {
        c.execute(
            "INSERT INTO contacts (client_id, first_name, last_name, phone, created_at, updated_at) VALUES (?1, 'Carla', 'Diaz', ?2, 'now', 'now')",
            rusqlite::params![a.client_id, CUSTOMER],
        )
        .unwrap()
    });
    let other = "+15556667777";
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM900", CUSTOMER, SALON, "first"),
    );
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM901", other, SALON, "from other"),
    );
    assert_eq!(send(&s, &a.token, CUSTOMER, "reply to Carla").status, 201);
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM902", CUSTOMER, SALON, "thanks"),
    );
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SM903", CUSTOMER, SALON, "see you"),
    );

    let r = s.get("/api/messages", Some(&a.token));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let threads = v["data"]["threads"].as_array().unwrap();
    assert_eq!(threads.len(), 2);
    assert_eq!(threads[0]["phone"], CUSTOMER);
    assert_eq!(threads[0]["contactName"], "Carla Diaz");
    assert_eq!(threads[0]["messageCount"], 4);
    assert_eq!(threads[0]["inboundCount"], 3);
    assert_eq!(threads[0]["unreadCount"], 2, "two came after our reply");
    assert_eq!(threads[0]["lastMessage"]["body"], "see you");
    assert_eq!(threads[1]["phone"], other);
    assert!(threads[1]["contactName"].is_null());
    assert_eq!(v["data"]["pagination"]["totalThreads"], 2);

    // The inbound message was linked to the contact.
    assert!(
        s.scalar::<Option<i64>>(
            "SELECT contact_id FROM messages WHERE twilio_sid = 'SM900'",
            []
        )
        .is_some()
    );

    let t = s
        .get(
            "/api/messages?phone=(555)%20333-4444&limit=3",
            Some(&a.token),
        )
        .json();
    let bodies: Vec<&str> = t["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec!["first", "reply to Carla", "thanks"],
        "oldest first"
    );
    assert_eq!(t["data"]["contact"]["name"], "Carla Diaz");
    assert_eq!(t["data"]["pagination"]["totalMessages"], 4);
    assert_eq!(t["data"]["pagination"]["hasNext"], true);
    let p2 = s
        .get(
            "/api/messages?phone=%2B15553334444&limit=3&page=2",
            Some(&a.token),
        )
        .json();
    assert_eq!(p2["data"]["messages"][0]["body"], "see you");
    assert_eq!(s.get("/api/messages", None).status, 401);
}

#[test]
fn tenants_never_see_each_others_threads() {
    let (_fake, s, a) = setup(0);
    let b = s.register("b@example.com");
    let b_number = "+15557770002";
    s.set_number(b.client_id, b_number);
    let b_customer = "+15554445555";
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SMb1", b_customer, b_number, "secret for B"),
    );
    s.twilio_post(
        "/webhook/twilio/sms",
        &inbound("SMa1", CUSTOMER, SALON, "for A"),
    );

    let la = s.get("/api/messages", Some(&a.token)).json();
    let phones: Vec<&str> = la["data"]["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, vec![CUSTOMER]);
    assert!(!la.to_string().contains("secret for B"));
    let by_phone = s.get("/api/messages?phone=%2B15554445555", Some(&a.token));
    assert_eq!(by_phone.status, 200);
    assert_eq!(
        by_phone.json()["data"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert!(!by_phone.body.contains("secret for B"));
    let lb = s.get("/api/messages", Some(&b.token)).json();
    assert_eq!(lb["data"]["threads"].as_array().unwrap().len(), 1);
    assert_eq!(lb["data"]["threads"][0]["phone"], b_customer);
}

#[test]
fn sending_needs_a_number_of_your_own() {
    let (_fake, s, a) = setup(0);
    let own = send(&s, &a.token, SALON, "note to self");
    assert_eq!(own.status, 400, "{}", own.body);
    assert!(own.error_message().contains("own RinglyPro number"));
    let c = s.register("nonumber@example.com");
    let r = send(&s, &c.token, CUSTOMER, "hi");
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.error_message().contains("no RinglyPro number"));
    let r = s.post(
        "/api/messages/sms",
        Some(&c.token),
        &json!({ "to": CUSTOMER, "body": "spoof", "from": SALON }),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.error_message().contains("unknown field `from`"),
        "{}",
        r.body
    );
}

#[test]
fn outbox_gives_up_after_eight_attempts() {
    let (fake, s, a) = setup(0);
    fake.fail_next(20, 503);
    let id = send(&s, &a.token, CUSTOMER, "never arrives").json()["data"]["message"]["id"]
        .as_i64()
        .unwrap();
    for _ in 0..12 {
        s.run_outbox();
        s.clock.advance(Duration::hours(2));
    }
    assert_eq!(fake.received().len(), 8, "eight attempts, then no more");
    assert!(fake.created().is_empty());
    let (status, error): (String, String) = s.sql(|c| {
        c.query_row(
            "SELECT status, error_message FROM messages WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(status, "failed");
    assert!(error.contains("Internal Server Error"), "{error}");
    assert_eq!(
        s.scalar::<String>("SELECT status FROM outbox WHERE message_id = ?1", [id]),
        "failed"
    );
}

#[test]
fn status_callback_that_beats_the_worker_still_counts() {
    let (_fake, s, a) = setup(0);
    let id = send(&s, &a.token, CUSTOMER, "quick").json()["data"]["message"]["id"]
        .as_i64()
        .unwrap();
    // Twilio's "delivered" arrives before the worker has written the sid down.
    let path = format!("/webhook/twilio/sms-status?m={id}");
    let r = s.twilio_post(
        &path,
        &[
            ("MessageSid", "SMearly0001"),
            ("MessageStatus", "delivered"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        s.scalar::<String>("SELECT status FROM messages WHERE id = ?1", [id]),
        "delivered"
    );
    assert_eq!(s.run_outbox(), 1);
    assert_eq!(
        s.scalar::<String>("SELECT status FROM messages WHERE id = ?1", [id]),
        "delivered",
        "the worker's 'sent' does not undo it"
    );
    // A message that has its sid is never re-pointed by another callback.
    let r = s.twilio_post(
        &path,
        &[("MessageSid", "SMother0002"), ("MessageStatus", "failed")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        s.scalar::<i64>(
            "SELECT count(*) FROM messages WHERE twilio_sid = 'SMother0002'",
            []
        ),
        0
    );
}
