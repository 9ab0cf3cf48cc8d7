//! The node's Prometheus `/metrics`: refused without its token, absent when
//! not configured, served openly on its own listener, and counting what an
//! operator watches (requests by route template and status with latency,
//! webhook outcomes, voice turns, outbox depth, active calls, database size).

use crate::common::fake_twilio::FakeTwilio;
use crate::common::*;

const TOKEN: &str = "metrics-token-for-tests-123";

#[test]
fn metrics_need_their_token_and_count_routes_webhooks_and_the_database() {
    let fake = FakeTwilio::start();
    let s = TestServer::with_twilio(&fake, 0);
    let a = s.register("metrics@example.com");
    s.set_number(a.client_id, "+15553006000");
    // Not configured on this server: not served at all.
    let r = s.get("/metrics", None);
    assert_eq!(r.status, 404, "{}", r.body);

    let fake2 = FakeTwilio::start();
    let s = TestServer::start_with(|c| {
        c.metrics_token = Some(TOKEN.into());
        c.twilio = Some(ringlypro::config::Twilio {
            account_sid: crate::common::fake_twilio::ACCOUNT_SID.into(),
            auth_token: crate::common::fake_twilio::AUTH_TOKEN.into(),
            phone_number: None,
            messaging_service_sid: None,
        });
        c.twilio_api_base = fake2.url();
        c.webhook_base_url = Some(WEBHOOK_BASE.into());
        c.outbox_poll_ms = 0;
    });
    let a = s.register("metrics2@example.com");
    s.set_number(a.client_id, "+15553006001");
    assert_eq!(s.get("/metrics", None).status, 401);
    assert_eq!(
        s.get("/metrics", Some("wrong-token-wrong-token")).status,
        401
    );
    s.get(&format!("/api/contacts/{}", 999_999), Some(&a.token));
    let r = s.twilio_post(
        "/voice/rachel/",
        &[
            ("CallSid", "CAmetrics00000000000000000000001"),
            ("From", "+15555550100"),
            ("To", "+15553006001"),
        ],
    );
    assert_eq!(r.status, 200);
    let forged = s.twilio_raw(
        "/webhook/twilio/sms",
        b"From=%2B15555550100&To=%2B15553006001&Body=hi&MessageSid=SM1",
        "application/x-www-form-urlencoded",
        Some("forged"),
    );
    assert_eq!(forged.status, 403);
    let m = s.get("/metrics", Some(TOKEN));
    assert_eq!(m.status, 200, "{}", m.body);
    assert!(
        m.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let body = &m.body;
    for needle in [
        "# TYPE ringlypro_http_requests_total counter",
        "ringlypro_http_requests_total{route=\"/api/contacts/{id}\",method=\"GET\",status=\"404\"}",
        "ringlypro_http_request_duration_seconds_bucket{route=\"/voice/rachel/\",le=\"+Inf\"}",
        "ringlypro_webhook_outcomes_total{route=\"/voice/rachel/\",outcome=\"ok\"}",
        "ringlypro_webhook_outcomes_total{route=\"/webhook/twilio/sms\",outcome=\"forbidden\"}",
        "ringlypro_voice_turns_total{result=\"ok\"}",
        "ringlypro_outbox_messages{status=\"pending\"}",
        "ringlypro_outbox_failures_total",
        "ringlypro_active_calls 1",
        "ringlypro_database_size_bytes{file=\"main\"}",
    ] {
        assert!(body.contains(needle), "missing {needle}:\n{body}");
    }
    assert!(
        !body.contains("/api/contacts/999999"),
        "raw paths never become labels"
    );
}

#[test]
fn metrics_on_a_separate_listener_need_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut c = command(dir.path());
    c.env("RINGLYPRO_METRICS_LISTEN", format!("127.0.0.1:{port}"));
    let p = Proc::serve(c);
    let main = request(&agent(), "GET", &p.url("/metrics"), &[], None);
    assert_eq!(main.status, 404, "not on the main listener without a token");
    let m = request(
        &agent(),
        "GET",
        &format!("http://127.0.0.1:{port}/metrics"),
        &[],
        None,
    );
    assert_eq!(m.status, 200);
    assert!(m.body.contains("ringlypro_uptime_seconds"), "{}", m.body);
    assert_eq!(p.terminate(), 0);
}
