//! Server-rendered pages (maud). Every piece of tenant text goes through maud's
//! escaping; `PreEscaped` is never used on user data.

use crate::app::AppState;
use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(index)).fallback(not_found)
}

/// The page frame shared by every page.
pub fn layout(title: &str, lang: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="theme-color" content="#4f46e5";
                title { (title) " · RinglyPro" }
            }
            body { main { (body) } }
        }
    }
}

async fn index() -> Markup {
    layout(
        "RinglyPro",
        "en",
        html! {
            h1 { "RinglyPro is running" }
            p { "This node answers Twilio voice and SMS webhooks and serves the RinglyPro API under /api." }
            p { "Health: " a href="/health" { "/health" } }
        },
    )
}

async fn not_found(uri: Uri) -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        layout(
            "Not found",
            "en",
            html! {
                h1 { "Page not found" }
                p { "There is no page at " code { (uri.path()) } "." }
                p { a href="/" { "Back to the start page" } }
            },
        ),
    )
}
