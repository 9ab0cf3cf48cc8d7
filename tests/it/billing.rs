//! Billing end to end against a fake Stripe and a fake SendGrid: calls and SMS
//! billed once however often Twilio repeats itself, concurrency, the monthly
//! reset, Stripe top-ups (PaymentIntent and Checkout), signed webhooks and
//! their forgeries, refunds, the AI pause at zero, auto-reload, notification
//! emails with retries, tenancy, the test routes and bad input. Every test ends
//! with the books checked (the ledger sums to each balance and debt).

use crate::common::fake_sendgrid::{self, FakeSendGrid};
use crate::common::fake_stripe::{self, FakeStripe};
use crate::common::*;
use chrono::{TimeZone, Utc};
use ringlypro::domain::ClientId;
use serde_json::{Value, json};

const SALON: &str = "+15557770001";
const CALLER: &str = "+15553334444";

#[derive(Default)]
struct Opts<'a> {
    stripe: Option<&'a FakeStripe>,
    sendgrid: Option<&'a FakeSendGrid>,
    development: bool,
}

fn server(o: Opts<'_>) -> TestServer {
    let stripe = o.stripe.map(|f| f.url());
    let sendgrid = o.sendgrid.map(|f| f.url());
    let s = TestServer::start_with(move |c| {
        c.twilio = Some(ringlypro::config::Twilio {
            account_sid: crate::common::fake_twilio::ACCOUNT_SID.into(),
            auth_token: crate::common::fake_twilio::AUTH_TOKEN.into(),
            phone_number: None,
            messaging_service_sid: None,
        });
        c.webhook_base_url = Some(WEBHOOK_BASE.into());
        c.outbox_poll_ms = 0;
        c.development = o.development;
        c.frontend_url = "https://crm.example.com".into();
        if let Some(url) = stripe {
            c.stripe = Some(ringlypro::config::Stripe {
                secret_key: fake_stripe::SECRET_KEY.into(),
                publishable_key: Some(fake_stripe::PUBLISHABLE_KEY.into()),
                webhook_secret: Some(fake_stripe::WEBHOOK_SECRET.into()),
            });
            c.stripe_api_base = url;
        }
        if let Some(url) = sendgrid {
            c.sendgrid_api_key = Some(fake_sendgrid::API_KEY.into());
            c.sendgrid_api_base = url;
        }
    });
    // Mid-month, so nothing crosses a month by accident.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 10, 15, 0, 0).unwrap());
    s
}

fn tenant(s: &TestServer, email: &str, number: &str) -> Account {
    let a = s.register(email);
    s.set_number(a.client_id, number);
    a
}

/// Sets a tenant's free minutes (and optionally its rate in mills).
fn tariff(s: &TestServer, a: &Account, free: i64, rate_mills: i64) {
    s.sql(|c| {
        c.execute(
            "UPDATE clients SET monthly_free_minutes = ?2, per_minute_rate_mills = ?3 WHERE id = ?1",
            rusqlite::params![a.client_id, free, rate_mills],
        )
        .unwrap()
    });
}

/// Adds credit the way support does (a ledger adjustment in one transaction).
fn credit(s: &TestServer, a: &Account, cents: i64) {
    let now = s.clock_now();
    s.sql(|c| {
        let tx = c.unchecked_transaction().unwrap();
        ringlypro::billing::ledger::adjust(
            &tx,
            ClientId::from_trusted(a.client_id),
            cents,
            "test setup",
            &format!("setup:{}", ringlypro::auth::random_hex(8)),
            "https://crm.example.com",
            now,
        )
        .unwrap();
        tx.commit().unwrap();
    });
}

fn complete_call(s: &TestServer, sid: &str, to: &str, secs: i64) -> Resp {
    let d = secs.to_string();
    let r = s.twilio_post(
        "/webhook/twilio/status",
        &[
            ("AccountSid", crate::common::fake_twilio::ACCOUNT_SID),
            ("CallSid", sid),
            ("CallStatus", "completed"),
            ("CallDuration", &d),
            ("From", CALLER),
            ("To", to),
            ("Direction", "inbound"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

fn balance(s: &TestServer, a: &Account) -> Value {
    let r = s.get("/api/credits/balance", Some(&a.token));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["data"].clone()
}

fn cents(s: &TestServer, a: &Account) -> (i64, i64) {
    let b = balance(s, a);
    (
        b["balanceCents"].as_i64().unwrap(),
        b["debtCents"].as_i64().unwrap(),
    )
}

fn ai_enabled(s: &TestServer, a: &Account) -> bool {
    s.sql(|c| ringlypro::db::voice::ai_enabled(c, ClientId::from_trusted(a.client_id)).unwrap())
}

fn ledger_count(s: &TestServer, a: &Account, kind: &str) -> i64 {
    s.scalar(
        "SELECT count(*) FROM credit_ledger WHERE client_id = ?1 AND kind = ?2",
        rusqlite::params![a.client_id, kind],
    )
}

fn notification_kinds(s: &TestServer, a: &Account) -> Vec<String> {
    let r = s.get("/api/credits/notifications?limit=200", Some(&a.token));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["data"]["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap().to_string())
        .collect()
}

fn stripe_post(s: &TestServer, path: &str, body: &str, sig: Option<&str>) -> Resp {
    let mut h = vec![("content-type", "application/json")];
    if let Some(x) = sig {
        h.push(("stripe-signature", x));
    }
    // A fresh connection: a refused delivery may leave its connection closed.
    request(&agent(), "POST", &s.url(path), &h, Some(body.as_bytes()))
}

/// Starts a $`dollars` top-up; returns (PaymentIntent as Stripe holds it, answer).
fn reload(s: &TestServer, fake: &FakeStripe, a: &Account, dollars: i64) -> (Value, Value) {
    let r = s.post(
        "/api/credits/reload",
        Some(&a.token),
        &json!({ "amount": dollars }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    let pi = fake.object(v["paymentIntentId"].as_str().unwrap());
    assert!(pi.is_object(), "{v}");
    (pi, v)
}

/// Delivers a signed event to the webhook; returns the answer.
fn deliver(s: &TestServer, id: &str, kind: &str, object: Value) -> Resp {
    let (body, sig) = fake_stripe::event(id, kind, object, s.clock_now().timestamp());
    stripe_post(s, "/api/credits/webhook/stripe", &body, Some(&sig))
}

// ---------- calls ----------

#[test]
fn the_same_status_callback_five_times_bills_once() {
    let s = server(Opts::default());
    let a = tenant(&s, "five@example.com", SALON);
    tariff(&s, &a, 0, 100);
    credit(&s, &a, 1_000);
    for _ in 0..5 {
        complete_call(&s, "CA5555", SALON, 125); // 3 minutes
    }
    assert_eq!(cents(&s, &a), (1_000 - 30, 0));
    assert_eq!(ledger_count(&s, &a, "usage"), 1);
    let b = balance(&s, &a);
    assert_eq!(b["totalMinutesUsed"], 3);
    let cost: i64 = s.scalar(
        "SELECT cost_cents FROM calls WHERE twilio_call_sid = 'CA5555'",
        [],
    );
    assert_eq!(cost, 30);
    // The usage list shows the call once, with its minutes and cost.
    let u = s.get("/api/credits/usage", Some(&a.token)).json();
    let rows = u["data"]["usage"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{u}");
    assert_eq!(rows[0]["callSid"], "CA5555");
    assert_eq!(rows[0]["paidMinutes"], 3);
    assert_eq!(rows[0]["costCents"], 30);
    assert_eq!(u["data"]["pagination"]["totalRecords"], 1);
}

#[test]
fn free_minutes_are_used_first_and_a_short_balance_becomes_debt() {
    let s = server(Opts::default());
    let a = tenant(&s, "debt@example.com", SALON);
    tariff(&s, &a, 2, 105); // 10.5 ¢ a minute
    credit(&s, &a, 20);
    // 5 minutes: 2 free, 3 paid = 31.5 ¢ → 32 ¢ (half up, once); 20 ¢ taken, 12 ¢ owed.
    complete_call(&s, "CADEBT1", SALON, 290);
    assert_eq!(cents(&s, &a), (0, 12));
    assert_eq!(ledger_count(&s, &a, "debt"), 1);
    let u = s.get("/api/credits/usage", Some(&a.token)).json();
    assert_eq!(u["data"]["usage"][0]["costCents"], 32, "{u}");
    assert_eq!(u["data"]["usage"][0]["freeMinutes"], 2);
    // A zero-second call costs nothing and is still recorded once.
    complete_call(&s, "CAZERO", SALON, 0);
    assert_eq!(cents(&s, &a), (0, 12));
    // The next top-up pays the debt first.
    credit(&s, &a, 500);
    assert_eq!(cents(&s, &a), (488, 0));
    assert_eq!(ledger_count(&s, &a, "debt_recovery"), 1);
}

#[test]
fn fifty_calls_completing_at_once_are_billed_exactly() {
    let s = server(Opts::default());
    let a = tenant(&s, "fifty@example.com", SALON);
    tariff(&s, &a, 10, 100);
    credit(&s, &a, 1_000);
    std::thread::scope(|scope| {
        for i in 0..50 {
            let s = &s;
            scope.spawn(move || complete_call(s, &format!("CACONC{i:04}"), SALON, 90));
        }
    });
    // 50 × 2 minutes = 100 minutes: 10 free, 90 paid at 10 ¢ = $9.00.
    assert_eq!(cents(&s, &a), (100, 0));
    let b = balance(&s, &a);
    assert_eq!(b["freeMinutesUsed"], 10);
    assert_eq!(b["totalMinutesUsed"], 100);
    assert_eq!(ledger_count(&s, &a, "usage"), 50);
    let paid: i64 = s.scalar(
        "SELECT -sum(amount_cents) FROM credit_ledger WHERE client_id = ?1 AND kind = 'usage'",
        [a.client_id],
    );
    assert_eq!(paid, 900);
}

#[test]
fn free_minutes_reset_on_the_first_in_the_tenants_time_zone() {
    let s = server(Opts::default());
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap());
    let a = tenant(&s, "reset@example.com", SALON); // America/Chicago
    credit(&s, &a, 500);
    // 30 November, 22:00 in Chicago (04:00 UTC on 1 December).
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 4, 0, 0).unwrap());
    complete_call(&s, "CANOV1", SALON, 100 * 60);
    let b = balance(&s, &a);
    assert_eq!(
        (
            b["freeMinutesUsed"].as_i64(),
            b["freeMinutesRemaining"].as_i64()
        ),
        (Some(100), Some(0))
    );
    assert_eq!(b["freeMinutesResetDate"], "2026-12-01");
    // 23:30 in Chicago: still November, so the minute is paid.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 5, 30, 0).unwrap());
    complete_call(&s, "CANOV2", SALON, 60);
    assert_eq!(cents(&s, &a), (490, 0));
    // 00:30 on 1 December in Chicago: the balance shows the fresh month at once…
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 6, 30, 0).unwrap());
    let b = balance(&s, &a);
    assert_eq!(
        (
            b["freeMinutesUsed"].as_i64(),
            b["freeMinutesRemaining"].as_i64()
        ),
        (Some(0), Some(100))
    );
    assert_eq!(b["freeMinutesResetDate"], "2027-01-01");
    // …and the next call really uses free minutes (the reset is stored with the charge).
    complete_call(&s, "CADEC1", SALON, 120);
    assert_eq!(cents(&s, &a), (490, 0));
    let (used, month): (i64, String) = s.sql(|c| {
        c.query_row(
            "SELECT free_minutes_used, free_minutes_month FROM credit_accounts WHERE client_id = ?1",
            [a.client_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!((used, month.as_str()), (2, "2026-12"));
}

#[test]
fn a_tenant_paused_at_zero_gets_the_ai_back_with_next_months_free_minutes() {
    let s = server(Opts::default());
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap());
    let a = tenant(&s, "month@example.com", SALON); // America/Chicago
    complete_call(&s, "CAMONTH", SALON, 101 * 60); // 100 free + 1 paid, nothing to pay with
    assert_eq!(cents(&s, &a), (0, 10));
    assert!(!ai_enabled(&s, &a));
    s.run_billing();
    assert!(!ai_enabled(&s, &a), "still November in Chicago");
    // 00:05 on 1 December in Chicago: the billing job gives the month back.
    s.clock
        .set(Utc.with_ymd_and_hms(2026, 12, 1, 6, 5, 0).unwrap());
    s.run_billing();
    assert!(ai_enabled(&s, &a));
    // The 10 ¢ owed is still owed, and collected from the next top-up.
    assert_eq!(cents(&s, &a), (0, 10));
}

#[test]
fn sms_is_billed_once_when_sent_or_delivered() {
    let s = server(Opts::default());
    let a = tenant(&s, "sms@example.com", SALON);
    credit(&s, &a, 100);
    let ts = ringlypro::clock::to_db(s.clock_now());
    for (sid, status) in [("SMBILL1", "queued"), ("SMBILL2", "queued")] {
        s.sql(|c| {
            c.execute(
                "INSERT INTO messages (client_id, direction, from_number, to_number, body, kind, status, twilio_sid, created_at, updated_at)
                 VALUES (?1, 'outbound', ?2, ?3, 'hello', 'manual', ?4, ?5, ?6, ?6)",
                rusqlite::params![a.client_id, SALON, CALLER, status, sid, ts],
            )
            .unwrap()
        });
    }
    let status = |sid: &str, st: &str| {
        let r = s.twilio_post(
            "/webhook/twilio/sms-status",
            &[
                ("AccountSid", crate::common::fake_twilio::ACCOUNT_SID),
                ("MessageSid", sid),
                ("MessageStatus", st),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.body);
    };
    for st in ["sent", "delivered", "delivered", "sent"] {
        status("SMBILL1", st);
    }
    status("SMBILL2", "failed");
    // One message at the default SMS rate (half of 10 ¢), the failed one free.
    assert_eq!(cents(&s, &a), (95, 0));
    assert_eq!(ledger_count(&s, &a, "usage"), 1);
    let u = s.get("/api/credits/usage?type=sms", Some(&a.token)).json();
    assert_eq!(u["data"]["usage"][0]["usageType"], "sms", "{u}");
    assert_eq!(
        s.get("/api/credits/usage?type=call", Some(&a.token)).json()["data"]["usage"],
        json!([])
    );
}

// ---------- Stripe ----------

#[test]
fn a_signed_payment_event_credits_once_and_its_replay_does_not() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "pay@example.com", SALON);
    let (pi, answer) = reload(&s, &fake, &a, 20);
    assert_eq!(answer["success"], true);
    assert_eq!(answer["amount"], 20.0);
    assert!(
        answer["clientSecret"]
            .as_str()
            .unwrap()
            .contains("_secret_")
    );
    assert_eq!(answer["publishableKey"], fake_stripe::PUBLISHABLE_KEY);
    // What Stripe received: a customer first, then the PaymentIntent, form-encoded,
    // Bearer-authenticated, with an Idempotency-Key and our metadata.
    let customers = fake.requests("/v1/customers");
    assert_eq!(customers.len(), 1);
    assert_eq!(
        customers[0].field("metadata[client_id]"),
        Some(a.client_id.to_string().as_str())
    );
    let intents = fake.requests("/v1/payment_intents");
    assert_eq!(intents.len(), 1);
    let req = &intents[0];
    assert_eq!(
        req.authorization.as_deref(),
        Some(format!("Bearer {}", fake_stripe::SECRET_KEY).as_str())
    );
    assert!(
        req.idempotency_key
            .as_deref()
            .unwrap()
            .starts_with("reload:")
    );
    assert_eq!(req.field("amount"), Some("2000"));
    assert_eq!(req.field("currency"), Some("usd"));
    assert_eq!(req.field("setup_future_usage"), Some("off_session"));
    assert_eq!(
        req.field("metadata[client_id]"),
        Some(a.client_id.to_string().as_str())
    );
    let pid = answer["transactionId"].as_i64().unwrap();
    assert_eq!(
        req.field("metadata[ledger_ref]"),
        Some(format!("payment:{pid}").as_str())
    );
    assert_eq!(
        cents(&s, &a),
        (0, 0),
        "nothing is credited before Stripe says it was paid"
    );

    let (body, sig) = fake_stripe::event(
        "evt_paid_1",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
        s.clock_now().timestamp(),
    );
    let r = stripe_post(&s, "/api/credits/webhook/stripe", &body, Some(&sig));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "processed");
    assert_eq!(cents(&s, &a), (2_000, 0));
    // Stripe retries the same delivery (and on the original's other path).
    for path in [
        "/api/credits/webhook/stripe",
        "/api/credits/webhooks/stripe",
    ] {
        let again = stripe_post(&s, path, &body, Some(&sig));
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json()["status"], "duplicate");
    }
    // A different event about the same payment, even claiming a bigger amount,
    // credits nothing more: the stored payment was credited once.
    let mut bigger = fake_stripe::succeeded(&pi);
    bigger["amount"] = json!(999_999);
    bigger["amount_received"] = json!(999_999);
    assert_eq!(
        deliver(&s, "evt_paid_2", "payment_intent.succeeded", bigger).status,
        200
    );
    assert_eq!(cents(&s, &a), (2_000, 0));
    assert_eq!(ledger_count(&s, &a, "payment"), 1);
    let events: i64 = s.scalar(
        "SELECT count(*) FROM webhook_events WHERE provider = 'stripe'",
        [],
    );
    assert_eq!(events, 2);
    // The card and customer are kept for auto-reload; the owner is told.
    let b = balance(&s, &a);
    assert_eq!(b["autoReload"]["paymentMethodSaved"], true);
    assert!(notification_kinds(&s, &a).contains(&"payment_received".to_string()));
    let t = s.get("/api/credits/transactions", Some(&a.token)).json();
    assert_eq!(t["data"]["payments"][0]["status"], "succeeded", "{t}");
    assert_eq!(t["data"]["transactions"][0]["type"], "payment");
    // An event for a PaymentIntent that is not ours, and an unknown type: 200, ignored.
    let mut foreign = fake_stripe::succeeded(&pi);
    foreign["id"] = json!("pi_someone_else");
    foreign["metadata"] = json!({});
    let r = deliver(&s, "evt_foreign", "payment_intent.succeeded", foreign);
    assert_eq!(r.json()["status"], "ignored", "{}", r.body);
    let r = deliver(
        &s,
        "evt_other",
        "customer.created",
        json!({"id": "cus_x", "object": "customer"}),
    );
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("ignored"))
    );
    assert_eq!(cents(&s, &a), (2_000, 0));
}

#[test]
fn forged_stale_or_tampered_stripe_events_are_refused_and_change_nothing() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "forge@example.com", SALON);
    let (pi, _) = reload(&s, &fake, &a, 50);
    let now = s.clock_now().timestamp();
    let path = "/api/credits/webhook/stripe";
    let (body, sig) = fake_stripe::event(
        "evt_forge",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
        now,
    );
    let (_, old_sig) = fake_stripe::event(
        "evt_forge",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
        now - 301,
    );
    let old_body = body.clone();
    let wrong_secret = ringlypro::billing::stripe_sig::sign("whsec_not_ours", now, body.as_bytes());
    let tampered = body.replace("\"amount\":5000", "\"amount\":9000");
    assert_ne!(tampered, body);
    let cases: Vec<(&str, String, Option<String>)> = vec![
        ("no signature", body.clone(), None),
        ("garbage signature", body.clone(), Some("nonsense".into())),
        ("wrong secret", body.clone(), Some(wrong_secret)),
        ("older than 300 s", old_body, Some(old_sig)),
        ("tampered body", tampered, Some(sig.clone())),
        ("v0 only", body.clone(), Some(format!("t={now},v0=abcd"))),
        ("empty body", String::new(), Some(sig.clone())),
    ];
    for (what, b, sg) in &cases {
        let r = stripe_post(&s, path, b, sg.as_deref());
        assert_eq!(r.status, 400, "{what}: {}", r.body);
        assert!(
            r.error_message().to_lowercase().contains("signature"),
            "{what}: {}",
            r.body
        );
    }
    assert_eq!(cents(&s, &a), (0, 0));
    let events: i64 = s.scalar(
        "SELECT count(*) FROM webhook_events WHERE provider = 'stripe'",
        [],
    );
    assert_eq!(events, 0, "a refused event is not recorded");
    // The genuine delivery still works afterwards.
    assert_eq!(stripe_post(&s, path, &body, Some(&sig)).status, 200);
    assert_eq!(cents(&s, &a), (5_000, 0));
}

#[test]
fn refunds_are_taken_back_and_disputes_flagged() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "refund@example.com", SALON);
    tariff(&s, &a, 0, 100);
    let (pi, _) = reload(&s, &fake, &a, 20);
    deliver(
        &s,
        "evt_r1",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    complete_call(&s, "CAREF", SALON, 180); // 30 ¢
    assert_eq!(cents(&s, &a), (1_970, 0));
    let charge = |refunded: i64| {
        json!({
            "id": "ch_fake1", "object": "charge", "amount": 2000, "amount_refunded": refunded,
            "payment_intent": pi["id"], "refunded": refunded == 2000, "currency": "usd"
        })
    };
    // A partial refund of $5, delivered twice.
    deliver(&s, "evt_ref1", "charge.refunded", charge(500));
    deliver(&s, "evt_ref1", "charge.refunded", charge(500));
    assert_eq!(cents(&s, &a), (1_470, 0));
    // Then the rest: $15 more, though only $14.70 is left: the 30 ¢ already spent is owed.
    deliver(&s, "evt_ref2", "charge.refunded", charge(2000));
    assert_eq!(cents(&s, &a), (0, 30));
    assert_eq!(ledger_count(&s, &a, "refund"), 2);
    let status: String = s.scalar(
        "SELECT status FROM payments WHERE payment_intent_id = ?1",
        [pi["id"].as_str().unwrap()],
    );
    assert_eq!(status, "refunded");
    // A dispute is flagged and the owner told; the balance is not touched.
    let r = deliver(
        &s,
        "evt_dsp",
        "charge.dispute.created",
        json!({"id": "dp_1", "object": "dispute", "amount": 2000, "charge": "ch_fake1", "payment_intent": pi["id"], "reason": "fraudulent"}),
    );
    assert_eq!(r.status, 200);
    let status: String = s.scalar(
        "SELECT status FROM payments WHERE payment_intent_id = ?1",
        [pi["id"].as_str().unwrap()],
    );
    assert_eq!(status, "disputed");
    assert!(notification_kinds(&s, &a).contains(&"payment_disputed".to_string()));
    assert_eq!(cents(&s, &a), (0, 30));
}

#[test]
fn checkout_credits_once_whichever_event_comes_first() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "checkout@example.com", SALON);
    let r = s.post(
        "/api/credits/checkout",
        Some(&a.token),
        &json!({"amountCents": 1500}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .starts_with("https://checkout.stripe.com/")
    );
    let session = fake.object(v["sessionId"].as_str().unwrap());
    let req = &fake.requests("/v1/checkout/sessions")[0];
    assert_eq!(
        req.field("line_items[0][price_data][unit_amount]"),
        Some("1500")
    );
    assert_eq!(
        req.field("payment_intent_data[setup_future_usage]"),
        Some("off_session")
    );
    assert!(
        req.field("success_url")
            .unwrap()
            .starts_with("https://crm.example.com/billing")
    );
    // The PaymentIntent Checkout made reports first (we only know it by its metadata)…
    let pid = v["transactionId"].as_i64().unwrap().to_string();
    let pi = json!({
        "id": "pi_from_checkout", "object": "payment_intent", "amount": 1500, "amount_received": 1500,
        "currency": "usd", "status": "succeeded", "customer": session["customer"], "payment_method": "pm_fake_card",
        "metadata": {"client_id": a.client_id.to_string(), "payment_id": pid, "ledger_ref": format!("payment:{pid}")}
    });
    assert_eq!(
        deliver(&s, "evt_c1", "payment_intent.succeeded", pi).status,
        200
    );
    // …then the session completes.
    let mut done = session.clone();
    done["payment_status"] = json!("paid");
    done["status"] = json!("complete");
    done["payment_intent"] = json!("pi_from_checkout");
    assert_eq!(
        deliver(&s, "evt_c2", "checkout.session.completed", done).status,
        200
    );
    assert_eq!(cents(&s, &a), (1_500, 0));
    assert_eq!(ledger_count(&s, &a, "payment"), 1);
}

#[test]
fn top_ups_without_stripe_say_so() {
    let s = server(Opts::default());
    let a = tenant(&s, "nostripe@example.com", SALON);
    for path in ["/api/credits/reload", "/api/credits/checkout"] {
        let r = s.post(path, Some(&a.token), &json!({"amount": 20}));
        assert_eq!(r.status, 503, "{}", r.body);
        assert!(
            r.error_message().contains("STRIPE_SECRET_KEY"),
            "{}",
            r.body
        );
    }
    let r = stripe_post(&s, "/api/credits/webhook/stripe", "{}", Some("t=1,v1=00"));
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(balance(&s, &a)["stripeConfigured"], false);
}

// ---------- thresholds and the AI switch ----------

#[test]
fn zero_balance_switches_the_ai_off_and_a_top_up_switches_it_back_on() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "zero@example.com", SALON);
    tariff(&s, &a, 0, 100);
    credit(&s, &a, 20);
    assert!(ai_enabled(&s, &a));
    complete_call(&s, "CAZ1", SALON, 180); // 30 ¢: 20 taken, 10 owed
    assert_eq!(cents(&s, &a), (0, 10));
    assert!(!ai_enabled(&s, &a), "billing switched the AI off at zero");
    let b = balance(&s, &a);
    assert_eq!(
        (
            b["aiPausedByBilling"].as_bool(),
            b["rachelEnabled"].as_bool()
        ),
        (Some(true), Some(true))
    );
    complete_call(&s, "CAZ2", SALON, 60);
    let kinds = notification_kinds(&s, &a);
    assert_eq!(
        kinds.iter().filter(|k| *k == "zero_balance").count(),
        1,
        "{kinds:?}"
    );
    let emails: i64 = s.scalar(
        "SELECT count(*) FROM outbox WHERE channel = 'email' AND client_id = ?1 AND subject LIKE '%paused%'",
        [a.client_id],
    );
    assert_eq!(emails, 1);
    // A top-up pays the 20 ¢ owed and switches the AI back on.
    let (pi, _) = reload(&s, &fake, &a, 5);
    deliver(
        &s,
        "evt_z",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    assert_eq!(cents(&s, &a), (480, 0));
    assert!(ai_enabled(&s, &a));
    assert!(notification_kinds(&s, &a).contains(&"ai_resumed".to_string()));

    // When the owner switched the AI off, a top-up does not switch it on.
    let r = s.post(
        "/api/mobile/client/toggle",
        Some(&a.token),
        &json!({"enabled": false}),
    );
    assert!(r.status < 300, "{}", r.body);
    complete_call(&s, "CAZ3", SALON, 48 * 60); // 480 ¢ → zero
    assert_eq!(cents(&s, &a), (0, 0));
    let (pi, _) = reload(&s, &fake, &a, 5);
    deliver(
        &s,
        "evt_z2",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    let b = balance(&s, &a);
    assert_eq!(b["aiPausedByBilling"], false);
    assert_eq!(b["rachelEnabled"], false, "the owner's choice stands");
    assert!(!ai_enabled(&s, &a));
}

#[test]
fn the_low_balance_email_is_sent_once() {
    let sg = FakeSendGrid::start();
    let s = server(Opts {
        sendgrid: Some(&sg),
        ..Opts::default()
    });
    let a = tenant(&s, "low@example.com", SALON);
    tariff(&s, &a, 5, 100);
    credit(&s, &a, 300);
    complete_call(&s, "CALOW1", SALON, 60); // free; 4 free minutes left, $3.00: not low
    assert!(!notification_kinds(&s, &a).contains(&"low_balance".to_string()));
    complete_call(&s, "CALOW2", SALON, 25 * 60); // 4 free + 21 paid: $2.10 → 90 ¢
    complete_call(&s, "CALOW3", SALON, 60); // 80 ¢
    complete_call(&s, "CALOW4", SALON, 60); // 70 ¢
    assert_eq!(cents(&s, &a), (70, 0));
    s.run_outbox();
    let low: Vec<_> = sg
        .delivered()
        .into_iter()
        .filter(|m| m.subject().contains("Low balance"))
        .collect();
    assert_eq!(low.len(), 1, "{:?}", sg.received());
    assert_eq!(low[0].to(), "low@example.com");
    assert!(low[0].content("text/plain").unwrap().contains("$0.90"));
    assert!(
        low[0]
            .content("text/html")
            .unwrap()
            .contains("https://crm.example.com/billing")
    );
    let kinds = notification_kinds(&s, &a);
    assert_eq!(kinds.iter().filter(|k| *k == "low_balance").count(), 1);
    // A top-up above the level re-arms the warning: the next fall below it warns again.
    credit(&s, &a, 1_000);
    complete_call(&s, "CALOW5", SALON, 60);
    s.run_outbox();
    let count = |sg: &FakeSendGrid| {
        sg.delivered()
            .iter()
            .filter(|m| m.subject().contains("Low balance"))
            .count()
    };
    assert_eq!(count(&sg), 1, "$10.60 is not low");
    complete_call(&s, "CALOW6", SALON, 97 * 60); // $9.70 → 90 ¢
    s.run_outbox();
    assert_eq!(count(&sg), 2);
    assert_eq!(cents(&s, &a), (90, 0));
}

#[test]
fn email_retries_through_sendgrid_and_is_delivered_exactly_once() {
    let sg = FakeSendGrid::start();
    let s = server(Opts {
        sendgrid: Some(&sg),
        ..Opts::default()
    });
    let a = tenant(&s, "retry@example.com", SALON);
    s.run_outbox(); // the welcome email
    let before = sg.delivered().len();
    sg.fail_next(2, 500);
    tariff(&s, &a, 0, 100);
    complete_call(&s, "CARETRY", SALON, 60); // zero balance: the AI-paused email
    assert_eq!(s.run_outbox(), 1);
    assert_eq!(sg.delivered().len(), before);
    // Retried after the backoff (30 s, then 60 s): not before.
    assert_eq!(s.run_outbox(), 0);
    s.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(s.run_outbox(), 1);
    assert_eq!(sg.delivered().len(), before);
    s.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(s.run_outbox(), 1);
    let delivered = sg.delivered();
    assert_eq!(delivered.len(), before + 1);
    let m = delivered.last().unwrap();
    assert!(m.subject().contains("paused"), "{}", m.subject());
    assert_eq!(m.body["from"]["email"], "noreply@ringlypro.local");
    assert_eq!(
        m.authorization.as_deref(),
        Some(format!("Bearer {}", fake_sendgrid::API_KEY).as_str())
    );
    // Nothing more to send, ever.
    s.clock.advance(chrono::Duration::hours(2));
    assert_eq!(s.run_outbox(), 0);
    assert_eq!(sg.received().len(), before + 3);
    let (status, attempts): (String, i64) = s.sql(|c| {
        c.query_row(
            "SELECT status, attempts FROM outbox WHERE channel = 'email' AND subject LIKE '%paused%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!((status.as_str(), attempts), ("sent", 3));
}

#[test]
fn without_a_mailer_email_is_kept_and_shown_in_notifications() {
    let s = server(Opts::default());
    let a = tenant(&s, "nomail@example.com", SALON);
    tariff(&s, &a, 0, 100);
    complete_call(&s, "CANOMAIL", SALON, 60);
    s.run_outbox();
    let v = s.get("/api/credits/notifications", Some(&a.token)).json();
    let data = &v["data"];
    assert_eq!(data["emailDelivery"]["configured"], false, "{v}");
    let emails = data["emails"].as_array().unwrap();
    assert!(!emails.is_empty());
    assert!(emails.iter().all(|e| e["status"] == "held"), "{v}");
    assert!(
        emails[0]["note"]
            .as_str()
            .unwrap()
            .contains("SENDGRID_API_KEY")
    );
    assert!(
        data["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["type"] == "zero_balance")
    );
    // Marking read.
    let r = s.post(
        "/api/credits/notifications/read",
        Some(&a.token),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let unread = s
        .get("/api/credits/notifications?unread=true", Some(&a.token))
        .json();
    assert_eq!(unread["data"]["notifications"], json!([]));
}

#[test]
fn email_goes_out_over_smtp_when_that_is_the_mailer() {
    let smtp = crate::common::fake_smtp::FakeSmtp::start();
    let url = smtp.url();
    let s = TestServer::start_with(move |c| {
        c.outbox_poll_ms = 0;
        c.smtp_url = Some(url);
        c.from_email = "billing@salon.example".into();
        c.frontend_url = "https://crm.example.com".into();
    });
    s.register("smtp@example.com");
    assert_eq!(s.run_outbox(), 1);
    let m = smtp.messages();
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].from, "<billing@salon.example>");
    assert_eq!(m[0].to, vec!["<smtp@example.com>".to_string()]);
    assert!(
        m[0].data.contains("Subject: Welcome to RinglyPro"),
        "{}",
        m[0].data
    );
    assert!(m[0].data.contains("multipart/alternative"), "{}", m[0].data);
    assert!(m[0].data.contains("Message-ID: <"), "{}", m[0].data);
    let provider_id: String = s.scalar(
        "SELECT provider_id FROM outbox WHERE recipient = 'smtp@example.com' AND status = 'sent'",
        [],
    );
    assert!(provider_id.ends_with("@ringlypro>"), "{provider_id}");
    assert_eq!(s.run_outbox(), 0);
    assert_eq!(smtp.messages().len(), 1);
}

// ---------- auto-reload ----------

#[test]
fn auto_reload_charges_the_saved_card_once_per_crossing_and_a_decline_turns_it_off() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "auto@example.com", SALON);
    tariff(&s, &a, 0, 100);
    let r = s.post(
        "/api/credits/auto-reload/configure",
        Some(&a.token),
        &json!({"enabled": true, "amount": 20, "threshold": 5}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.json()["note"].as_str().is_some(),
        "no card saved yet: {}",
        r.body
    );
    // Nothing to charge without a saved card.
    assert_eq!(s.run_billing(), 0);
    let (pi, _) = reload(&s, &fake, &a, 10);
    deliver(
        &s,
        "evt_a1",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    assert_eq!(cents(&s, &a), (1_000, 0));
    // Above the $5 threshold: nothing happens.
    assert_eq!(s.run_billing(), 0);
    complete_call(&s, "CAAUTO1", SALON, 60 * 60); // $6.00 → $4.00
    assert_eq!(s.run_billing(), 1);
    assert_eq!(cents(&s, &a), (2_400, 0));
    let off = fake.requests("/v1/payment_intents");
    let last = off.last().unwrap();
    assert_eq!(last.field("off_session"), Some("true"));
    assert_eq!(last.field("confirm"), Some("true"));
    assert_eq!(last.field("payment_method"), Some("pm_fake_card_visa"));
    assert_eq!(last.field("amount"), Some("2000"));
    assert_eq!(
        last.idempotency_key.as_deref(),
        Some(format!("auto-reload:{}:1", a.client_id).as_str())
    );
    // Stripe's webhook for that charge arrives later: nothing more is credited.
    let pi_id = s.scalar::<String>(
        "SELECT payment_intent_id FROM payments WHERE kind = 'auto_reload'",
        [],
    );
    let obj = fake.object(&pi_id);
    deliver(&s, "evt_a2", "payment_intent.succeeded", obj);
    assert_eq!(cents(&s, &a), (2_400, 0));
    assert_eq!(s.run_billing(), 0, "one charge per crossing");

    // The next crossing is declined: auto-reload switches off and the owner is told.
    fake.decline_next();
    complete_call(&s, "CAAUTO2", SALON, 200 * 60); // $20.00 → $4.00
    assert_eq!(s.run_billing(), 1);
    assert_eq!(cents(&s, &a), (400, 0));
    let b = balance(&s, &a);
    assert_eq!(b["autoReload"]["enabled"], false);
    assert!(notification_kinds(&s, &a).contains(&"auto_reload_failed".to_string()));
    let failed: String = s.scalar(
        "SELECT status FROM payments WHERE kind = 'auto_reload' ORDER BY id DESC LIMIT 1",
        [],
    );
    assert_eq!(failed, "failed");
    let mail: i64 = s.scalar(
        "SELECT count(*) FROM outbox WHERE channel = 'email' AND subject LIKE 'Automatic reload%failed'",
        [],
    );
    assert_eq!(mail, 1);
    assert_eq!(s.run_billing(), 0);
}

#[test]
fn a_network_failure_of_auto_reload_is_retried_with_the_same_key() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "autonet@example.com", SALON);
    let (pi, _) = reload(&s, &fake, &a, 5);
    deliver(
        &s,
        "evt_n1",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    let r = s.post(
        "/api/credits/auto-reload/configure",
        Some(&a.token),
        &json!({"enabled": true, "amountCents": 1000, "thresholdCents": 1000}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    fake.fail_next(1, 500);
    assert_eq!(s.run_billing(), 1);
    assert_eq!(cents(&s, &a), (500, 0));
    assert_eq!(s.run_billing(), 1);
    assert_eq!(cents(&s, &a), (1_500, 0));
    let keys: Vec<_> = fake
        .requests("/v1/payment_intents")
        .into_iter()
        .filter(|r| r.field("off_session").is_some())
        .map(|r| r.idempotency_key.unwrap())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    assert_eq!(ledger_count(&s, &a, "payment"), 2);
}

// ---------- test routes, tenancy, the admin commands ----------

#[test]
fn test_routes_exist_only_in_development_and_only_for_your_own_tenant() {
    let prod = server(Opts::default());
    let a = tenant(&prod, "prod@example.com", SALON);
    let unknown = prod.get("/api/credits/no-such-route", Some(&a.token));
    for (method, path) in [
        ("GET", format!("/api/credits/test/client/{}", a.client_id)),
        ("POST", format!("/api/credits/test/add/{}", a.client_id)),
    ] {
        let r = prod.req(method, &path, Some(&a.token), Some(&json!({"amount": 100})));
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], unknown.json()["error"]["code"]);
        let anon = prod.req(method, &path, None, None);
        assert_eq!(anon.status, 404, "{path}: {}", anon.body);
    }
    assert_eq!(cents(&prod, &a), (0, 0));

    let dev = server(Opts {
        development: true,
        ..Opts::default()
    });
    let b = tenant(&dev, "dev@example.com", SALON);
    let c = tenant(&dev, "dev2@example.com", "+15557770002");
    let r = dev.post(
        &format!("/api/credits/test/add/{}", b.client_id),
        Some(&b.token),
        &json!({"amount": 7}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["data"]["balanceCents"], 700);
    let r = dev.get(
        &format!("/api/credits/test/client/{}", b.client_id),
        Some(&b.token),
    );
    assert_eq!(r.json()["data"]["balanceCents"], 700);
    // Another tenant's id: 404, and nothing is added.
    let r = dev.post(
        &format!("/api/credits/test/add/{}", c.client_id),
        Some(&b.token),
        &json!({"amount": 7}),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    let r = dev.get(
        &format!("/api/credits/test/client/{}", c.client_id),
        Some(&b.token),
    );
    assert_eq!(r.status, 404);
    assert_eq!(cents(&dev, &c), (0, 0));
    assert_eq!(
        dev.get(&format!("/api/credits/test/client/{}", b.client_id), None)
            .status,
        401
    );
}

#[test]
fn another_tenants_billing_is_never_visible() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "tenant-a@example.com", SALON);
    let b = tenant(&s, "tenant-b@example.com", "+15557770002");
    let (pi, _) = reload(&s, &fake, &a, 25);
    deliver(
        &s,
        "evt_t1",
        "payment_intent.succeeded",
        fake_stripe::succeeded(&pi),
    );
    tariff(&s, &a, 0, 100);
    complete_call(&s, "CATEN", SALON, 60);
    for path in [
        "/api/credits/transactions",
        "/api/credits/usage",
        "/api/credits/notifications",
    ] {
        let va = s.get(path, Some(&a.token)).json();
        let vb = s.get(path, Some(&b.token)).json();
        let text = vb.to_string();
        assert!(
            !text.contains("CATEN") && !text.contains(pi["id"].as_str().unwrap()),
            "{path}: {text}"
        );
        assert_ne!(va, vb, "{path}");
    }
    let vb = s.get("/api/credits/transactions", Some(&b.token)).json();
    assert_eq!(vb["data"]["transactions"], json!([]));
    assert_eq!(vb["data"]["payments"], json!([]));
    assert_eq!(cents(&s, &b), (0, 0));
    // A's call to B's number? No: a call is billed to the tenant that owns the number.
    complete_call(&s, "CATENB", "+15557770002", 60);
    assert_eq!(cents(&s, &a), (2_490, 0));
    assert_eq!(ledger_count(&s, &b, "usage"), 1);
}

#[test]
fn billing_verify_and_adjust_commands() {
    let s = server(Opts::default());
    let a = tenant(&s, "cli@example.com", SALON);
    let data = s.dir.path().to_path_buf();
    let run = |args: &[&str]| {
        command(&data)
            .env("RINGLYPRO_DATA_DIR", &data)
            .args(args)
            .output()
            .expect("run ringlypro")
    };
    let id = a.client_id.to_string();
    let out = run(&["billing", "adjust", &id, "12.50", "--reason", "goodwill"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cents(&s, &a), (1_250, 0));
    let out = run(&["billing", "adjust", &id, "-2.5", "--reason", "correction"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(cents(&s, &a), (1_000, 0));
    let bad = run(&["billing", "adjust", &id, "1.234", "--reason", "x"]);
    assert!(!bad.status.success());
    let bad = run(&["billing", "adjust", "999999", "5", "--reason", "x"]);
    assert!(!bad.status.success());
    let out = run(&["billing", "verify"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ledger OK"));
    // Someone edits a balance behind the ledger's back: verify says so and fails.
    s.sql(|c| {
        c.execute(
            "UPDATE credit_accounts SET balance_cents = balance_cents + 1 WHERE client_id = ?1",
            [a.client_id],
        )
        .unwrap()
    });
    let out = run(&["billing", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("tenant {id}")) && text.contains("MISMATCH"),
        "{text}"
    );
    s.sql(|c| {
        c.execute(
            "UPDATE credit_accounts SET balance_cents = balance_cents - 1 WHERE client_id = ?1",
            [a.client_id],
        )
        .unwrap()
    });
    assert_eq!(run(&["billing", "verify", "--json"]).status.code(), Some(0));
}

// ---------- bad input ----------

#[test]
fn bad_input_on_the_credit_routes_is_a_clear_4xx_never_a_500() {
    let fake = FakeStripe::start();
    let s = server(Opts {
        stripe: Some(&fake),
        ..Opts::default()
    });
    let a = tenant(&s, "bad@example.com", SALON);
    let t = Some(a.token.as_str());
    let json_body = |v: Value| v;
    let cases: Vec<(&str, &str, Option<Value>, u16)> = vec![
        (
            "POST",
            "/api/credits/reload",
            Some(json_body(json!({}))),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 4})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 501})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 10.5})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": "ten"})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": -20})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": null})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": [20]})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": {"usd": 20}})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 20, "amountCents": 2000})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amountCents": 499})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amountCents": 50001})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 18446744073709551615u64})),
            400,
        ),
        (
            "POST",
            "/api/credits/reload",
            Some(json!({"amount": 20, "clientId": 1})),
            400,
        ),
        (
            "POST",
            "/api/credits/checkout",
            Some(json!({"amount": 0})),
            400,
        ),
        (
            "POST",
            "/api/credits/auto-reload/configure",
            Some(json!({})),
            400,
        ),
        (
            "POST",
            "/api/credits/auto-reload/configure",
            Some(json!({"enabled": "yes"})),
            400,
        ),
        (
            "POST",
            "/api/credits/auto-reload/configure",
            Some(json!({"enabled": true, "threshold": 0})),
            400,
        ),
        (
            "POST",
            "/api/credits/auto-reload/configure",
            Some(json!({"enabled": true, "amount": 1000})),
            400,
        ),
        (
            "POST",
            "/api/credits/notifications/read",
            Some(json!({"id": "x"})),
            400,
        ),
        ("GET", "/api/credits/usage?page=0", None, 400),
        ("GET", "/api/credits/usage?limit=1000", None, 400),
        ("GET", "/api/credits/usage?type=fax", None, 400),
        ("GET", "/api/credits/usage?from=yesterday", None, 400),
        (
            "GET",
            "/api/credits/usage?from=2026-11-10&to=2026-11-01",
            None,
            400,
        ),
        ("GET", "/api/credits/usage?page=abc", None, 400),
        ("GET", "/api/credits/transactions?type=gift", None, 400),
        ("GET", "/api/credits/transactions?clientId=1", None, 400),
        ("GET", "/api/credits/notifications?unread=maybe", None, 400),
        ("GET", "/api/credits/reload", None, 405),
        ("GET", "/api/credits/test/client/abc", None, 404),
    ];
    assert!(cases.len() >= 20);
    for (method, path, body, want) in &cases {
        let r = s.req(method, path, t, body.as_ref());
        assert_eq!(r.status, *want, "{method} {path} {body:?}: {}", r.body);
        assert!(r.status < 500);
        if r.status != 405 {
            r.error_message();
        }
    }
    // Raw bodies: not JSON, wrong type, empty, no session, a bad Idempotency-Key.
    let bearer = format!("Bearer {}", a.token);
    type Raw<'a> = (Vec<(&'a str, &'a str)>, &'a [u8], u16);
    let raw: Vec<Raw<'_>> = vec![
        (
            vec![
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            b"{amount: 20",
            400,
        ),
        (
            vec![("authorization", &bearer), ("content-type", "text/plain")],
            b"amount=20",
            415,
        ),
        (
            vec![
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            b"",
            400,
        ),
        (
            vec![
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            &[0xff, 0xfe, 0x00],
            400,
        ),
        (
            vec![("content-type", "application/json")],
            b"{\"amount\": 20}",
            401,
        ),
        (
            vec![
                ("authorization", "Bearer not-a-token"),
                ("content-type", "application/json"),
            ],
            b"{\"amount\": 20}",
            401,
        ),
    ];
    for (headers, body, want) in &raw {
        // A fresh connection each: the server may close one whose body it refused unread.
        let r = request(
            &agent(),
            "POST",
            &s.url("/api/credits/reload"),
            headers,
            Some(body),
        );
        assert_eq!(r.status, *want, "{headers:?} {body:?}: {}", r.body);
        r.error_message();
    }
    let long = "k".repeat(300);
    let r = request(
        &agent(),
        "POST",
        &s.url("/api/credits/reload"),
        &[
            ("authorization", &bearer),
            ("content-type", "application/json"),
            ("idempotency-key", &long),
        ],
        Some(b"{\"amount\": 20}"),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // The webhook: signed but not an event.
    let now = s.clock_now().timestamp();
    for body in [
        "not json",
        "{}",
        "{\"id\": \"evt_1\", \"type\": \"x\"}",
        "[]",
    ] {
        let sig =
            ringlypro::billing::stripe_sig::sign(fake_stripe::WEBHOOK_SECRET, now, body.as_bytes());
        let r = stripe_post(&s, "/api/credits/webhook/stripe", body, Some(&sig));
        assert_eq!(r.status, 400, "{body}: {}", r.body);
    }
    // Nothing was charged or created by any of it.
    assert!(fake.requests("/v1/payment_intents").is_empty());
    assert_eq!(cents(&s, &a), (0, 0));
}

#[test]
fn a_hundred_concurrent_status_callbacks_for_one_call_charge_once() {
    let s = server(Opts {
        stripe: None,
        sendgrid: None,
        development: false,
    });
    let a = tenant(&s, "race-bill@example.com", SALON);
    tariff(&s, &a, 0, 100);
    credit(&s, &a, 10_000);
    std::thread::scope(|scope| {
        for _ in 0..100 {
            scope.spawn(|| complete_call(&s, "CA00000000000000000000000000RACE1", SALON, 150));
        }
    });
    assert_eq!(ledger_count(&s, &a, "usage"), 1, "one charge for one call");
    // 150 s = 3 minutes at $0.10 = 30 cents.
    assert_eq!(cents(&s, &a), (10_000 - 30, 0));
}
