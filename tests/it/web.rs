//! The dashboard's pages over HTTP, as a browser without JavaScript uses them:
//! every page renders for a signed-in owner (and within the size budget),
//! signed-out visitors are sent to sign in, another business's ids are 404,
//! bad form input comes back with messages (never a 500), tenant text is
//! escaped, forms need their CSRF token, first-run setup needs the token from
//! the log, and a test call books through the real engine but texts nobody.

use crate::common::*;
use serde_json::json;

/// A browser's view of the server: no redirects followed, the session cookie sent.
struct Web<'a> {
    s: &'a TestServer,
    agent: ureq::Agent,
    cookie: String,
    csrf: String,
}

fn no_redirects() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .build()
        .into()
}

impl<'a> Web<'a> {
    fn signed_in(s: &'a TestServer, email: &str) -> (Self, Account) {
        let r = s.post(
            "/api/auth/register",
            None,
            &register_body(email, "a good passphrase"),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let v = r.json();
        let a = Account {
            token: v["token"].as_str().unwrap().to_string(),
            user_id: v["data"]["user"]["id"].as_i64().unwrap(),
            client_id: v["data"]["client"]["id"].as_i64().unwrap(),
            email: email.into(),
        };
        let web = Web {
            s,
            agent: no_redirects(),
            cookie: format!("ringlypro_session={}", a.token),
            csrf: v["csrfToken"].as_str().unwrap().to_string(),
        };
        (web, a)
    }

    fn anonymous(s: &'a TestServer) -> Self {
        Web {
            s,
            agent: no_redirects(),
            cookie: String::new(),
            csrf: String::new(),
        }
    }

    fn get(&self, path: &str) -> Resp {
        let mut h: Vec<(&str, &str)> = vec![];
        if !self.cookie.is_empty() {
            h.push(("cookie", &self.cookie));
        }
        request(&self.agent, "GET", &self.s.url(path), &h, None)
    }

    /// Posts a form the way a browser does, with the hidden `_csrf` field.
    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", &self.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all)
    }

    fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = form_encode(fields);
        let mut h: Vec<(&str, &str)> = vec![("content-type", "application/x-www-form-urlencoded")];
        if !self.cookie.is_empty() {
            h.push(("cookie", &self.cookie));
        }
        request(
            &self.agent,
            "POST",
            &self.s.url(path),
            &h,
            Some(body.as_bytes()),
        )
    }
}

fn location(r: &Resp) -> String {
    r.header("location").unwrap_or("").to_string()
}

fn html(r: &Resp) -> bool {
    r.header("content-type")
        .is_some_and(|c| c.starts_with("text/html"))
}

/// A business with a contact, an appointment, a call with a transcript and a text.
fn furnished<'a>(s: &'a TestServer, email: &str) -> (Web<'a>, Account, i64, i64, i64) {
    let (web, a) = Web::signed_in(s, email);
    s.set_number(a.client_id, &format!("+1555300{:04}", a.client_id));
    let tomorrow = (s.clock_now() + chrono::Duration::days(2)).date_naive();
    let r = s.post(
        "/api/appointments",
        Some(&a.token),
        &json!({"customerName": "Grace Hopper", "customerPhone": "555-555-0142", "appointmentDate": tomorrow.to_string(),
                "appointmentTime": "10:00", "allowOutsideHours": true}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let appt = r.json()["data"]["id"].as_i64().unwrap();
    let contact = r.json()["data"]["contactId"].as_i64().unwrap();
    let call: i64 = s.sql(|c| {
        c.execute(
            "INSERT INTO calls (client_id, contact_id, twilio_call_sid, from_number, to_number, status, duration, outcome, created_at, updated_at)
             VALUES (?1, ?2, ?3, '+15555550142', '+15553000001', 'completed', 95, 'booked', '2026-01-01T10:00:00Z', '2026-01-01T10:00:00Z')",
            rusqlite::params![a.client_id, contact, format!("CA{}", a.client_id)],
        )
        .unwrap();
        let id = c.last_insert_rowid();
        c.execute(
            "INSERT INTO call_turns (client_id, call_id, seq, state, caller_text, reply_text, server_ms, created_at)
             VALUES (?1, ?2, 1, 'Main', 'I need a cleaning', 'Sure, what day works for you?', 2.5, '2026-01-01T10:00:01Z')",
            rusqlite::params![a.client_id, id],
        )
        .unwrap();
        id
    });
    (web, a, appt, contact, call)
}

fn pages(appt: i64, contact: i64, call: i64) -> Vec<String> {
    vec![
        "/".into(),
        "/calendar".into(),
        "/calendar?view=day".into(),
        "/calendar/new".into(),
        format!("/calendar/appointments/{appt}"),
        "/contacts".into(),
        "/contacts?q=grace".into(),
        format!("/contacts/{contact}"),
        "/calls".into(),
        format!("/calls/{call}"),
        "/messages".into(),
        "/messages/thread?phone=%2B15555550142".into(),
        "/billing".into(),
        "/settings".into(),
        "/test-call".into(),
    ]
}

#[test]
fn every_page_renders_for_a_signed_in_owner_within_the_size_budget() {
    let s = TestServer::start();
    let (web, _a, appt, contact, call) = furnished(&s, "pages@example.com");
    let css_path = {
        let r = web.get("/");
        let i = r.body.find("/assets/app.").expect("stylesheet link");
        r.body[i..].split('"').next().unwrap().to_string()
    };
    let css = web.get(&css_path);
    assert_eq!(css.status, 200);
    assert!(
        css.header("cache-control")
            .unwrap_or("")
            .contains("immutable")
    );
    let mut report = vec![];
    for p in pages(appt, contact, call) {
        let r = web.get(&p);
        assert_eq!(r.status, 200, "{p}: {}", r.body);
        assert!(html(&r), "{p}");
        assert!(
            r.body.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{p}"
        );
        assert!(r.body.contains("<main id=\"main\""), "{p}");
        assert!(
            r.header("content-security-policy")
                .unwrap_or("")
                .contains("script-src 'self'")
        );
        assert!(
            !r.body.contains("<script>") && !r.body.contains(" style="),
            "{p}: no inline script or style"
        );
        let total = r.body.len() + css.body.len();
        assert!(
            total < 50 * 1024,
            "{p}: {total} bytes of HTML+CSS (budget 50 KB)"
        );
        report.push(format!("{p}: {} B HTML", r.body.len()));
    }
    eprintln!(
        "page sizes (CSS {} B):\n  {}",
        css.body.len(),
        report.join("\n  ")
    );
    // Every input has a label.
    let settings = web.get("/settings").body;
    for id in settings
        .split("<input id=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
    {
        assert!(
            settings.contains(&format!("for=\"{id}\"")),
            "input {id} has no label"
        );
    }
}

#[test]
fn signed_out_visitors_are_sent_to_sign_in_and_a_fresh_instance_to_setup() {
    let s = TestServer::start();
    let anon = Web::anonymous(&s);
    let r = anon.get("/");
    assert_eq!(
        (r.status, location(&r)),
        (303, "/setup".to_string()),
        "no account yet: setup"
    );
    let (_web, _a, appt, contact, call) = furnished(&s, "owner@example.com");
    for p in pages(appt, contact, call) {
        let r = anon.get(&p);
        assert_eq!(r.status, 303, "{p}");
        assert!(location(&r).starts_with("/login"), "{p} → {}", location(&r));
    }
    let r = anon.get("/calendar?view=day");
    assert_eq!(location(&r), "/login?next=/calendar%3Fview%3Dday");
    // htmx requests are told where to go instead of being redirected.
    let r = request(
        &anon.agent,
        "GET",
        &s.url("/contacts?q=x"),
        &[("hx-request", "true")],
        None,
    );
    assert_eq!(
        r.header("hx-redirect"),
        Some("/login?next=/contacts%3Fq%3Dx")
    );
    // A forged session cookie is no session.
    let forged = Web {
        cookie: "ringlypro_session=nope".into(),
        ..Web::anonymous(&s)
    };
    assert_eq!(forged.get("/").status, 303);
    let login = anon.get("/login");
    assert_eq!(login.status, 200);
    assert!(login.body.contains("autocomplete=\"current-password\""));
}

#[test]
fn another_businesss_ids_are_not_found() {
    let s = TestServer::start();
    let (_a_web, a, appt, contact, call) = furnished(&s, "a@example.com");
    let (b, _) = Web::signed_in(&s, "b@example.com");
    for p in [
        format!("/calendar/appointments/{appt}"),
        format!("/contacts/{contact}"),
        format!("/calls/{call}"),
        format!("/calls/{call}/recording"),
    ] {
        let r = b.get(&p);
        assert_eq!(r.status, 404, "{p}: {}", r.body);
        assert!(html(&r) && r.body.contains("Not found"), "{p}");
        assert!(!r.body.contains("Grace"), "{p} leaks nothing");
    }
    for (path, fields) in [
        (
            format!("/calendar/appointments/{appt}/cancel"),
            vec![("reason", "x")],
        ),
        (
            format!("/calendar/appointments/{appt}/edit"),
            vec![("customerName", "Mallory")],
        ),
        (
            format!("/calendar/appointments/{appt}/status"),
            vec![("status", "completed")],
        ),
        (format!("/contacts/{contact}/delete"), vec![]),
        (
            format!("/contacts/{contact}"),
            vec![("firstName", "Mallory"), ("phone", "5555550199")],
        ),
    ] {
        let r = b.post(&path, &fields);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    let status: String = s.scalar("SELECT status FROM appointments WHERE id = ?1", [appt]);
    assert_eq!(status, "confirmed");
    let name: String = s.scalar(
        "SELECT customer_name FROM appointments WHERE id = ?1",
        [appt],
    );
    assert_eq!(name, "Grace Hopper");
    let n: i64 = s.scalar(
        "SELECT count(*) FROM contacts WHERE client_id = ?1",
        [a.client_id],
    );
    assert_eq!(n, 1);
    // A test call id of another business is not found either.
    let r = b.post(
        "/test-call/say",
        &[("call", "TESTnotmine"), ("text", "hello")],
    );
    assert_eq!(r.status, 404);
}

/// A form address, what is typed in it, and what the answer must show.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

#[test]
fn bad_form_input_comes_back_with_messages_never_a_500() {
    let s = TestServer::start();
    let (web, _a, appt, contact, _call) = furnished(&s, "forms@example.com");
    let cases: Vec<Case> = vec![
        (
            "/calendar/appointments".into(),
            vec![
                ("appointmentDate", "2030-01-01"),
                ("appointmentTime", "10:00"),
                ("customerName", "Ann"),
                ("customerPhone", "12"),
            ],
            "f-customerPhone-err",
        ),
        (
            "/calendar/appointments".into(),
            vec![
                ("appointmentDate", "tomorrow"),
                ("appointmentTime", "10:00"),
                ("customerName", "Ann"),
                ("customerPhone", "5555550100"),
            ],
            "f-appointmentDate-err",
        ),
        (
            "/calendar/appointments".into(),
            vec![
                ("appointmentDate", "2030-01-01"),
                ("appointmentTime", "25:99"),
                ("customerName", "Ann"),
                ("customerPhone", "5555550100"),
            ],
            "f-appointmentTime-err",
        ),
        (
            "/calendar/appointments".into(),
            vec![
                ("appointmentDate", "2030-01-01"),
                ("appointmentTime", "10:00"),
                ("customerName", ""),
                ("customerPhone", "5555550100"),
            ],
            "f-customerName-err",
        ),
        (
            "/calendar/appointments".into(),
            vec![
                ("appointmentDate", "2030-01-01"),
                ("appointmentTime", "10:00"),
                ("customerName", "Ann"),
                ("customerPhone", "5555550100"),
                ("duration", "9999"),
            ],
            "f-duration-err",
        ),
        (
            format!("/calendar/appointments/{appt}/reschedule"),
            vec![
                ("appointmentDate", "2020-01-01"),
                ("appointmentTime", "10:00"),
            ],
            "role=\"alert\"",
        ),
        (
            format!("/calendar/appointments/{appt}/edit"),
            vec![("customerName", "Ann"), ("customerEmail", "not-an-email")],
            "f-customerEmail-err",
        ),
        (
            "/calendar/closures".into(),
            vec![("from", "2030-02-10"), ("to", "2030-02-01")],
            "f-to-err",
        ),
        (
            "/calendar/closures".into(),
            vec![("from", "2030-02-10"), ("startTime", "10:00")],
            "f-endTime-err",
        ),
        (
            "/contacts".into(),
            vec![("firstName", ""), ("phone", "5555550100")],
            "f-firstName-err",
        ),
        (
            "/contacts".into(),
            vec![("firstName", "Dup"), ("phone", "555-555-0142")],
            "already exists",
        ),
        (
            format!("/contacts/{contact}"),
            vec![("firstName", "Grace"), ("phone", "abc")],
            "f-phone-err",
        ),
        (
            "/settings/hours".into(),
            vec![("hours-mon", "9am to 5pm")],
            "f-hours-mon-err",
        ),
        (
            "/settings/hours".into(),
            vec![("hours-tue", "17:00-09:00")],
            "f-hours-tue-err",
        ),
        (
            "/settings/booking".into(),
            vec![("timezone", "Mars/Olympus"), ("appointmentDuration", "30")],
            "f-timezone-err",
        ),
        (
            "/settings/booking".into(),
            vec![
                ("timezone", "America/Chicago"),
                ("appointmentDuration", "1"),
            ],
            "f-appointmentDuration-err",
        ),
        (
            "/settings/booking".into(),
            vec![
                ("timezone", "America/Chicago"),
                ("appointmentDuration", "thirty"),
            ],
            "f-appointmentDuration-err",
        ),
        (
            "/settings/services".into(),
            vec![
                ("svc-name-0", "Cut"),
                ("svc-price-0", "abc"),
                ("svc-min-0", ""),
            ],
            "f-svc-price-0-err",
        ),
        (
            "/settings/faq".into(),
            vec![
                ("faq-lang-0", "en"),
                ("faq-q-0", "Parking?"),
                ("faq-a-0", ""),
            ],
            "f-faq-a-0-err",
        ),
        (
            "/settings/voice".into(),
            vec![("greeting", "Hi"), ("defaultLanguage", "en")],
            "Choose at least one language",
        ),
        (
            "/settings/profile".into(),
            vec![("businessName", ""), ("businessPhone", "5552120987")],
            "f-businessName-err",
        ),
        (
            "/settings/profile".into(),
            vec![
                ("businessName", "X"),
                ("businessPhone", "5552120987"),
                ("websiteUrl", "not a site"),
            ],
            "f-websiteUrl-err",
        ),
        (
            "/settings/number".into(),
            vec![("number", "12")],
            "f-number-err",
        ),
        (
            "/settings/credentials".into(),
            vec![
                ("email", "forms@example.com"),
                ("newPassword", "another good one"),
                ("currentPassword", "wrong wrong wrong"),
            ],
            "f-currentPassword-err",
        ),
        (
            "/settings/credentials".into(),
            vec![
                ("email", "forms@example.com"),
                ("newPassword", "short"),
                ("currentPassword", "a good passphrase"),
            ],
            "f-newPassword-err",
        ),
        (
            "/messages/send".into(),
            vec![("to", "+15555550142"), ("body", "")],
            "f-body-err",
        ),
        (
            "/messages/send".into(),
            vec![("to", "nope"), ("body", "hi")],
            "f-to-err",
        ),
        (
            "/billing/top-up".into(),
            vec![("custom", "3")],
            "f-custom-err",
        ),
        (
            "/billing/auto-reload".into(),
            vec![("amount", "9999"), ("threshold", "5")],
            "f-amount-err",
        ),
        ("/test-call/start".into(), vec![("caller", "12")], "caller"),
    ];
    for (path, fields, expect) in cases {
        let r = web.post(&path, &fields);
        assert!(
            r.status >= 400 && r.status < 500,
            "{path} {fields:?}: {} {}",
            r.status,
            r.body
        );
        assert!(html(&r), "{path}");
        assert!(
            r.body.contains(expect),
            "{path} {fields:?} should show {expect:?}: {}",
            r.body
        );
    }
    // What was typed stays in the form.
    let r = web.post("/contacts", &[("firstName", "Keep Me"), ("phone", "12")]);
    assert!(r.body.contains("value=\"Keep Me\""));
    // Sign-in and sign-up errors are shown on their forms too.
    let anon = Web::anonymous(&s);
    let r = anon.post_raw(
        "/login",
        &[
            ("email", "forms@example.com"),
            ("password", "wrong password"),
        ],
    );
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Incorrect email or password"));
    let r = anon.post_raw(
        "/signup",
        &[
            ("businessName", "B"),
            ("businessPhone", "5552120987"),
            ("email", "new@example.com"),
            ("password", "short"),
            ("termsAccepted", "on"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("f-password-err") && r.body.contains("at least 10"));
    let r = anon.post_raw("/forgot-password", &[("email", "not-an-email")]);
    assert_eq!(r.status, 400);
    let r = anon.get("/reset-password?token=bogus");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("not valid"));
}

#[test]
fn tenant_text_is_escaped_everywhere() {
    let s = TestServer::start();
    let (web, a) = Web::signed_in(&s, "xss@example.com");
    let evil = "<img src=x onerror=alert(1)>";
    let date = (s.clock_now() + chrono::Duration::days(1))
        .date_naive()
        .to_string();
    let r = s.post(
        "/api/appointments",
        Some(&a.token),
        &json!({"customerName": evil, "customerPhone": "555-555-0100", "appointmentDate": date, "appointmentTime": "10:00",
                "purpose": evil, "notes": evil, "allowOutsideHours": true}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["data"]["id"].as_i64().unwrap();
    let contact = r.json()["data"]["contactId"].as_i64().unwrap();
    for p in [
        "/".to_string(),
        format!("/calendar?date={date}"),
        format!("/calendar/appointments/{id}"),
        format!("/contacts/{contact}"),
        "/contacts?q=img".to_string(),
    ] {
        let r = web.get(&p);
        assert_eq!(r.status, 200, "{p}");
        assert!(
            r.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{p} shows the name as text"
        );
        assert!(!r.body.contains("<img src=x"), "{p} never as markup");
    }
}

#[test]
fn forms_need_the_sessions_csrf_token_and_guest_forms_our_origin() {
    let s = TestServer::start();
    let (web, a) = Web::signed_in(&s, "csrf@example.com");
    let fields = [("on", "0")];
    let r = web.post_raw("/ai", &fields);
    assert_eq!(r.status, 403, "no token");
    let r = web.post_raw("/ai", &[("_csrf", "0000"), ("on", "0")]);
    assert_eq!(r.status, 403, "wrong token");
    let on: bool = s.scalar(
        "SELECT rachel_enabled FROM clients WHERE id = ?1",
        [a.client_id],
    );
    assert!(on, "nothing changed");
    let r = web.post("/ai", &fields);
    assert_eq!((r.status, location(&r)), (303, "/".to_string()));
    let on: bool = s.scalar(
        "SELECT rachel_enabled FROM clients WHERE id = ?1",
        [a.client_id],
    );
    assert!(!on, "switched off");
    // htmx sends the token as a header and gets the switch back as a fragment.
    let r = request(
        &web.agent,
        "POST",
        &s.url("/ai"),
        &[
            ("cookie", &web.cookie),
            ("x-csrf-token", &web.csrf),
            ("hx-request", "true"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(b"on=1"),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.body.starts_with("<div class=\"card\" id=\"ai\"") && r.body.contains("Turn off"),
        "{}",
        r.body
    );
    // A sign-in form posted from another site is refused.
    let r = request(
        &web.agent,
        "POST",
        &s.url("/login"),
        &[
            ("origin", "https://evil.example"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(b"email=csrf%40example.com&password=a+good+passphrase"),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn first_run_setup_needs_the_token_from_the_log() {
    let s = TestServer::start();
    let token = s
        .running
        .setup_token
        .clone()
        .expect("a fresh server prints a setup token");
    let stored: String = s.scalar(
        "SELECT value FROM app_settings WHERE key = 'setup_token_sha256'",
        [],
    );
    assert_eq!(
        stored,
        ringlypro::auth::sha256_hex(&token),
        "only the hash is stored"
    );
    let anon = Web::anonymous(&s);
    let fields = |t: &'static str| {
        vec![
            ("setupToken", t),
            ("businessName", "First Co"),
            ("businessPhone", "5552120000"),
            ("timezone", "America/Denver"),
            ("email", "first@example.com"),
            ("password", "a good passphrase"),
            ("termsAccepted", "on"),
        ]
    };
    assert_eq!(anon.get("/signup").status, 303, "sign-up waits for setup");
    let r = anon.post_raw("/setup", &fields("wrong-token"));
    assert_eq!(r.status, 403);
    assert!(r.body.contains("f-setupToken-err"));
    let leaked: &'static str = Box::leak(token.into_boxed_str());
    let r = anon.post_raw("/setup", &fields(leaked));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.headers.iter().any(|(k, v)| k == "set-cookie"
        && v.starts_with("ringlypro_session=")
        && v.contains("HttpOnly")));
    let n: i64 = s.scalar(
        "SELECT count(*) FROM app_settings WHERE key = 'setup_token_sha256'",
        [],
    );
    assert_eq!(n, 0, "the token is used up");
    let r = anon.get("/setup");
    assert_eq!(location(&r), "/login");
    let r = anon.post_raw("/setup", &fields(leaked));
    assert_eq!(
        (r.status, location(&r)),
        (303, "/login".to_string()),
        "cannot be claimed twice"
    );
    assert_eq!(anon.get("/signup").status, 200);
}

#[test]
fn first_start_of_the_binary_prints_the_setup_token() {
    let dir = tempfile::tempdir().unwrap();
    let p = Proc::serve(command(dir.path()));
    let log = eventually("the setup line", || {
        let t = p.log_text();
        t.contains("setup token").then_some(t)
    });
    let token = log
        .split("setup token ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();
    assert!(token.len() >= 20, "{token}");
    let r = request(&no_redirects(), "GET", &p.url("/"), &[], None);
    assert_eq!(r.header("location"), Some("/setup"));
    let body = form_encode(&[
        ("setupToken", &token),
        ("businessName", "Bin Co"),
        ("businessPhone", "5552120000"),
        ("email", "bin@example.com"),
        ("password", "a good passphrase"),
        ("termsAccepted", "on"),
    ]);
    let r = request(
        &no_redirects(),
        "POST",
        &p.url("/setup"),
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn a_test_call_books_through_the_real_engine_and_texts_nobody() {
    let s = TestServer::start();
    s.clock.set(
        chrono::DateTime::parse_from_rfc3339("2027-01-04T15:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc),
    );
    let (web, a) = Web::signed_in(&s, "test-call@example.com");
    s.set_number(a.client_id, "+15553004000");
    let r = web.post(
        "/test-call/start",
        &[("language", "en"), ("caller", "555-555-0123")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let loc = location(&r);
    let sid = loc.split("call=").nth(1).unwrap().to_string();
    assert!(sid.starts_with("TEST"));
    let page = web.get(&loc);
    assert!(page.body.contains("How can I help"), "{}", page.body);
    for line in [
        "I'd like to book next Tuesday at 3 pm",
        "Ada Lovelace",
        "Yes",
        "Yes please",
    ] {
        let r = web.post("/test-call/say", &[("call", &sid), ("text", line)]);
        assert_eq!(r.status, 303, "{line}: {}", r.body);
    }
    let page = web.get(&loc).body;
    assert!(
        page.contains("all set") && page.contains("Booked for real"),
        "{page}"
    );
    let (source, name): (String, String) = s.sql(|c| {
        c.query_row("SELECT source, customer_name FROM appointments", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    });
    assert_eq!(
        (source.as_str(), name.as_str()),
        ("voice_booking", "Ada Lovelace")
    );
    let is_test: bool = s.scalar(
        "SELECT is_test FROM calls WHERE twilio_call_sid = ?1",
        [&sid],
    );
    assert!(is_test);
    // The confirmation text exists but is held: a test call texts nobody.
    let (status, reason): (String, String) = s.sql(|c| {
        c.query_row(
            "SELECT status, last_error FROM outbox WHERE channel = 'sms'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(status, "held");
    assert!(reason.contains("test call"));
    assert_eq!(s.run_outbox(), 0, "nothing is due");
    // htmx turns come back as the conversation panel only.
    let r = request(
        &web.agent,
        "POST",
        &s.url("/test-call/say"),
        &[
            ("cookie", &web.cookie),
            ("x-csrf-token", &web.csrf),
            ("hx-request", "true"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(form_encode(&[("call", &sid), ("text", "No, that's all")]).as_bytes()),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .starts_with("<section class=\"card\" id=\"call-panel\""),
        "{}",
        r.body
    );
    assert!(r.body.contains("ended the call"));
    let status: String = s.scalar(
        "SELECT status FROM calls WHERE twilio_call_sid = ?1",
        [&sid],
    );
    assert_eq!(status, "completed");
    // The calendar shows it.
    let cal = web.get("/calendar?date=2027-01-05").body;
    assert!(cal.contains("15:00 </span>Ada Lovelace"), "{cal}");
}

#[test]
fn pwa_files_assets_and_spanish() {
    let s = TestServer::start();
    let (web, a) = Web::signed_in(&s, "pwa@example.com");
    let m = web.get("/manifest.json");
    assert_eq!(m.header("content-type"), Some("application/manifest+json"));
    let v = m.json();
    assert_eq!(v["display"], "standalone");
    let icons = v["icons"].as_array().unwrap();
    assert!(
        icons.iter().any(|i| i["sizes"] == "192x192")
            && icons.iter().any(|i| i["purpose"] == "maskable")
    );
    for i in icons {
        let r = web.get(i["src"].as_str().unwrap());
        assert_eq!(
            (r.status, r.header("content-type")),
            (200, Some("image/png"))
        );
    }
    let sw = web.get("/service-worker.js");
    assert!(
        sw.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(sw.header("cache-control"), Some("no-cache"));
    assert!(sw.body.contains("const SHELL = [\"/assets/app.") && sw.body.contains("/offline.html"));
    let off = web.get("/offline.html");
    assert_eq!(off.status, 200);
    assert_eq!(
        web.get("/assets/app.css").status,
        404,
        "only hashed names are served"
    );
    // An unknown page is a friendly 404 page.
    let r = web.get("/no/such/page");
    assert_eq!(r.status, 404);
    assert!(html(&r) && r.body.contains("Back to Today"));
    // The UI in Spanish for a user who chose it.
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"language": "es"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = web.get("/");
    assert!(r.body.starts_with("<!DOCTYPE html><html lang=\"es\">"));
    assert!(r.body.contains(">Hoy<") && r.body.contains("Recepcionista con IA"));
    let r = Web::anonymous(&s).get("/login?lang=es");
    assert_eq!(r.status, 303);
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "set-cookie" && v.starts_with("ringlypro_lang=es"))
    );
}

#[test]
fn top_up_from_the_billing_page_goes_to_stripe_checkout() {
    use crate::common::fake_stripe::{self, FakeStripe};
    let fake = FakeStripe::start();
    let url = fake.url();
    let s = TestServer::start_with(move |c| {
        c.stripe = Some(ringlypro::config::Stripe {
            secret_key: fake_stripe::SECRET_KEY.into(),
            publishable_key: Some(fake_stripe::PUBLISHABLE_KEY.into()),
            webhook_secret: Some(fake_stripe::WEBHOOK_SECRET.into()),
        });
        c.stripe_api_base = url;
    });
    let (web, a) = Web::signed_in(&s, "topup@example.com");
    let page = web.get("/billing").body;
    assert!(!page.contains("Top-ups are not configured"));
    // With htmx: the browser is sent to Stripe's page.
    let r = request(
        &web.agent,
        "POST",
        &s.url("/billing/top-up"),
        &[
            ("cookie", &web.cookie),
            ("x-csrf-token", &web.csrf),
            ("hx-request", "true"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(b"amount=25"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let to = r
        .header("hx-redirect")
        .expect("sent to checkout")
        .to_string();
    assert!(to.starts_with("http"), "{to}");
    let sessions = fake.requests("/v1/checkout/sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        sessions[0].field("line_items[0][price_data][unit_amount]"),
        Some("2500")
    );
    let pending: i64 = s.scalar(
        "SELECT count(*) FROM payments WHERE client_id = ?1 AND status = 'pending'",
        [a.client_id],
    );
    assert_eq!(pending, 1);
    // Without JavaScript: a page with the link to Stripe.
    let r = web.post("/billing/top-up", &[("custom", "40")]);
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Open Stripe"));
    // Back from Stripe.
    let r = web.get("/billing?checkout=success");
    assert!(r.body.contains("Thank you"));
}
