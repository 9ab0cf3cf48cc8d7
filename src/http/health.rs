//! `/health` (liveness + a real database round trip + which providers are on,
//! never secrets), `/health/live` and `/health/ready` for orchestrators.

use crate::app::AppState;
use crate::db;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(health))
        .route("/health/live", get(live))
}

async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// How long a database check result is reused: probes more frequent than this
/// (load balancers, monitoring at high rates) do not each cost a query.
const CHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

async fn db_check(state: &AppState) -> (bool, f64) {
    let cached = state.health_check.lock().ok().and_then(|g| *g);
    if let Some((at, ok, ms)) = cached
        && at.elapsed() < CHECK_EVERY
    {
        return (ok, ms);
    }
    let t0 = Instant::now();
    let ok = state.db.read(db::status::ping).await.is_ok();
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    if let Ok(mut g) = state.health_check.lock() {
        *g = Some((Instant::now(), ok, ms));
    }
    (ok, ms)
}

async fn health(State(state): State<AppState>) -> Response {
    let (ok, latency_ms) = db_check(&state).await;
    let providers = state.config.providers();
    let body = json!({
        "status": if ok { "ok" } else { "unavailable" },
        "version": crate::VERSION,
        "uptimeSeconds": state.started.elapsed().as_secs(),
        "database": {
            "status": if ok { "ok" } else { "error" },
            "latencyMs": (latency_ms * 100.0).round() / 100.0,
        },
        "providers": providers,
        "webhooks": {
            "twilioSignatures": if providers.twilio { "verified" } else { "loopback-only (set TWILIO_AUTH_TOKEN to accept Twilio from the internet)" },
            "baseUrl": state.config.webhook_base_url,
        },
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
