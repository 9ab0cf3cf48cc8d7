//! JSON API routes under `/api`, one module per resource.

pub mod auth;
pub mod calls;
pub mod messages;
pub mod pagination;
pub mod status;

use crate::app::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(status::router())
        .merge(messages::router())
        .merge(calls::router())
}
