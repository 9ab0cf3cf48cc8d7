//! `/login` and `/logout`: signing in with the API's rules (rate limits, the
//! same answer for unknown accounts) and the HttpOnly session cookie; signing
//! out ends every session of the user.

use super::components::{Errors, Input, form_errors};
use super::errors::{PageError, PageResult};
use super::i18n::Lang;
use super::layout;
use super::session::{Form, GuestForm, GuestLang, MaybeViewer, Viewer, lang_cookie, safe_next};
use crate::app::AppState;
use crate::db;
use crate::error::AppError;
use crate::http::api::auth as core;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(logout))
}

#[derive(Deserialize)]
struct Params {
    next: Option<String>,
    reset: Option<String>,
}

/// Signs `u` in: the session cookie, the language cookie, then on to `next`.
pub fn signed_in(state: &AppState, u: &db::auth::User, next: &str) -> PageResult {
    let token = core::issue(state, u)?;
    let mut headers = HeaderMap::new();
    headers.append(header::SET_COOKIE, core::session_cookie(state, &token));
    headers.append(
        header::SET_COOKIE,
        lang_cookie(Lang::from_code(&u.language)),
    );
    Ok((headers, Redirect::to(next)).into_response())
}

fn form(l: Lang, email: &str, next: &str, errors: &Errors, note: Option<&str>) -> Markup {
    layout::bare(
        l,
        l.t("Sign in", "Iniciar sesión"),
        html! {
            div.card {
                h1 { (l.t("Sign in", "Iniciar sesión")) }
                @if let Some(n) = note { p.flash role="status" { (n) } }
                (form_errors(l, errors))
                form method="post" action="/login" {
                    input type="hidden" name="next" value=(next);
                    (Input::new("email", l.t("Email", "Correo electrónico"), email).kind("email").required().autocomplete("username").errors(errors))
                    (Input::new("password", l.t("Password", "Contraseña"), "").kind("password").required().autocomplete("current-password").errors(errors))
                    button type="submit" { (l.t("Sign in", "Entrar")) }
                }
                p { a href="/forgot-password" { (l.t("Forgot your password?", "¿Olvidó su contraseña?")) } }
                p { (l.t("New to RinglyPro?", "¿Nuevo en RinglyPro?")) " " a href="/signup" { (l.t("Create an account", "Cree una cuenta")) } }
            }
        },
    )
}

async fn show(
    State(state): State<AppState>,
    GuestLang(l): GuestLang,
    MaybeViewer(viewer): MaybeViewer,
    Query(p): Query<Params>,
) -> PageResult {
    let next = safe_next(p.next.as_deref());
    if viewer.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    if state.db.read(db::auth::count).await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    let note = p.reset.is_some().then(|| {
        l.t(
            "Your password has been changed. Sign in with the new password.",
            "Su contraseña ha cambiado. Entre con la nueva contraseña.",
        )
    });
    Ok(form(l, "", &next, &Errors::default(), note).into_response())
}

async fn submit(State(state): State<AppState>, f: GuestForm) -> PageResult {
    let l = f.lang;
    let email = f.fields.raw("email").trim().to_string();
    let next = safe_next(f.fields.opt("next").as_deref());
    match core::authenticate(&state, f.ip, &email, f.fields.raw("password").to_string()).await {
        Ok((u, _client)) => signed_in(&state, &u, &next),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = match e {
                AppError::Unauthorized(_) => Errors::general(l.t(
                    "Incorrect email or password.",
                    "Correo o contraseña incorrectos.",
                )),
                AppError::Forbidden(m) => Errors::general(m),
                other => Errors::from_app(other, &[])?,
            };
            let mut res = (status, form(l, &email, &next, &errors, None)).into_response();
            if status == StatusCode::TOO_MANY_REQUESTS {
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    axum::http::HeaderValue::from_static("60"),
                );
            }
            Ok(res)
        }
    }
}

async fn logout(State(state): State<AppState>, v: Viewer, _f: Form) -> Result<Response, PageError> {
    core::sign_out(&state, v.user_id()).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, core::clear_cookie());
    Ok((headers, Redirect::to("/login")).into_response())
}
