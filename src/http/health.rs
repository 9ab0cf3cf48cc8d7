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

async fn health(State(state): State<AppState>) -> Response {
    let t0 = Instant::now();
    let db_result = state.db.read(db::status::ping).await;
    let latency_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let ok = db_result.is_ok();
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
