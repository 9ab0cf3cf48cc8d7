//! Errors as pages: a handler returns `PageError` (any `AppError`), and the
//! `render` middleware turns it into a friendly page in the visitor's language
//! with the right status (404 for another business's ids, never a bare 500).
//! The 404 fallback for unknown addresses lives here too.

use super::i18n::{self, Lang};
use super::layout;
use crate::error::AppError;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maud::html;

/// An error on a page; rendered by the `render` middleware.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

/// Carried from the handler to the middleware in the response's extensions.
#[derive(Clone)]
struct Failure {
    status: u16,
    message: String,
    retry_after: Option<u64>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(error = %detail, "internal error on a page");
        }
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry_after = match &self.0 {
            AppError::TooManyRequests { retry_after } => Some(retry_after.as_secs().max(1)),
            _ => None,
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(Failure {
            status: status.as_u16(),
            message: self.0.public_message(),
            retry_after,
        });
        res
    }
}

pub type PageResult = Result<Response, PageError>;

/// Renders `PageError`s as pages in the visitor's language.
pub async fn render(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let lang = i18n::guess(&parts);
    let htmx = parts.headers.contains_key("hx-request");
    let res = next.run(Request::from_parts(parts, body)).await;
    let Some(f) = res.extensions().get::<Failure>().cloned() else {
        return res;
    };
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if htmx {
        // A fragment request: a small message htmx can swap in.
        let frag = html! { p.alert.bad role="alert" { (f.message) } };
        let mut r = (status, axum::response::Html(frag.into_string())).into_response();
        r.headers_mut()
            .insert("hx-reswap", axum::http::HeaderValue::from_static("none"));
        return r;
    }
    let mut r = (status, error_page(lang, f.status, &f.message)).into_response();
    if let Some(secs) = f.retry_after
        && let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

fn error_page(lang: Lang, status: u16, message: &str) -> maud::Markup {
    // Not-found pages say the same thing whatever was asked for (and never
    // whether another business has that id), so they can speak Spanish too.
    let message = match (lang, status) {
        (Lang::Es, 404) => {
            "No hay nada aquí: la dirección no existe o no es de su negocio. Vuelva a Hoy para seguir."
        }
        _ => message,
    };
    let title = match status {
        404 => lang.t("Not found", "No encontrado"),
        403 => lang.t("Not allowed", "No permitido"),
        429 => lang.t("Too many attempts", "Demasiados intentos"),
        s if s >= 500 => lang.t("Something went wrong", "Algo salió mal"),
        _ => lang.t("That did not work", "Eso no funcionó"),
    };
    layout::bare(
        lang,
        title,
        html! {
            div.card role="alert" {
                h1 { (title) }
                p { (message) }
                p.row {
                    a.button href="/" { (lang.t("Back to Today", "Volver a Hoy")) }
                }
            }
        },
    )
}

/// Unknown addresses.
pub async fn not_found() -> PageError {
    PageError(AppError::NotFound(
        "There is no page at this address. Check the link, or start again from Today.".into(),
    ))
}
