//! A fake Twilio REST API on 127.0.0.1:0 for the outbox tests. It speaks
//! Twilio's wire format for `POST /2010-04-01/Accounts/{sid}/Messages.json`
//! (form body, basic auth, JSON message resource or Twilio error JSON),
//! records every request, can be told to fail the next N requests, and, like
//! Twilio, answers a repeated `I-Twilio-Idempotency-Token` with the message it
//! already created instead of sending a second one.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub const AUTH_TOKEN: &str = "fake-twilio-auth-token";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Received {
    pub account_sid: String,
    pub form: Vec<(String, String)>,
    pub authorization: Option<String>,
    pub idempotency_token: Option<String>,
    /// The HTTP status it was answered with.
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

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    fail_next: VecDeque<u16>,
    by_token: HashMap<String, Value>,
    created: Vec<Value>,
    /// Numbers bought: the form of each IncomingPhoneNumbers request.
    bought: Vec<Vec<(String, String)>>,
    /// Sids of numbers released.
    released: Vec<String>,
}

type Shared = Arc<Mutex<Inner>>;

pub struct FakeTwilio {
    server: super::fake_server::FakeServer,
    inner: Shared,
}

fn expected_auth() -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"))
    )
}

fn twilio_error(status: u16, code: u32, message: &str) -> (StatusCode, axum::Json<Value>) {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        })),
    )
}

async fn create_message(
    State(inner): State<Shared>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let form = ringlypro::http::webhooks::twilio::parse_form(&body).unwrap_or_default();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let token = headers
        .get("i-twilio-idempotency-token")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let mut g = inner.lock().unwrap();
    let mut rec = Received {
        account_sid: account.clone(),
        form: form.clone(),
        authorization: authorization.clone(),
        idempotency_token: token.clone(),
        answered: 0,
    };
    let (status, resp) =
        if authorization.as_deref() != Some(expected_auth().as_str()) || account != ACCOUNT_SID {
            twilio_error(401, 20003, "Authenticate")
        } else if let Some(s) = g.fail_next.pop_front() {
            if s >= 500 {
                twilio_error(s, 20500, "Internal Server Error")
            } else {
                twilio_error(s, 21211, "The 'To' number is not a valid phone number.")
            }
        } else if let Some(existing) = token.as_ref().and_then(|t| g.by_token.get(t)) {
            (StatusCode::CREATED, axum::Json(existing.clone()))
        } else {
            let field = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let sid = format!("SM{:032x}", g.created.len() as u128 + 0xabc0);
            let now = "Mon, 23 Nov 2026 15:00:00 +0000";
            let msg = json!({
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": field("Body"),
                "date_created": now,
                "date_sent": null,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": null,
                "error_message": null,
                "from": field("From"),
                "messaging_service_sid": field("MessagingServiceSid"),
                "num_media": "0",
                "num_segments": "1",
                "price": null,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {
                    "media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json")
                },
                "to": field("To"),
                "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"),
            });
            if let Some(t) = &token {
                g.by_token.insert(t.clone(), msg.clone());
            }
            g.created.push(msg.clone());
            (StatusCode::CREATED, axum::Json(msg))
        };
    rec.answered = status.as_u16();
    g.received.push(rec);
    (status, resp).into_response()
}

/// `GET …/AvailablePhoneNumbers/US/Local.json`: one number, none for area code 999.
async fn available(
    State(inner): State<Shared>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> impl IntoResponse {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected_auth().as_str())
    {
        return twilio_error(401, 20003, "Authenticate").into_response();
    }
    let _ = inner;
    let list = if q.get("AreaCode").map(String::as_str) == Some("999") {
        json!([])
    } else {
        let area = q.get("AreaCode").cloned().unwrap_or_else(|| "555".into());
        json!([{ "phone_number": format!("+1{area}3007000"), "friendly_name": "(555) 300-7000" }])
    };
    axum::Json(json!({ "available_phone_numbers": list, "uri": "/2010-04-01/Accounts/x/AvailablePhoneNumbers/US/Local.json" })).into_response()
}

/// `POST …/IncomingPhoneNumbers.json`: buys the number (records the webhook URLs).
async fn buy(State(inner): State<Shared>, body: Bytes) -> impl IntoResponse {
    let form = ringlypro::http::webhooks::twilio::parse_form(&body).unwrap_or_default();
    let number = form
        .iter()
        .find(|(k, _)| k == "PhoneNumber")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut g = inner.lock().unwrap();
    g.bought.push(form);
    let sid = format!("PN{:032}", g.bought.len());
    (
        StatusCode::CREATED,
        axum::Json(json!({ "sid": sid, "phone_number": number, "account_sid": ACCOUNT_SID })),
    )
}

/// `DELETE …/IncomingPhoneNumbers/{sid}.json`: releases a number.
async fn release(
    State(inner): State<Shared>,
    Path((_account, file)): Path<(String, String)>,
) -> StatusCode {
    inner
        .lock()
        .unwrap()
        .released
        .push(file.trim_end_matches(".json").to_string());
    StatusCode::NO_CONTENT
}

impl FakeTwilio {
    /// Forms of the numbers bought, in order.
    pub fn bought(&self) -> Vec<Vec<(String, String)>> {
        self.inner.lock().unwrap().bought.clone()
    }

    /// Sids of the numbers released.
    pub fn released(&self) -> Vec<String> {
        self.inner.lock().unwrap().released.clone()
    }

    pub fn start() -> Self {
        let inner: Shared = Arc::default();
        let app = axum::Router::new()
            .route(
                "/2010-04-01/Accounts/{account}/Messages.json",
                post(create_message),
            )
            .route(
                "/2010-04-01/Accounts/{account}/AvailablePhoneNumbers/US/Local.json",
                axum::routing::get(available),
            )
            .route(
                "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
                post(buy),
            )
            .route(
                "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{file}",
                axum::routing::delete(release),
            )
            .with_state(inner.clone());
        Self {
            server: super::fake_server::FakeServer::start(app, "fake twilio"),
            inner,
        }
    }

    /// The base URL to put in `TWILIO_API_BASE`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The next `n` requests are answered with `status` (500 → Twilio's
    /// internal error, 4xx → an invalid-number error).
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..n {
            g.fail_next.push_back(status);
        }
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The messages Twilio would have sent (each at most once per idempotency token).
    pub fn created(&self) -> Vec<Value> {
        self.inner.lock().unwrap().created.clone()
    }
}
