//! JSON API routes under `/api`, one module per resource.

pub mod appointments;
pub mod auth;
pub mod contacts;
pub mod dashboard;
pub mod input;
pub mod settings;
pub mod status;

use crate::app::AppState;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(appointments::router())
        .merge(auth::router())
        .merge(contacts::router())
        .merge(dashboard::router())
        .merge(settings::router())
        .merge(status::router())
}

/// The pagination object of list responses (the original's field names, with
/// `totalX` named after the list, e.g. `totalContacts`).
pub fn pagination(page: i64, limit: i64, total: i64, total_key: &str) -> serde_json::Value {
    let total_pages = if total == 0 {
        0
    } else {
        (total + limit - 1) / limit
    };
    let mut v = serde_json::json!({
        "currentPage": page,
        "totalPages": total_pages,
        "hasNext": page < total_pages,
        "hasPrev": page > 1,
        "limit": limit,
    });
    v[total_key] = serde_json::json!(total);
    v
}
