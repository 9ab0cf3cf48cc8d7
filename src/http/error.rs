//! Renders `AppError` as an HTTP response: `{"success":false,"error":{"code","message"}}`
//! with the right status. Internal details are logged, never sent.

use crate::error::AppError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let AppError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let mut error = json!({ "code": self.code(), "message": self.public_message() });
        match &self {
            AppError::Validation { field: Some(f), .. } => error["field"] = json!(f),
            AppError::Conflict {
                existing_id: Some(id),
                ..
            } => error["existingId"] = json!(id),
            _ => {}
        }
        let mut res = (status, Json(json!({ "success": false, "error": error }))).into_response();
        if let AppError::TooManyRequests { retry_after } = &self {
            let secs = retry_after.as_secs().max(1).to_string();
            if let Ok(v) = HeaderValue::from_str(&secs) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        res
    }
}

/// JSON for a route that does not exist under `/api`.
pub async fn api_not_found(uri: axum::http::Uri) -> AppError {
    AppError::NotFound(format!(
        "There is no API route {}. See the API list in the README.",
        uri.path()
    ))
}

pub async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let mut res = AppError::BadRequest(format!("{} is not allowed on {}", method, uri.path()))
        .into_response();
    *res.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    res
}

/// The response for a panic caught by the safety net: logged, JSON, never a bare 500 page.
pub fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    AppError::internal("a request handler panicked").into_response()
}
