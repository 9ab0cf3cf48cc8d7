//! `GET /metrics` on the node: Prometheus text. On the main listener it needs
//! `Authorization: Bearer $RINGLYPRO_METRICS_TOKEN` (compared in constant time)
//! and is not served at all without that setting; the optional separate
//! listener (`RINGLYPRO_METRICS_LISTEN`) serves it without a token.

use crate::app::AppState;
use crate::error::AppError;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The route on the main listener.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(protected))
}

/// The whole app of the separate metrics listener.
pub fn listener_app(state: AppState) -> Router {
    Router::new().route("/metrics", get(open)).with_state(state)
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

async fn protected(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return AppError::NotFound(
            "metrics are not served on this listener; set RINGLYPRO_METRICS_TOKEN (then send it as a bearer token) or RINGLYPRO_METRICS_LISTEN".into(),
        )
        .into_response();
    };
    let ok = bearer(&headers).is_some_and(|t| crate::auth::ct_eq(t.as_bytes(), token.as_bytes()));
    if !ok {
        return AppError::Unauthorized(
            "send the metrics token as Authorization: Bearer <RINGLYPRO_METRICS_TOKEN>".into(),
        )
        .into_response();
    }
    render(&state).await
}

async fn open(State(state): State<AppState>) -> Response {
    render(&state).await
}

async fn render(state: &AppState) -> Response {
    let now = state.clock.now();
    let mut g = match state
        .db
        .read(move |c| crate::db::metrics::gauges(c, now))
        .await
    {
        Ok(g) => g,
        Err(e) => return e.into_response(),
    };
    let mut wal = state.db.path().as_os_str().to_owned();
    wal.push("-wal");
    g.wal_bytes = tokio::fs::metadata(std::path::PathBuf::from(wal))
        .await
        .map(|m| m.len())
        .unwrap_or(0);
    let body = crate::metrics::render_node(&g, state.started.elapsed().as_secs());
    (
        [
            (header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
