//! The HTTP surface: router assembly and the middleware every response passes
//! through (security headers, body limit, timeout, compression, tracing that
//! records the path but never the query string, and a panic safety net).
//! Handlers live in `api/` (JSON under /api), `webhooks/` (Twilio, TwiML under
//! /webhook), `health` and `web` (pages).

pub mod api;
pub mod error;
pub mod extract;
pub mod health;
pub mod metrics;
pub mod webhooks;

use crate::app::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Content Security Policy: same-origin only, no inline scripts, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; media-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let api = api::router().fallback(error::api_not_found);
    Router::new()
        .merge(health::router())
        .merge(metrics::router())
        .nest("/api", api)
        .merge(webhooks::router())
        .merge(crate::web::router())
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(max_body, reject_oversized))
        // Runs after routing (Router::layer), so the route template is known.
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(error::panic_response))
                .layer(
                    TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                        // The path only: query strings can carry secrets (feed tokens).
                        tracing::info_span!("http", method = %req.method(), path = %req.uri().path())
                    }),
                )
                .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
                .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
                .layer(header_layer(header::CONTENT_SECURITY_POLICY, CSP))
                .layer(header_layer(
                    HeaderName::from_static("permissions-policy"),
                    "camera=(), geolocation=(), microphone=(self)",
                ))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
                .layer(CompressionLayer::new())
                .layer(DefaultBodyLimit::max(max_body)),
        )
        .with_state(state)
}

/// Refuses a body whose announced length is over the limit before reading any of
/// it (a chunked body is still cut off at the limit by `DefaultBodyLimit`).
async fn reject_oversized(
    axum::extract::State(max): axum::extract::State<usize>,
    req: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // CSV imports have their own, larger limit (checked by their route).
    let limit = if req.uri().path() == "/api/contacts/import" {
        max.max(api::contacts::IMPORT_LIMIT)
    } else {
        max
    };
    if announced.is_some_and(|n| n > limit as u64) {
        use axum::response::IntoResponse;
        return crate::AppError::PayloadTooLarge { limit }.into_response();
    }
    next.run(req).await
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
