//! `/setup`: first-run setup. While the database has no user, `/` leads here;
//! creating the first owner needs the one-time setup token printed in the
//! server's log at start (only its SHA-256 is stored), so a stranger who finds
//! a fresh instance cannot claim it. Afterwards the page sends people to sign in.

use super::components::{Errors, Input, form_errors};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout;
use super::login::signed_in;
use super::session::{Fields, GuestForm, GuestLang};
use super::signup::{account_fields, registration};
use crate::app::AppState;
use crate::auth::{ct_eq, sha256_hex};
use crate::db::{self, app_settings};
use crate::error::AppError;
use crate::http::api::auth::{Opening, register_account};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use maud::{Markup, html};
use std::time::Instant;

pub fn router() -> Router<AppState> {
    Router::new().route("/setup", get(show).post(submit))
}

fn page(l: Lang, f: &Fields, e: &Errors) -> Markup {
    layout::bare(
        l,
        l.t("Set up RinglyPro", "Configurar RinglyPro"),
        html! {
            div.card {
                h1 { (l.t("Welcome! Let's set up RinglyPro", "¡Bienvenido! Configuremos RinglyPro")) }
                p { (l.t("This server has no account yet. Create the first owner. To prove this server is yours, enter the setup token printed in the server's log when it started (the line that says “first-run setup”).", "Este servidor aún no tiene cuentas. Cree el primer dueño. Para demostrar que el servidor es suyo, escriba el código de configuración que aparece en el registro del servidor al arrancar (la línea “first-run setup”).")) }
                (form_errors(l, e))
                form method="post" action="/setup" {
                    (Input::new("setupToken", l.t("Setup token", "Código de configuración"), f.raw("setupToken")).required().autocomplete("off").errors(e))
                    (account_fields(l, f, e))
                    button type="submit" { (l.t("Create the owner account", "Crear la cuenta del dueño")) }
                }
            }
        },
    )
}

async fn fresh(state: &AppState) -> Result<bool, AppError> {
    Ok(state.db.read(db::auth::count).await? == 0)
}

async fn show(State(state): State<AppState>, GuestLang(l): GuestLang) -> PageResult {
    if !fresh(&state).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(page(l, &Fields::default(), &Errors::default()).into_response())
}

async fn token_matches(state: &AppState, given: &str) -> Result<bool, AppError> {
    let stored = state
        .db
        .read(|c| app_settings::get(c, app_settings::SETUP_TOKEN_SHA256))
        .await?;
    Ok(match stored {
        Some(hash) => {
            !given.trim().is_empty() && ct_eq(sha256_hex(given.trim()).as_bytes(), hash.as_bytes())
        }
        None => false,
    })
}

async fn submit(State(state): State<AppState>, f: GuestForm) -> PageResult {
    let l = f.lang;
    if !fresh(&state).await? {
        return Ok(Redirect::to("/login").into_response());
    }
    // Guessing tokens costs a login attempt each.
    if let Err(retry_after) = state
        .limits
        .login_ip
        .check(&format!("setup:{}", f.ip), Instant::now())
    {
        return Err(AppError::TooManyRequests { retry_after }.into());
    }
    if !token_matches(&state, f.fields.raw("setupToken")).await? {
        let e = Errors::field(
            "setupToken",
            l.t(
                "That is not this server's setup token. Copy it from the server's log (it changes at every restart until setup is done).",
                "Ese no es el código de este servidor. Cópielo del registro del servidor (cambia en cada reinicio hasta terminar la configuración).",
            ),
        );
        return Ok((StatusCode::FORBIDDEN, page(l, &f.fields, &e)).into_response());
    }
    match register_account(
        &state,
        f.ip,
        registration(&f.fields),
        Opening::FirstOwnerOnly,
    )
    .await
    {
        Ok((u, _)) => {
            state
                .db
                .write(|c| app_settings::delete(c, app_settings::SETUP_TOKEN_SHA256))
                .await?;
            tracing::info!(
                user = u.id,
                "first-run setup done: the first owner was created"
            );
            signed_in(&state, &u, "/?welcome=1")
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = Errors::from_app(e, &[])?;
            Ok((status, page(l, &f.fields, &errors)).into_response())
        }
    }
}
