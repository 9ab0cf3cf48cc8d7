//! The owner's dashboard: server-rendered pages (maud), progressively
//! enhanced with htmx (vendored, embedded, CSP-safe), installable as a PWA.
//! Every piece of tenant text goes through maud's escaping; `PreEscaped` is
//! never used on user data. Pages only parse, authorize, call the same core
//! functions as the API (db::*, booking, settings, the voice engine) and render.
//!
//! Shared parts: `layout` (the frame), `components` (fields, badges, pager),
//! `session` (who is looking, CSRF-checked forms), `errors` (error pages),
//! `i18n` (English and Spanish), `assets` (hashed static files, manifest,
//! service worker). One module per page: `login`, `signup`, `password`,
//! `setup`, `today`, `calendar`, `contacts`, `calls`, `messages`, `billing`,
//! `settings`, `test_call`.

pub mod assets;
pub mod components;
pub mod errors;
pub mod i18n;
pub mod layout;
pub mod session;

mod billing;
mod calendar;
mod calls;
mod contacts;
mod login;
mod messages;
mod password;
mod settings;
mod setup;
mod signup;
mod test_call;
mod today;

use crate::app::AppState;
use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(login::router())
        .merge(signup::router())
        .merge(password::router())
        .merge(setup::router())
        .merge(today::router())
        .merge(calendar::router())
        .merge(contacts::router())
        .merge(calls::router())
        .merge(messages::router())
        .merge(billing::router())
        .merge(settings::router())
        .merge(test_call::router())
        .fallback(errors::not_found)
        .layer(middleware::from_fn(errors::render))
        .layer(middleware::from_fn(private_pages))
        .layer(middleware::from_fn(switch_language))
}

/// `?lang=es` on any page: remember the choice in a cookie and show the page again.
async fn switch_language(req: Request, next: Next) -> Response {
    if req.method() == Method::GET
        && let Some(q) = req.uri().query()
    {
        let mut lang = None;
        let mut rest: Vec<&str> = Vec::new();
        for pair in q.split('&') {
            match pair.strip_prefix("lang=").and_then(i18n::Lang::parse) {
                Some(l) => lang = Some(l),
                None => rest.push(pair),
            }
        }
        if let Some(l) = lang {
            let path = req.uri().path();
            let to = if rest.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", rest.join("&"))
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut()
                .insert(header::SET_COOKIE, session::lang_cookie(l));
            return res;
        }
    }
    next.run(req).await
}

/// Pages carry private data: never stored by shared caches or the browser's disk cache.
async fn private_pages(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
