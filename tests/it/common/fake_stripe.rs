//! A fake Stripe on 127.0.0.1:0 speaking Stripe's wire format: form-encoded
//! POSTs to `/v1/customers`, `/v1/payment_intents` and `/v1/checkout/sessions`
//! with `Authorization: Bearer sk_…`, answered with Stripe JSON objects (or
//! Stripe's `{"error": {…}}` with 401/402/500). Like Stripe, a repeated
//! `Idempotency-Key` gets the first answer back and creates nothing. It
//! records every request, can decline or fail the next ones, and builds signed
//! webhook events the way Stripe sends them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub const SECRET_KEY: &str = "sk_test_fake_0123456789";
pub const PUBLISHABLE_KEY: &str = "pk_test_fake_0123456789";
pub const WEBHOOK_SECRET: &str = "whsec_fake_0123456789abcdef";

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub form: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub answered: u16,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Copy)]
enum Failure {
    Decline,
    Status(u16),
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    failures: VecDeque<Failure>,
    by_key: HashMap<String, (u16, Value)>,
    counter: u64,
    objects: HashMap<String, Value>,
}

type Shared = Arc<Mutex<Inner>>;

pub struct FakeStripe {
    server: super::fake_server::FakeServer,
    inner: Shared,
}

fn error(status: u16, kind: &str, code: &str, message: &str, extra: Option<Value>) -> (u16, Value) {
    let mut e = json!({"type": kind, "code": code, "message": message});
    if kind == "card_error" {
        e["decline_code"] = json!("insufficient_funds");
    }
    if let Some(x) = extra {
        e["payment_intent"] = x;
    }
    (status, json!({ "error": e }))
}

/// `metadata[k]=v` (or `prefix[metadata][k]=v`) fields as a JSON object.
fn metadata(form: &[(String, String)], prefix: &str) -> Value {
    let mut m = serde_json::Map::new();
    for (k, v) in form {
        if let Some(rest) = k
            .strip_prefix(prefix)
            .and_then(|r| r.strip_prefix('['))
            .and_then(|r| r.strip_suffix(']'))
        {
            m.insert(rest.to_string(), json!(v));
        }
    }
    Value::Object(m)
}

fn create(inner: &mut Inner, path: &str, form: &[(String, String)]) -> (u16, Value) {
    let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    inner.counter += 1;
    let n = inner.counter;
    match path {
        "/v1/customers" => (
            200,
            json!({
                "id": format!("cus_fake{n:06}"),
                "object": "customer",
                "email": field("email"),
                "name": field("name"),
                "metadata": metadata(form, "metadata"),
                "livemode": false,
            }),
        ),
        "/v1/payment_intents" => {
            let amount: i64 = field("amount").and_then(|a| a.parse().ok()).unwrap_or(0);
            if amount < 50 || field("currency").as_deref() != Some("usd") {
                return error(
                    400,
                    "invalid_request_error",
                    "parameter_invalid_integer",
                    "Invalid amount or currency.",
                    None,
                );
            }
            let id = format!("pi_fake{n:06}");
            let off_session = field("off_session").as_deref() == Some("true");
            let mut pi = json!({
                "id": id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "currency": "usd",
                "customer": field("customer"),
                "payment_method": field("payment_method"),
                "setup_future_usage": field("setup_future_usage"),
                "client_secret": format!("{id}_secret_fake{n}"),
                "description": field("description"),
                "metadata": metadata(form, "metadata"),
                "status": "requires_payment_method",
                "livemode": false,
            });
            if off_session && field("confirm").as_deref() == Some("true") {
                if let Some(Failure::Decline) = inner.failures.front().copied() {
                    inner.failures.pop_front();
                    pi["status"] = json!("requires_payment_method");
                    pi["last_payment_error"] = json!({"code": "card_declined", "message": "Your card has insufficient funds."});
                    inner.objects.insert(id.clone(), pi.clone());
                    return error(
                        402,
                        "card_error",
                        "card_declined",
                        "Your card has insufficient funds.",
                        Some(pi),
                    );
                }
                pi["status"] = json!("succeeded");
                pi["amount_received"] = json!(amount);
            }
            inner.objects.insert(id, pi.clone());
            (200, pi)
        }
        "/v1/checkout/sessions" => {
            let id = format!("cs_test_fake{n:06}");
            let amount: i64 = field("line_items[0][price_data][unit_amount]")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let s = json!({
                "id": id,
                "object": "checkout.session",
                "mode": field("mode"),
                "amount_total": amount,
                "currency": "usd",
                "customer": field("customer"),
                "client_reference_id": field("client_reference_id"),
                "metadata": metadata(form, "metadata"),
                "payment_intent": null,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": field("success_url"),
                "url": format!("https://checkout.stripe.com/c/pay/{id}"),
                "livemode": false,
            });
            inner.objects.insert(id, s.clone());
            (200, s)
        }
        _ => error(
            404,
            "invalid_request_error",
            "resource_missing",
            "Unrecognized request URL.",
            None,
        ),
    }
}

async fn handle(
    State(inner): State<Shared>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path().to_string();
    let form = ringlypro::http::webhooks::twilio::parse_form(&body).unwrap_or_default();
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    };
    let authorization = header("authorization");
    let key = header("idempotency-key");
    let mut g = inner.lock().unwrap();
    let (status, value) = if authorization.as_deref() != Some(&format!("Bearer {SECRET_KEY}")) {
        error(
            401,
            "invalid_request_error",
            "api_key_invalid",
            "Invalid API Key provided.",
            None,
        )
    } else if let Some(prev) = key.as_ref().and_then(|k| g.by_key.get(k)).cloned() {
        prev
    } else if let Some(Failure::Status(s)) = g.failures.front().copied() {
        g.failures.pop_front();
        error(
            s,
            "api_error",
            "api_error",
            "An error occurred with our connection to Stripe.",
            None,
        )
    } else {
        let r = create(&mut g, &path, &form);
        if let Some(k) = &key {
            g.by_key.insert(k.clone(), r.clone());
        }
        r
    };
    g.received.push(Received {
        path,
        form,
        authorization,
        idempotency_key: key,
        answered: status,
    });
    (
        StatusCode::from_u16(status).unwrap(),
        [("request-id", "req_fake")],
        axum::Json(value),
    )
        .into_response()
}

impl FakeStripe {
    pub fn start() -> Self {
        let inner: Shared = Arc::default();
        let app = axum::Router::new()
            .route("/v1/customers", post(handle))
            .route("/v1/payment_intents", post(handle))
            .route("/v1/checkout/sessions", post(handle))
            .with_state(inner.clone());
        Self {
            server: super::fake_server::FakeServer::start(app, "fake stripe"),
            inner,
        }
    }

    /// The base URL to put in `STRIPE_API_BASE`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The next off-session charge is declined (402 card_error).
    pub fn decline_next(&self) {
        self.inner
            .lock()
            .unwrap()
            .failures
            .push_back(Failure::Decline);
    }

    /// The next `n` requests fail with `status` (e.g. 500).
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..n {
            g.failures.push_back(Failure::Status(status));
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// Requests to one endpoint, e.g. `/v1/payment_intents`.
    pub fn requests(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// An object the fake created (PaymentIntent, Checkout session), by id.
    pub fn object(&self, id: &str) -> Value {
        self.inner
            .lock()
            .unwrap()
            .objects
            .get(id)
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// A Stripe event as Stripe delivers it: the JSON body and its `Stripe-Signature`
/// header, signed with [`WEBHOOK_SECRET`] at `timestamp`.
pub fn event(id: &str, kind: &str, object: Value, timestamp: i64) -> (String, String) {
    let body = json!({
        "id": id,
        "object": "event",
        "api_version": "2024-06-20",
        "created": timestamp,
        "type": kind,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "data": { "object": object },
    })
    .to_string();
    let sig = ringlypro::billing::stripe_sig::sign(WEBHOOK_SECRET, timestamp, body.as_bytes());
    (body, sig)
}

/// The PaymentIntent `pi` (as created) after the customer paid with a card.
pub fn succeeded(pi: &Value) -> Value {
    let mut p = pi.clone();
    p["status"] = json!("succeeded");
    p["amount_received"] = p["amount"].clone();
    if p["payment_method"].is_null() {
        p["payment_method"] = json!("pm_fake_card_visa");
    }
    p
}
