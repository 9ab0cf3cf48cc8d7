//! A fake SendGrid on 127.0.0.1:0: `POST /v3/mail/send` with a Bearer key and
//! SendGrid's v3 JSON (personalizations, from, subject, content), answered 202
//! with an `X-Message-Id` like SendGrid, or 401/400/500 with SendGrid's
//! `{"errors": [...]}`. It records every request and can fail the next ones.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "SG.fake-sendgrid-key";

#[derive(Debug, Clone)]
pub struct Received {
    pub authorization: Option<String>,
    pub body: Value,
    pub answered: u16,
}

impl Received {
    pub fn to(&self) -> &str {
        self.body["personalizations"][0]["to"][0]["email"]
            .as_str()
            .unwrap_or("")
    }
    pub fn subject(&self) -> &str {
        self.body["subject"].as_str().unwrap_or("")
    }
    /// The content part of a MIME type (`text/plain`, `text/html`).
    pub fn content(&self, mime: &str) -> Option<&str> {
        self.body["content"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == mime)
            .and_then(|c| c["value"].as_str())
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    fail_next: VecDeque<u16>,
}

type Shared = Arc<Mutex<Inner>>;

pub struct FakeSendGrid {
    server: super::fake_server::FakeServer,
    inner: Shared,
}

async fn send(
    State(inner): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let mut g = inner.lock().unwrap();
    let errors = |status: u16, message: &str| {
        (
            status,
            json!({"errors": [{"message": message, "field": null, "help": null}]}),
        )
    };
    let (status, answer) = if authorization.as_deref() != Some(&format!("Bearer {API_KEY}")) {
        errors(
            401,
            "The provided authorization grant is invalid, expired, or revoked",
        )
    } else if let Some(s) = g.fail_next.pop_front() {
        errors(s, "Internal server error")
    } else {
        match &parsed {
            Some(v)
                if v["personalizations"][0]["to"][0]["email"].is_string()
                    && v["from"]["email"].is_string()
                    && v["subject"].is_string()
                    && v["content"][0]["value"].is_string() =>
            {
                (202, Value::Null)
            }
            _ => errors(400, "Bad Request"),
        }
    };
    let n = g.received.len();
    g.received.push(Received {
        authorization,
        body: parsed.unwrap_or(Value::Null),
        answered: status,
    });
    let code = StatusCode::from_u16(status).unwrap();
    if status == 202 {
        (code, [("x-message-id", format!("fakeSGmsg{n:04}"))]).into_response()
    } else {
        (code, axum::Json(answer)).into_response()
    }
}

impl FakeSendGrid {
    pub fn start() -> Self {
        let inner: Shared = Arc::default();
        let app = axum::Router::new()
            .route("/v3/mail/send", post(send))
            .with_state(inner.clone());
        Self {
            server: super::fake_server::FakeServer::start(app, "fake sendgrid"),
            inner,
        }
    }

    /// The base URL to put in `SENDGRID_API_BASE`.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The next `n` requests are answered with `status`.
    pub fn fail_next(&self, n: usize, status: u16) {
        let mut g = self.inner.lock().unwrap();
        for _ in 0..n {
            g.fail_next.push_back(status);
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The emails SendGrid accepted (202).
    pub fn delivered(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == 202)
            .collect()
    }
}
