//! The voice receptionist end to end: real server, requests signed as Twilio
//! signs them, whole scripted calls in English and Spanish.

use crate::common::fake_twilio::FakeTwilio;
use crate::common::*;
use chrono::{DateTime, Utc};
use serde_json::json;

const NUMBER: &str = "+15553004000";
const OWNER: &str = "+15552129999";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct Shop {
    s: TestServer,
    _fake: FakeTwilio,
    client_id: i64,
    token: String,
}

/// A salon in Chicago with a Twilio number, services, FAQ and an owner phone;
/// the clock reads Monday 2027-01-04 09:00 local.
fn shop() -> Shop {
    let fake = FakeTwilio::start();
    let s = TestServer::with_twilio(&fake, 0);
    s.clock.set(at("2027-01-04T15:00:00Z"));
    let a = s.register("voice@example.com");
    s.set_number(a.client_id, NUMBER);
    let r = s.req(
        "PUT",
        "/api/client/settings",
        Some(&a.token),
        Some(&json!({
            "services": [{"name": "Haircut", "nameEs": "Corte de pelo", "priceCents": 3500}, {"name": "Color", "nameEs": "Tinte", "priceCents": 8000}],
            "faq": [{"language": "en", "question": "Do you have parking available?", "answer": "Yes, free parking behind the salon."},
                    {"language": "es", "question": "¿Tienen estacionamiento disponible?", "answer": "Sí, estacionamiento gratis detrás del salón."}],
            "address": "12 Main Street, Springfield", "directions": "Next to the bakery.",
            "ownerPhone": OWNER, "minNoticeMinutes": 60
        })),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    Shop {
        s,
        _fake: fake,
        client_id: a.client_id,
        token: a.token,
    }
}

/// One simulated caller: follows the action URL of each answer, signed.
struct Caller<'a> {
    s: &'a TestServer,
    sid: String,
    from: String,
    next: String,
    last: String,
}

impl<'a> Caller<'a> {
    fn dial(s: &'a TestServer, from: &str, entry: &str) -> Self {
        let sid = format!("CA{}", ringlypro::auth::random_hex(16));
        let mut c = Caller {
            s,
            sid,
            from: from.into(),
            next: String::new(),
            last: String::new(),
        };
        c.post(entry, &[]);
        c
    }
    fn post(&mut self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("CallSid", self.sid.as_str()),
            ("From", self.from.as_str()),
            ("To", NUMBER),
            ("CallStatus", "in-progress"),
        ];
        params.extend_from_slice(extra);
        let r = self.s.twilio_post(path, &params);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(is_twiml(&r), "{}", r.body);
        self.last = r.body.clone();
        self.next = action(&r.body).unwrap_or_default();
        r.body
    }
    fn say(&mut self, text: &str) -> String {
        let next = self.next.clone();
        assert!(!next.is_empty(), "the call has ended: {}", self.last);
        self.post(&next, &[("SpeechResult", text), ("Confidence", "0.91")])
    }
    fn press(&mut self, keys: &str) -> String {
        let next = self.next.clone();
        self.post(&next, &[("Digits", keys), ("SpeechResult", "")])
    }
    fn silence(&mut self) -> String {
        let next = self.next.clone();
        self.post(&next, &[("SpeechResult", "")])
    }
}

/// The action URL of a TwiML answer (Gather, Dial or Record).
fn action(xml: &str) -> Option<String> {
    let i = xml.find(" action=\"")? + 9;
    let j = xml[i..].find('"')? + i;
    Some(xml[i..j].replace("&amp;", "&"))
}

fn said(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<Say") {
        let a = &rest[i..];
        let (Some(g), Some(e)) = (a.find('>'), a.find("</Say>")) else {
            break;
        };
        out.push_str(&a[g + 1..e]);
        out.push(' ');
        rest = &a[e..];
    }
    out.replace("&apos;", "'").replace("&amp;", "&")
}

fn appointments(s: &TestServer) -> Vec<(String, String, String, String)> {
    s.sql(|c| {
        let mut st = c.prepare("SELECT appointment_date, appointment_time, customer_name, status FROM appointments ORDER BY id").unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
    })
}

#[test]
fn english_caller_books_with_natural_phrasing() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550123", "/voice/rachel/");
    assert!(said(&c.last).contains("For English, press 1"), "{}", c.last);
    assert!(c.last.contains("numDigits=\"1\"") && c.last.contains("speechModel=\"phone_call\""));
    c.press("1");
    assert!(said(&c.last).contains("How can I help"));
    assert!(
        c.last.contains("language=\"en-US\"") && c.last.contains("hints=\"Haircut, Color\""),
        "{}",
        c.last
    );
    let r = c.say("Yeah, um, I'd like to book a haircut next Tuesday around 3.");
    assert!(said(&r).contains("first and last name"), "{}", said(&r));
    let r = c.say("It's Ada Lovelace.");
    assert!(said(&r).contains("5 5 5, 5 5 5, 0 1 2 3"), "{}", said(&r));
    let r = c.say("Yes, that's right.");
    let readback = said(&r);
    assert!(
        readback.contains("Tuesday, January 5 at 3:00 PM") && readback.contains("Ada Lovelace"),
        "{readback}"
    );
    assert!(
        appointments(&shop.s).is_empty(),
        "nothing is booked before the caller confirms"
    );
    let r = c.say("Yes please.");
    let text = said(&r);
    assert!(text.contains("You're all set"), "{text}");
    let appts = appointments(&shop.s);
    assert_eq!(
        appts,
        vec![(
            "2027-01-05".into(),
            "15:00".into(),
            "Ada Lovelace".into(),
            "confirmed".into()
        )]
    );
    let code: String = shop
        .s
        .scalar("SELECT confirmation_code FROM appointments", []);
    let spoken: Vec<String> = code.chars().map(String::from).collect();
    assert!(
        text.contains(&spoken.join(", ")),
        "code read slowly: {text}"
    );
    let source: String = shop.s.scalar("SELECT source FROM appointments", []);
    assert_eq!(source, "voice_booking");
    // The confirmation SMS is queued to the caller.
    let sms: i64 = shop.s.scalar(
        "SELECT count(*) FROM outbox WHERE channel = 'sms' AND recipient = '+15555550123'",
        [],
    );
    assert_eq!(sms, 1);
    // The owner gets an email about the booking the receptionist took.
    let (subject, body): (String, String) = shop.s.sql(|c| {
        c.query_row(
            "SELECT subject, body FROM outbox WHERE channel = 'email' AND recipient = 'voice@example.com' AND subject LIKE 'New appointment%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert!(subject.contains("Ada Lovelace"), "{subject}");
    assert!(body.contains(&code), "{body}");
    let r = c.say("No, that's all, thanks.");
    assert!(r.contains("<Hangup/>"));
    // Every turn is in the transcript, with server time.
    let turns: i64 = shop
        .s
        .scalar("SELECT count(*) FROM call_turns WHERE server_ms > 0", []);
    assert_eq!(turns, 7);
    let d = shop.s.get("/api/calls", Some(&shop.token)).json();
    let id = d["data"]["calls"][0]["id"].as_i64().unwrap();
    let detail = shop
        .s
        .get(&format!("/api/calls/{id}"), Some(&shop.token))
        .json();
    assert!(
        detail.to_string().contains("It's Ada Lovelace."),
        "{detail}"
    );
}

#[test]
fn spanish_caller_books_with_lina() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550124", "/voice/lina/");
    assert!(said(&c.last).contains("Lina"), "{}", c.last);
    assert!(c.last.contains("es-US") && c.last.contains("Polly.Lupe-Neural"));
    let r = c.say("Quisiera una cita para el viernes a las diez de la mañana.");
    assert!(said(&r).contains("nombre"), "{}", said(&r));
    let r = c.say("Me llamo Inés Peña.");
    assert!(
        said(&r).contains("número desde el que llama"),
        "{}",
        said(&r)
    );
    let r = c.say("Sí.");
    assert!(
        said(&r).contains("viernes 8 de enero a las 10:00") && said(&r).contains("Inés Peña"),
        "{}",
        said(&r)
    );
    let r = c.say("Sí, correcto.");
    assert!(said(&r).contains("Su cita está reservada"), "{}", said(&r));
    assert_eq!(
        appointments(&shop.s),
        vec![(
            "2027-01-08".into(),
            "10:00".into(),
            "Inés Peña".into(),
            "confirmed".into()
        )]
    );
    let body: String = shop
        .s
        .scalar("SELECT body FROM outbox WHERE channel = 'sms'", []);
    assert!(
        body.contains("su cita está confirmada"),
        "the SMS is in Spanish: {body}"
    );
}

#[test]
fn taken_slot_offers_alternatives_and_period_only_offers_slots() {
    let shop = shop();
    shop.s.post("/api/appointments", Some(&shop.token), &json!({"customerName": "Early Bird", "customerPhone": "555-212-7777", "appointmentDate": "2027-01-05", "appointmentTime": "15:00"}));
    let mut c = Caller::dial(&shop.s, "+15555550125", "/voice/rachel/incoming");
    c.press("1");
    let r = c.say("Can I come in Tuesday at 3 pm?");
    let text = said(&r);
    assert!(
        text.contains("already booked") && text.contains("2:30 PM") && text.contains("3:30 PM"),
        "{text}"
    );
    let r = c.say("The second one.");
    assert!(said(&r).contains("name"), "{}", said(&r));
    c.say("Grace Hopper");
    c.say("yes");
    c.say("yes");
    let booked = appointments(&shop.s);
    assert_eq!(
        booked[1],
        (
            "2027-01-05".into(),
            "15:30".into(),
            "Grace Hopper".into(),
            "confirmed".into()
        )
    );

    // A period only: offers the first free slots that afternoon.
    let mut c = Caller::dial(&shop.s, "+15555550126", "/voice/rachel/");
    c.press("1");
    let r = c.say("I need an appointment tomorrow afternoon");
    let text = said(&r);
    assert!(
        text.contains("12:00 PM") && text.contains("I have"),
        "{text}"
    );
    let r = c.say("the first one");
    assert!(said(&r).contains("name"));
}

#[test]
fn reschedule_by_caller_id_and_cancel_by_typed_code() {
    let shop = shop();
    let b = shop.s.post("/api/appointments", Some(&shop.token), &json!({"customerName": "Ada", "customerPhone": "+15555550127", "appointmentDate": "2027-01-05", "appointmentTime": "10:00"})).json();
    let code = b["data"]["confirmationCode"].as_str().unwrap().to_string();
    let mut c = Caller::dial(&shop.s, "+15555550127", "/voice/rachel/");
    c.press("1");
    let r = c.say("I need to reschedule my appointment");
    assert!(
        said(&r).contains("Tuesday, January 5 at 10:00 AM"),
        "{}",
        said(&r)
    );
    let r = c.say("yes");
    assert!(said(&r).contains("move it to"), "{}", said(&r));
    let r = c.say("Thursday at 11 in the morning");
    assert!(
        said(&r).contains("Thursday, January 7 at 11:00 AM"),
        "{}",
        said(&r)
    );
    let r = c.say("yes");
    assert!(
        said(&r).contains(&format!(
            "Your code is still {}",
            code.chars()
                .map(String::from)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        "{}",
        said(&r)
    );
    assert_eq!(
        appointments(&shop.s)[0],
        (
            "2027-01-07".into(),
            "11:00".into(),
            "Ada".into(),
            "confirmed".into()
        )
    );

    // Cancel from another phone with the code typed on the keypad.
    let mut c = Caller::dial(&shop.s, "+15555550999", "/voice/lina/");
    let r = c.say("Necesito cancelar mi cita");
    assert!(said(&r).contains("código de confirmación"), "{}", said(&r));
    let r = c.press(&code);
    assert!(said(&r).contains("jueves 7 de enero"), "{}", said(&r));
    let r = c.say("sí");
    assert!(said(&r).contains("¿Cancelo"), "{}", said(&r));
    let r = c.say("sí, por favor");
    assert!(said(&r).contains("cancelada"), "{}", said(&r));
    assert_eq!(appointments(&shop.s)[0].3, "cancelled");
    let sms: Vec<String> = shop.s.sql(|c| {
        c.prepare("SELECT body FROM outbox WHERE recipient = '+15555550127' ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    });
    assert!(
        sms.iter().any(|b| b.contains("moved to")) && sms.iter().any(|b| b.contains("cancelled")),
        "{sms:?}"
    );
}

#[test]
fn answers_prices_hours_location_and_faq_from_settings() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550128", "/voice/rachel/");
    c.press("1");
    let r = said(&c.say("How much does a haircut cost?"));
    assert!(
        r.contains("Haircut, $35") && r.contains("Color, $80"),
        "{r}"
    );
    let r = said(&c.say("What time do you close today?"));
    assert!(
        r.contains("Today we're open from 9:00 AM to 5:00 PM") && r.contains("Saturday closed"),
        "{r}"
    );
    let r = said(&c.say("Where are you located?"));
    assert!(
        r.contains("12 Main Street, Springfield") && r.contains("bakery"),
        "{r}"
    );
    let r = said(&c.say("Is there parking available?"));
    assert!(r.contains("free parking behind the salon"), "{r}");
    let mut c = Caller::dial(&shop.s, "+15555550129", "/voice/lina/");
    let r = said(&c.say("¿Cuánto cuesta el tinte?"));
    assert!(r.contains("Tinte, 80 dólares"), "{r}");
}

#[test]
fn transfer_no_answer_voicemail_and_owner_is_notified() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550130", "/voice/rachel/");
    c.press("1");
    let r = c.say("Can I speak to the owner please?");
    assert!(
        r.contains(&format!("<Number>{OWNER}</Number>")) && r.contains("/voice/dial-result"),
        "{r}"
    );
    let next = c.next.clone();
    let r = c.post(&next, &[("DialCallStatus", "no-answer")]);
    assert!(
        r.contains("<Record") && r.contains("transcribe=\"true\""),
        "{r}"
    );
    let next = c.next.clone();
    let r = c.post(
        &next,
        &[
            (
                "RecordingUrl",
                "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
            ),
            ("RecordingSid", "RE1"),
            ("RecordingDuration", "14"),
        ],
    );
    assert!(said(&r).contains("message has been saved") && r.contains("<Hangup/>"));
    let url: String = shop.s.scalar("SELECT recording_url FROM calls", []);
    assert!(url.ends_with("/RE1"));
    let owner_sms: String = shop
        .s
        .scalar("SELECT body FROM outbox WHERE recipient = ?1", [OWNER]);
    assert!(
        owner_sms.contains("new voicemail from (555) 555-0130"),
        "{owner_sms}"
    );
    let n: i64 = shop.s.scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'voicemail'",
        [],
    );
    assert_eq!(n, 1);
    // The transcription arrives later and lands on the call.
    let tr = shop.s.twilio_post(
        "/voice/transcription",
        &[
            ("CallSid", c.sid.as_str()),
            ("To", NUMBER),
            ("TranscriptionText", "Please call me back about color."),
        ],
    );
    assert!(is_twiml(&tr));
    let text: String = shop
        .s
        .scalar("SELECT voicemail_transcription FROM calls", []);
    assert_eq!(text, "Please call me back about color.");

    // "Leave a message" goes straight to the recorder.
    let mut c = Caller::dial(&shop.s, "+15555550131", "/voice/rachel/");
    c.press("1");
    let r = c.say("Don't put me through to anyone, I'll just leave a message");
    assert!(r.contains("<Record") && !r.contains("<Dial"), "{r}");
}

#[test]
fn after_hours_ai_off_and_no_credits_never_leave_silence() {
    let shop = shop();
    // After hours with the voicemail policy: 22:00 in Chicago.
    shop.s.req(
        "PUT",
        "/api/client/settings",
        Some(&shop.token),
        Some(&json!({"afterHoursMode": "voicemail"})),
    );
    shop.s.clock.set(at("2027-01-05T04:00:00Z"));
    let c = Caller::dial(&shop.s, "+15555550132", "/voice/rachel/");
    assert!(
        said(&c.last).contains("closed right now") && c.last.contains("<Record"),
        "{}",
        c.last
    );
    // After hours with the booking policy: the receptionist still books into open hours.
    let token = shop.s.login("voice@example.com");
    shop.s.req(
        "PUT",
        "/api/client/settings",
        Some(&token),
        Some(&json!({"afterHoursMode": "book"})),
    );
    let c = Caller::dial(&shop.s, "+15555550133", "/voice/rachel/");
    assert!(said(&c.last).contains("For English"), "{}", c.last);
    // AI switched off by the owner: forward to the owner.
    shop.s.clock.set(at("2027-01-04T15:00:00Z"));
    shop.s.post(
        "/api/mobile/client/toggle",
        Some(&shop.token),
        &json!({"enabled": false}),
    );
    let c = Caller::dial(&shop.s, "+15555550134", "/voice/rachel/");
    assert!(
        c.last.contains(&format!("<Number>{OWNER}</Number>")),
        "{}",
        c.last
    );
    shop.s.post(
        "/api/mobile/client/toggle",
        Some(&shop.token),
        &json!({"enabled": true}),
    );
    // No credits (paused by billing) and no owner phone: voicemail.
    shop.s.sql(|c| {
        c.execute(
            "UPDATE clients SET ai_paused_by_billing = 1, owner_phone = NULL WHERE id = ?1",
            [shop.client_id],
        )
        .unwrap()
    });
    let c = Caller::dial(&shop.s, "+15555550135", "/voice/rachel/");
    assert!(
        c.last.contains("<Record") && !said(&c.last).trim().is_empty(),
        "{}",
        c.last
    );
}

#[test]
fn silence_three_times_offers_voicemail_and_confusion_twice_offers_the_keypad() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550136", "/voice/rachel/");
    c.press("1");
    assert!(said(&c.silence()).contains("Are you still there?"));
    assert!(said(&c.silence()).contains("Are you still there?"));
    let r = c.silence();
    assert!(
        r.contains("<Record") && said(&r).contains("leave a message"),
        "{r}"
    );

    let mut c = Caller::dial(&shop.s, "+15555550137", "/voice/rachel/");
    c.press("1");
    assert!(said(&c.say("Blue elephants dance quietly.")).contains("didn't understand"));
    let r = c.say("Purple monkeys on the moon.");
    assert!(
        said(&r).contains("Press 1 to book") && r.contains("numDigits=\"1\""),
        "{r}"
    );
    let r = c.press("1");
    assert!(said(&r).contains("What day and time"), "{}", said(&r));
}

#[test]
fn forged_unknown_and_garbled_requests_get_twiml_and_change_nothing() {
    let shop = shop();
    let params = [
        ("CallSid", "CAforged"),
        ("From", "+15555550138"),
        ("To", NUMBER),
    ];
    let body = form_encode(&params);
    for sig in [
        None,
        Some("bm90IGEgc2lnbmF0dXJl"),
        Some(
            sign(
                "/voice/rachel/",
                &[
                    ("CallSid", "CAother"),
                    ("From", "+15555550138"),
                    ("To", NUMBER),
                ],
            )
            .as_str(),
        ),
    ] {
        let r = shop.s.twilio_raw(
            "/voice/rachel/",
            body.as_bytes(),
            "application/x-www-form-urlencoded",
            sig,
        );
        assert_eq!(r.status, 403, "{sig:?}: {}", r.body);
    }
    let calls: i64 = shop.s.scalar("SELECT count(*) FROM calls", []);
    let sessions: i64 = shop.s.scalar("SELECT count(*) FROM call_sessions", []);
    assert_eq!(
        (calls, sessions),
        (0, 0),
        "a forged request changes nothing"
    );
    // A number nobody uses: a polite message in both languages.
    let r = shop.s.twilio_post(
        "/voice/rachel/",
        &[
            ("CallSid", "CAx1"),
            ("From", "+15555550138"),
            ("To", "+15558889999"),
        ],
    );
    assert_eq!(r.status, 200);
    assert!(
        said(&r.body).contains("not in service") && said(&r.body).contains("no está en servicio")
    );
    // Missing or garbled parameters: valid TwiML, never a 500.
    for p in [
        vec![("From", "+15555550138"), ("To", NUMBER)],
        vec![("CallSid", "CAx2"), ("From", "+15555550138")],
        vec![("CallSid", "CAx3"), ("To", "not a number")],
        vec![
            ("CallSid", "CAx4"),
            ("To", NUMBER),
            ("From", "<script>alert(1)</script>"),
            ("SpeechResult", "]]><x/>"),
        ],
        vec![("CallSid", &"C".repeat(500)), ("To", NUMBER)],
    ] {
        let r = shop.s.twilio_post("/voice/gather", &p);
        assert!(
            is_twiml(&r) && r.status < 500,
            "{p:?}: {} {}",
            r.status,
            r.body
        );
        assert!(
            !r.body.contains("<script>") && !r.body.contains("]]><x/>"),
            "{}",
            r.body
        );
    }
    let r = shop.s.twilio_raw(
        "/voice/gather",
        b"%%%=&&&\xff",
        "application/x-www-form-urlencoded",
        None,
    );
    assert!(r.status < 500 && r.status >= 400, "{}", r.status);
    // Audio names are checked before any file is touched.
    for path in [
        "/audio/../../etc/passwd",
        "/audio/..%2F..%2Fetc%2Fpasswd",
        "/audio/abc.mp3",
        "/audio/%2e%2e%2fjwt_secret",
        &format!("/audio/{}.mp3", "0".repeat(64)),
    ] {
        let r = request(&shop.s.agent, "GET", &shop.s.url(path), &[], None);
        assert!(r.status == 400 || r.status == 404, "{path}: {}", r.status);
        assert!(!r.body.contains("root:"));
    }
}

#[test]
fn a_retried_webhook_books_once_and_gets_the_same_answer() {
    let shop = shop();
    let mut c = Caller::dial(&shop.s, "+15555550139", "/voice/rachel/");
    c.press("1");
    c.say("Book me for Wednesday at 2 pm");
    c.say("Alan Turing");
    c.say("yes");
    let next = c.next.clone();
    let first = c.post(&next, &[("SpeechResult", "yes"), ("Confidence", "0.91")]);
    let again = c.post(&next, &[("SpeechResult", "yes"), ("Confidence", "0.91")]);
    assert_eq!(first, again, "Twilio's retry gets the same answer");
    assert_eq!(appointments(&shop.s).len(), 1);
    // "yes" said again in a later turn is a new turn, not a retry.
    let r = c.say("yes");
    assert!(said(&r).contains("How can I help"), "{}", said(&r));
}

#[test]
fn twenty_callers_racing_for_one_slot_get_one_booking() {
    let shop = shop();
    let s = &shop.s;
    // Each caller reaches the final confirmation for Wednesday 10:00.
    let mut callers: Vec<Caller> = (0..20)
        .map(|i| {
            let mut c = Caller::dial(s, &format!("+1555555{:04}", 2000 + i), "/voice/rachel/");
            c.press("1");
            c.say("Wednesday at 10 am please");
            let names = [
                "Ada", "Grace", "Alan", "Linus", "Edsger", "Barbara", "Donald", "Frances", "Hedy",
                "Radia",
            ];
            c.say(&format!(
                "My name is {} {}",
                names[i % 10],
                if i < 10 { "Smith" } else { "Jones" }
            ));
            let r = c.say("yes");
            assert!(said(&r).contains("Shall I book it"), "{}", said(&r));
            c
        })
        .collect();
    let answers: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = callers
            .iter_mut()
            .map(|c| scope.spawn(move || said(&c.say("yes"))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.contains("You're all set"))
            .count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers
            .iter()
            .filter(|a| a.contains("someone just booked that time") && a.contains("I have"))
            .count(),
        19
    );
    let n: i64 = s.scalar("SELECT count(*) FROM appointments WHERE appointment_date = '2027-01-06' AND appointment_time = '10:00' AND status = 'confirmed'", []);
    assert_eq!(n, 1);
}

#[test]
fn a_restart_in_the_middle_of_a_call_loses_nothing() {
    let fake = FakeTwilio::start();
    let mut s = TestServer::with_twilio(&fake, 0);
    s.clock.set(at("2027-01-04T15:00:00Z"));
    let a = s.register("restart@example.com");
    s.set_number(a.client_id, NUMBER);
    let sid = "CArestart0001".to_string();
    let base = [
        ("CallSid", sid.as_str()),
        ("From", "+15555550140"),
        ("To", NUMBER),
    ];
    s.twilio_post("/voice/rachel/", &base);
    let mut p = base.to_vec();
    p.push(("Digits", "1"));
    let r = s.twilio_post("/voice/gather?turn=2", &p);
    let mut p = base.to_vec();
    p.push(("SpeechResult", "I want to book Friday at 11 am"));
    let r2 = s.twilio_post(&action(&r.body).unwrap(), &p);
    assert!(said(&r2.body).contains("name"), "{}", r2.body);
    let next = action(&r2.body).unwrap();
    // Restart the server on the same data directory.
    let cfg = s.running.state.config.clone();
    s.running.stop().unwrap();
    let clock = s.clock.clone();
    s.running = ringlypro::app::Running::start(cfg, std::sync::Arc::new(clock)).unwrap();
    let mut p = base.to_vec();
    p.push(("SpeechResult", "Barbara Liskov"));
    let r3 = s.twilio_post(&next, &p);
    assert!(
        said(&r3.body).contains("calling from"),
        "the call continues where it was: {}",
        r3.body
    );
}

fn tts_shop(
    fake_tts: &crate::common::fake_elevenlabs::FakeElevenLabs,
    timeout_ms: u64,
) -> (TestServer, FakeTwilio) {
    let fake = FakeTwilio::start();
    let api = fake.url();
    let tts = fake_tts.url();
    let s = TestServer::start_with(move |c| {
        c.twilio = Some(ringlypro::config::Twilio {
            account_sid: crate::common::fake_twilio::ACCOUNT_SID.into(),
            auth_token: crate::common::fake_twilio::AUTH_TOKEN.into(),
            phone_number: None,
            messaging_service_sid: None,
        });
        c.twilio_api_base = api;
        c.webhook_base_url = Some(WEBHOOK_BASE.into());
        c.outbox_poll_ms = 0;
        c.elevenlabs_api_key = Some(crate::common::fake_elevenlabs::API_KEY.into());
        c.elevenlabs_api_base = tts;
        c.tts_timeout_ms = timeout_ms;
    });
    s.clock.set(at("2027-01-04T15:00:00Z"));
    let a = s.register("tts@example.com");
    s.set_number(a.client_id, NUMBER);
    (s, fake)
}

#[test]
fn elevenlabs_audio_is_played_cached_and_served_safely() {
    let fake_tts = crate::common::fake_elevenlabs::FakeElevenLabs::start();
    let (s, _fake) = tts_shop(&fake_tts, 3000);
    let c = Caller::dial(&s, "+15555550150", "/voice/rachel/");
    assert!(
        c.last.contains("<Play>") && !c.last.contains("<Say"),
        "{}",
        c.last
    );
    let i = c.last.find("/audio/").unwrap();
    let path = &c.last[i..c.last[i..].find("</Play>").unwrap() + i];
    let audio = request(&s.agent, "GET", &s.url(path), &[], None);
    assert_eq!(audio.status, 200);
    assert_eq!(audio.header("content-type"), Some("audio/mpeg"));
    let reqs = fake_tts.requests();
    assert_eq!(reqs[0].0, ringlypro::providers::elevenlabs::VOICE_EN);
    assert!(audio.body.starts_with("ID3fake") && audio.body.contains(&reqs[0].1));
    // A second call uses the cache: no new request for the same sentence.
    let n = fake_tts.requests().len();
    let _ = Caller::dial(&s, "+15555550151", "/voice/rachel/");
    assert_eq!(fake_tts.requests().len(), n);
}

#[test]
fn a_hanging_tts_falls_back_to_say_within_the_deadline() {
    let fake_tts = crate::common::fake_elevenlabs::FakeElevenLabs::start();
    fake_tts.hang(true);
    let (s, _fake) = tts_shop(&fake_tts, 300);
    let t0 = std::time::Instant::now();
    let c = Caller::dial(&s, "+15555550152", "/voice/rachel/");
    let took = t0.elapsed();
    assert!(
        c.last.contains("<Say") && !c.last.contains("<Play>"),
        "{}",
        c.last
    );
    assert!(
        took < std::time::Duration::from_secs(5),
        "answered in {took:?} despite the hang"
    );
}

#[test]
fn provisioning_buys_a_configured_number_once_and_releases_what_it_cannot_keep() {
    // Without Twilio: a clear 503.
    let plain = TestServer::start();
    let a = plain.register("noprov@example.com");
    let r = plain.post("/api/client/provision-number", Some(&a.token), &json!({}));
    assert_eq!(r.status, 503);
    assert!(r.error_message().contains("Twilio is not configured"));

    let fake = FakeTwilio::start();
    let s = TestServer::with_twilio(&fake, 0);
    let a = s.register("prov@example.com");
    let r = s.post(
        "/api/client/provision-number",
        Some(&a.token),
        &json!({"areaCode": "415"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["ringlyproNumber"], "+14153007000");
    let form = &fake.bought()[0];
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("VoiceUrl"),
        Some("https://hooks.ringlypro.test/voice/rachel/")
    );
    assert_eq!(
        get("VoiceFallbackUrl"),
        Some("https://hooks.ringlypro.test/voice/fallback")
    );
    assert_eq!(
        get("SmsUrl"),
        Some("https://hooks.ringlypro.test/webhook/twilio/sms")
    );
    assert_eq!(
        get("StatusCallback"),
        Some("https://hooks.ringlypro.test/webhook/twilio/status")
    );
    assert_eq!(
        s.get("/api/client/settings", Some(&a.token)).json()["data"]["ringlyproNumber"],
        "+14153007000"
    );
    // Already has one: refused before buying anything.
    assert_eq!(
        s.post("/api/client/provision-number", Some(&a.token), &json!({}))
            .status,
        409
    );
    assert_eq!(fake.bought().len(), 1);
    // No numbers in that area code: a clear message.
    let b = s.register("prov2@example.com");
    let r = s.post(
        "/api/client/provision-number",
        Some(&b.token),
        &json!({"areaCode": "999"}),
    );
    assert_eq!(r.status, 503);
    assert!(r.error_message().contains("area code 999"));
    assert_eq!(
        s.post(
            "/api/client/provision-number",
            Some(&b.token),
            &json!({"areaCode": "12"})
        )
        .status,
        400
    );
    // Bought but cannot be kept (another business holds that number here): released.
    let r = s.post(
        "/api/client/provision-number",
        Some(&b.token),
        &json!({"areaCode": "415"}),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(
        fake.released().len(),
        1,
        "the paid number is released, not leaked"
    );
}

/// Runs `ringlypro simulate-call` with `lines` as the caller's script.
fn simulate(cwd: &std::path::Path, base: &str, from: &str, lang: &str, lines: &[&str]) -> String {
    let mut cmd = bare_command(cwd);
    cmd.args([
        "simulate-call",
        "--url",
        base,
        "--to",
        NUMBER,
        "--from",
        from,
        "--lang",
        lang,
    ]);
    run_with_input(cmd, lines)
}

#[test]
fn simulate_call_books_moves_and_cancels_in_both_languages_on_a_zero_config_server() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare_command(dir.path())
        .args([
            "tenant",
            "create",
            "--name",
            "Bright Smiles",
            "--phone",
            "555-212-0987",
            "--number",
            NUMBER,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    // Open every day so the script works whatever day CI runs on.
    let db = dir.path().join("ringlypro-data/ringlypro.db");
    let conn = ringlypro::db::open_connection(&db).unwrap();
    let all_day = r#"{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["08:00","20:00"]],"sun":[["08:00","20:00"]]}"#;
    conn.execute(
        "UPDATE clients SET business_hours = ?1, min_notice_minutes = 0",
        [all_day],
    )
    .unwrap();
    drop(conn);
    let p = Proc::serve(bare_command(dir.path()));
    let booked = simulate(
        dir.path(),
        &p.base,
        "+15555550160",
        "en",
        &[
            "#1",
            "I'd like to book an appointment in 3 days at 11 am",
            "My name is Ada Lovelace",
            "yes",
            "yes",
            "no",
        ],
    );
    assert!(booked.contains("You're all set"), "{booked}");
    assert!(
        booked.contains("ms)"),
        "server time per turn is shown: {booked}"
    );
    let moved = simulate(
        dir.path(),
        &p.base,
        "+15555550160",
        "es",
        &[
            "Quiero cambiar mi cita",
            "sí",
            "en 4 días a las 10 de la mañana",
            "sí",
            "no",
        ],
    );
    assert!(moved.contains("Listo, su cita quedó para"), "{moved}");
    let cancelled = simulate(
        dir.path(),
        &p.base,
        "+15555550160",
        "en",
        &["#1", "I need to cancel my appointment", "yes", "yes", "no"],
    );
    assert!(
        cancelled.contains("Your appointment is cancelled"),
        "{cancelled}"
    );
    let conn = ringlypro::db::open_read_only(&db).unwrap();
    let (status, time): (String, String) = conn
        .query_row(
            "SELECT status, appointment_time FROM appointments",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), time.as_str()), ("cancelled", "10:00"));
    // And a Spanish booking from the start.
    let es = simulate(
        dir.path(),
        &p.base,
        "+15555550161",
        "es",
        &[
            "Quisiera una cita en 5 días a las tres de la tarde",
            "Me llamo Inés Peña",
            "sí",
            "sí",
            "no",
        ],
    );
    assert!(es.contains("Su cita está reservada"), "{es}");
}
