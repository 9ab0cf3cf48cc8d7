//! JSON API routes under `/api`, one module per resource.

pub mod appointments;
pub mod auth;
pub mod calls;
pub mod contacts;
pub mod credits;
pub mod dashboard;
pub mod input;
pub mod messages;
pub mod pagination;
pub mod settings;
pub mod status;

use crate::app::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(appointments::router())
        .merge(auth::router())
        .merge(calls::router())
        .merge(contacts::router())
        .merge(credits::router())
        .merge(dashboard::router())
        .merge(messages::router())
        .merge(settings::router())
        .merge(status::router())
}

/// The pagination object of list responses (the original's field names, with
/// `totalX` named after the list, e.g. `totalContacts`).
pub fn pagination(page: i64, limit: i64, total: i64, total_key: &str) -> serde_json::Value {
    pagination::Page { page, limit }.meta(total, total_key)
}
