//! `/forgot-password` and `/reset-password`: the API's reset flow in pages.
//! The request always gets the same answer; the link (emailed, valid one hour,
//! single use) leads to a form with the password rules.

use super::components::{Errors, Input, form_errors};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout;
use super::session::{GuestForm, GuestLang};
use super::signup::password_rules;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::api::auth as core;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forgot-password", get(forgot).post(forgot_submit))
        .route("/reset-password", get(reset).post(reset_submit))
}

fn forgot_page(l: Lang, email: &str, e: &Errors, sent: bool) -> Markup {
    layout::bare(
        l,
        l.t("Reset your password", "Restablecer la contraseña"),
        html! {
            div.card {
                h1 { (l.t("Reset your password", "Restablecer la contraseña")) }
                @if sent {
                    p.flash role="status" { (l.t("If an account exists for that email, we have sent a link to reset the password. It is valid for 1 hour.", "Si existe una cuenta con ese correo, le enviamos un enlace para restablecer la contraseña. Vale por 1 hora.")) }
                } @else {
                    p { (l.t("Enter the email you sign in with and we will send you a link.", "Escriba el correo con el que entra y le enviaremos un enlace.")) }
                    (form_errors(l, e))
                    form method="post" action="/forgot-password" {
                        (Input::new("email", l.t("Email", "Correo electrónico"), email).kind("email").required().autocomplete("email").errors(e))
                        button type="submit" { (l.t("Send the link", "Enviar el enlace")) }
                    }
                }
                p { a href="/login" { (l.t("Back to sign in", "Volver a entrar")) } }
            }
        },
    )
}

async fn forgot(GuestLang(l): GuestLang) -> PageResult {
    Ok(forgot_page(l, "", &Errors::default(), false).into_response())
}

async fn forgot_submit(State(state): State<AppState>, f: GuestForm) -> PageResult {
    let email = f.fields.raw("email").trim().to_string();
    match core::request_password_reset(&state, f.ip, &email).await {
        Ok(()) => Ok(forgot_page(f.lang, "", &Errors::default(), true).into_response()),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = Errors::from_app(e, &[])?;
            Ok((status, forgot_page(f.lang, &email, &errors, false)).into_response())
        }
    }
}

#[derive(Deserialize)]
struct TokenParam {
    token: Option<String>,
}

fn reset_page(l: Lang, token: &str, masked: Option<&str>, e: &Errors) -> Markup {
    layout::bare(
        l,
        l.t("Choose a new password", "Elija una contraseña nueva"),
        html! {
            div.card {
                h1 { (l.t("Choose a new password", "Elija una contraseña nueva")) }
                @if let Some(m) = masked { p.muted { (l.t("For the account", "Para la cuenta")) " " (m) } }
                @if let Some(m) = e.get("token") {
                    p.alert.bad role="alert" { (m) }
                } @else {
                    (form_errors(l, e))
                }
                @if e.get("token").is_none() {
                    form method="post" action="/reset-password" {
                        input type="hidden" name="token" value=(token);
                        (Input::new("newPassword", l.t("New password", "Contraseña nueva"), "").kind("password").required().autocomplete("new-password").hint(password_rules(l)).errors(e))
                        button type="submit" { (l.t("Save the new password", "Guardar la contraseña")) }
                    }
                } @else {
                    p { a.button href="/forgot-password" { (l.t("Request a new link", "Pedir un enlace nuevo")) } }
                }
            }
        },
    )
}

fn token_errors(e: AppError) -> Result<Errors, super::errors::PageError> {
    Errors::from_app(e, &[])
}

async fn reset(
    State(state): State<AppState>,
    GuestLang(l): GuestLang,
    Query(p): Query<TokenParam>,
) -> PageResult {
    let token = p.token.unwrap_or_default();
    match core::check_reset_token(&state, &token).await {
        Ok(masked) => Ok(reset_page(l, &token, Some(&masked), &Errors::default()).into_response()),
        Err(e) => {
            let errors = token_errors(e)?;
            Ok((StatusCode::BAD_REQUEST, reset_page(l, "", None, &errors)).into_response())
        }
    }
}

async fn reset_submit(State(state): State<AppState>, f: GuestForm) -> PageResult {
    let token = f.fields.raw("token").to_string();
    match core::reset_password_with_token(&state, &token, f.fields.raw("newPassword").to_string())
        .await
    {
        Ok(()) => Ok(Redirect::to("/login?reset=1").into_response()),
        Err(e) => {
            let errors = token_errors(e)?;
            Ok((
                StatusCode::BAD_REQUEST,
                reset_page(f.lang, &token, None, &errors),
            )
                .into_response())
        }
    }
}
