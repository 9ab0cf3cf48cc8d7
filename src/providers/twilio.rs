//! Twilio's Messages API over ureq: a form POST to
//! `{TWILIO_API_BASE}/2010-04-01/Accounts/{sid}/Messages.json` with basic auth.
//! The outbox idempotency key travels in `I-Twilio-Idempotency-Token` on every
//! attempt of one message. Network errors, 5xx and 429 are retryable; other 4xx
//! are not (the request itself is wrong: bad number, unverified sender …).

use super::{SendError, SentSms, SmsSender};
use crate::config::Twilio;
use base64::Engine;
use serde::Deserialize;
use std::time::Duration;

pub const IDEMPOTENCY_HEADER: &str = "I-Twilio-Idempotency-Token";

/// Twilio's REST API, used when TWILIO_API_BASE is empty.
pub const DEFAULT_API_BASE: &str = "https://api.twilio.com";

/// Largest response body read from Twilio.
const MAX_RESPONSE_BYTES: u64 = 256 * 1024;

pub struct TwilioSms {
    agent: ureq::Agent,
    messages_url: String,
    authorization: String,
    default_from: Option<String>,
    messaging_service_sid: Option<String>,
}

#[derive(Deserialize)]
struct MessageResource {
    sid: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResource {
    code: Option<serde_json::Value>,
    message: Option<String>,
}

impl TwilioSms {
    pub fn new(t: &Twilio, api_base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(20)))
            .user_agent(concat!("ringlypro/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let creds = format!("{}:{}", t.account_sid, t.auth_token);
        Self {
            agent,
            messages_url: format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                api_base.trim_end_matches('/'),
                t.account_sid
            ),
            authorization: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(creds)
            ),
            default_from: t.phone_number.clone(),
            messaging_service_sid: t.messaging_service_sid.clone(),
        }
    }
}

fn retryable(message: impl Into<String>) -> SendError {
    SendError {
        retryable: true,
        code: None,
        message: message.into(),
    }
}

impl SmsSender for TwilioSms {
    fn send(
        &self,
        from: &str,
        to: &str,
        body: &str,
        status_callback: Option<&str>,
        idempotency_key: &str,
    ) -> Result<SentSms, SendError> {
        let mut form: Vec<(&str, &str)> = vec![("To", to), ("Body", body)];
        let from = Some(from)
            .filter(|f| !f.is_empty())
            .or(self.default_from.as_deref());
        if let Some(f) = from {
            form.push(("From", f));
        }
        if let Some(ms) = &self.messaging_service_sid {
            form.push(("MessagingServiceSid", ms));
        }
        if from.is_none() && self.messaging_service_sid.is_none() {
            return Err(SendError {
                retryable: false,
                code: None,
                message: "no number to send from: attach a RinglyPro number to the business or set TWILIO_PHONE_NUMBER".into(),
            });
        }
        if let Some(cb) = status_callback {
            form.push(("StatusCallback", cb));
        }
        let mut res = self
            .agent
            .post(&self.messages_url)
            .header("Authorization", &self.authorization)
            .header(IDEMPOTENCY_HEADER, idempotency_key)
            .header("Accept", "application/json")
            .send_form(form)
            .map_err(|e| retryable(format!("could not reach Twilio: {e}")))?;
        let status = res.status().as_u16();
        let text = res
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_string()
            .map_err(|e| retryable(format!("could not read Twilio's answer: {e}")))?;
        if (200..300).contains(&status) {
            let m: MessageResource = serde_json::from_str(&text)
                .map_err(|e| retryable(format!("Twilio's answer was not a message ({e})")))?;
            let sid = m
                .sid
                .filter(|s| !s.is_empty())
                .ok_or_else(|| retryable("Twilio's answer had no message sid"))?;
            return Ok(SentSms {
                sid,
                status: m.status.unwrap_or_else(|| "queued".into()),
            });
        }
        let err: Option<ErrorResource> = serde_json::from_str(&text).ok();
        let code = err.as_ref().and_then(|e| match &e.code {
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            _ => None,
        });
        let message = err
            .and_then(|e| e.message)
            .unwrap_or_else(|| format!("Twilio answered HTTP {status}"));
        Err(SendError {
            retryable: status >= 500 || status == 429,
            code,
            message,
        })
    }
}
