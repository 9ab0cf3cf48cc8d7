//! `/health` (liveness + a real database round trip + which providers are on,
//! never secrets), `/health/live` and `/health/ready` for orchestrators.

use crate::app::AppState;
use crate::config::Providers;
use crate::db;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
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
    // A shared lock: probes at high rates must not queue behind each other.
    let cached = state.health_check.read().ok().and_then(|g| *g);
    if let Some((at, ok, ms)) = cached
        && at.elapsed() < CHECK_EVERY
    {
        return (ok, ms);
    }
    let t0 = Instant::now();
    let ok = state.db.read(db::status::ping).await.is_ok();
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    if let Ok(mut g) = state.health_check.write() {
        *g = Some((Instant::now(), ok, ms));
    }
    (ok, ms)
}

/// The `/health` answer (typed, so answering builds no JSON tree).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Health<'a> {
    database: DbHealth,
    providers: Providers,
    status: &'static str,
    uptime_seconds: u64,
    version: &'static str,
    webhooks: Webhooks<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DbHealth {
    status: &'static str,
    latency_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Webhooks<'a> {
    base_url: Option<&'a str>,
    twilio_signatures: &'static str,
}

async fn health(State(state): State<AppState>) -> Response {
    let (ok, latency_ms) = db_check(&state).await;
    let providers = state.config.providers();
    let twilio = providers.twilio;
    let body = Health {
        database: DbHealth {
            status: if ok { "ok" } else { "error" },
            latency_ms: (latency_ms * 100.0).round() / 100.0,
        },
        providers,
        status: if ok { "ok" } else { "unavailable" },
        uptime_seconds: state.started.elapsed().as_secs(),
        version: crate::VERSION,
        webhooks: Webhooks {
            base_url: state.config.webhook_base_url.as_deref(),
            twilio_signatures: if twilio {
                "verified"
            } else {
                "loopback-only (set TWILIO_AUTH_TOKEN to accept Twilio from the internet)"
            },
        },
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
