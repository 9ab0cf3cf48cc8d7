//! `GET /api/status`: public "ok + version"; with a session, that tenant's
//! counts only (the original leaked global counts to anyone).

use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::http::extract::MaybeUser;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new().route("/status", get(status))
}

async fn status(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Json<Value>, AppError> {
    let mut body = json!({ "success": true, "status": "ok", "version": crate::VERSION });
    if let Some(u) = user {
        let client = u.client_id();
        let counts = state
            .db
            .read(move |c| db::status::tenant_counts(c, client))
            .await?;
        body["clientId"] = json!(client);
        body["stats"] = json!(counts);
    }
    Ok(Json(body))
}
