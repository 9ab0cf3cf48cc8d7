//! Twilio's webhooks under `/webhook/twilio/…`. Every handler takes a
//! [`twilio::TwilioRequest`] (origin verified, form parsed) and answers TwiML,
//! errors included: a client error keeps its 4xx status with `<Response/>`, a
//! server fault is logged and answered `<Response/>` (never a JSON 500).
//! The tenant comes from the number Twilio was called or texted on, nothing else.
//! Stripe's webhook (`stripe`) lives under `/api/credits` on the original's paths
//! and answers JSON.

pub mod calls;
pub mod sms;
pub mod stripe;
pub mod twilio;
pub mod voice;

use crate::app::AppState;
use crate::error::AppError;
use crate::voice::twiml::Twiml;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhook/twilio/sms", post(sms::inbound))
        .route("/webhook/twilio/sms-status", post(sms::status))
        .route("/webhook/twilio/status", post(calls::status))
        .merge(voice::router())
}

/// An error of a webhook handler, answered as TwiML.
#[derive(Debug)]
pub struct WebhookError(pub AppError);

impl From<AppError> for WebhookError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status >= 500 {
            tracing::error!(error = %self.0, "Twilio webhook failed");
            return Twiml::empty().into_response();
        }
        tracing::warn!(error = %self.0, "Twilio webhook refused");
        Twiml::empty().with_status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
    }
}

/// A required parameter, trimmed and at most `max` characters.
fn required<'a>(
    req: &'a twilio::TwilioRequest,
    name: &str,
    max: usize,
) -> Result<&'a str, WebhookError> {
    let v = req
        .non_empty(name)
        .ok_or_else(|| AppError::BadRequest(format!("{name} is missing")))?;
    if v.chars().count() > max {
        return Err(AppError::BadRequest(format!("{name} is too long")).into());
    }
    Ok(v)
}

/// An optional parameter, trimmed, blank as absent, at most `max` characters.
fn optional<'a>(
    req: &'a twilio::TwilioRequest,
    name: &str,
    max: usize,
) -> Result<Option<&'a str>, WebhookError> {
    match req.non_empty(name) {
        Some(v) if v.chars().count() > max => {
            Err(AppError::BadRequest(format!("{name} is too long")).into())
        }
        v => Ok(v),
    }
}

/// A Twilio resource sid (`SM…`, `CA…`): letters and digits only.
fn sid<'a>(req: &'a twilio::TwilioRequest, names: &[&str]) -> Result<&'a str, WebhookError> {
    let v = names
        .iter()
        .find_map(|n| req.non_empty(n))
        .ok_or_else(|| AppError::BadRequest(format!("{} is missing", names[0])))?;
    if v.len() > 64 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::BadRequest(format!("{} is not a Twilio sid", names[0])).into());
    }
    Ok(v)
}
