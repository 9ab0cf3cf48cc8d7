//! `POST /api/credits/webhook/stripe` (and the original's `/api/credits/webhooks/stripe`):
//! Stripe's event deliveries. The `StripeEvent` extractor verifies
//! `Stripe-Signature` on the raw bytes before anything is parsed; a bad,
//! missing or stale signature is a 400 and nothing changes. The event is then
//! applied once (`billing::stripe_events`), in one write transaction together
//! with its `webhook_events` row, so a replay answers 200 and changes nothing.

use crate::app::AppState;
use crate::billing::stripe_events::{self, Event, Handled};
use crate::billing::stripe_sig;
use crate::error::AppError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request, State};
use serde_json::{Value, json};

/// A Stripe event whose signature was verified against STRIPE_WEBHOOK_SECRET.
pub struct StripeEvent(pub Event);

impl<S> FromRequest<S> for StripeEvent
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let secret = app
            .config
            .stripe
            .as_ref()
            .and_then(|s| s.webhook_secret.clone())
            .ok_or_else(|| {
                AppError::ServiceUnavailable(
                    "Stripe webhooks are not set up on this server (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are needed)."
                        .into(),
                )
            })?;
        let signature = req
            .headers()
            .get("stripe-signature")
            .map(|v| v.to_str().map(String::from).unwrap_or_default());
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge {
                    limit: app.config.max_body_bytes,
                }
            } else {
                AppError::BadRequest(format!(
                    "Could not read the request body: {}",
                    e.body_text()
                ))
            }
        })?;
        stripe_sig::verify(
            &secret,
            signature.as_deref(),
            &bytes,
            app.clock.now().timestamp(),
        )
        .map_err(|e| {
            AppError::BadRequest(format!("Webhook signature verification failed: {e}."))
        })?;
        let event = Event::parse(&bytes)
            .map_err(|m| AppError::BadRequest(format!("Invalid event: {m}.")))?;
        Ok(StripeEvent(event))
    }
}

pub async fn handle(
    State(state): State<AppState>,
    StripeEvent(event): StripeEvent,
) -> Result<Json<Value>, AppError> {
    let now = state.clock.now();
    let dashboard = state.config.frontend_url.clone();
    let (id, kind) = (event.id.clone(), event.kind.clone());
    let handled = state
        .db
        .write(move |c| stripe_events::apply(c, &event, &dashboard, now))
        .await?;
    let (status, note) = match &handled {
        Handled::Applied(_) => ("processed", None),
        Handled::Duplicate => (
            "duplicate",
            Some("this event was processed before; nothing changed".to_string()),
        ),
        Handled::Ignored(why) => ("ignored", Some(why.clone())),
    };
    tracing::info!(event = %id, kind = %kind, status, "Stripe event");
    if matches!(handled, Handled::Applied(_)) {
        crate::outbox::wake(&state);
    }
    Ok(Json(
        json!({ "received": true, "status": status, "note": note }),
    ))
}
