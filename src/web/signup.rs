//! `/signup`: a new business and its owner, with the API's rules (password
//! rules shown up front, the time zone picked from the browser's). While the
//! instance has no account yet, the first owner is created at /setup instead.

use super::components::{Errors, Input, checkbox, form_errors, select, zone_list};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout;
use super::login::signed_in;
use super::session::{Fields, GuestForm, GuestLang, MaybeViewer};
use crate::app::AppState;
use crate::auth::password::MIN_LEN;
use crate::db;
use crate::http::api::auth::{Opening, Registration, register_account};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use maud::{Markup, html};

pub fn router() -> Router<AppState> {
    Router::new().route("/signup", get(show).post(submit))
}

/// The password rules, as shown next to every new-password field.
pub fn password_rules(l: Lang) -> String {
    l.tr(
        format!("At least {MIN_LEN} characters, and not your email address. A few words you will remember make a good one."),
        format!("Al menos {MIN_LEN} caracteres, y no su correo. Unas palabras que recuerde son una buena opción."),
    )
}

/// The business and owner fields shared by sign-up and first-run setup.
pub fn account_fields(l: Lang, f: &Fields, e: &Errors) -> Markup {
    let lang = f.opt("language").unwrap_or_else(|| l.code().to_string());
    html! {
        fieldset {
            legend { (l.t("Your business", "Su negocio")) }
            (Input::new("businessName", l.t("Business name", "Nombre del negocio"), f.raw("businessName")).required().autocomplete("organization").errors(e))
            (Input::new("businessPhone", l.t("Business phone", "Teléfono del negocio"), f.raw("businessPhone")).kind("tel").required().autocomplete("tel").hint(l.t("The number your customers know, e.g. (555) 212-0987.", "El número que conocen sus clientes, p. ej. (555) 212-0987.")).errors(e))
            (Input::new("timezone", l.t("Time zone", "Zona horaria"), f.raw("timezone")).list("zones").browser_tz().required().hint(l.t("Filled in from this device; appointments are in this zone.", "Tomada de este dispositivo; las citas usan esta zona.")).errors(e))
            (zone_list())
        }
        fieldset {
            legend { (l.t("You", "Usted")) }
            div.inline {
                (Input::new("firstName", l.t("First name", "Nombre"), f.raw("firstName")).autocomplete("given-name").errors(e))
                (Input::new("lastName", l.t("Last name", "Apellido"), f.raw("lastName")).autocomplete("family-name").errors(e))
            }
            (Input::new("email", l.t("Email", "Correo electrónico"), f.raw("email")).kind("email").required().autocomplete("email").errors(e))
            (Input::new("password", l.t("Password", "Contraseña"), "").kind("password").required().autocomplete("new-password").hint(password_rules(l)).errors(e))
            (select("language", l.t("Language of the dashboard", "Idioma del panel"), &lang, &[("en", "English"), ("es", "Español")], e))
            (checkbox("termsAccepted", l.t("I accept the terms of service", "Acepto los términos del servicio"), f.checked("termsAccepted")))
            @if let Some(m) = e.get("termsAccepted") { div.error { (m) } }
        }
    }
}

/// The registration a form describes.
pub fn registration(f: &Fields) -> Registration {
    Registration {
        email: f.raw("email").to_string(),
        password: f.raw("password").to_string(),
        first_name: f.opt("firstName"),
        last_name: f.opt("lastName"),
        business_name: f.raw("businessName").to_string(),
        business_phone: f.raw("businessPhone").to_string(),
        business_type: None,
        website_url: None,
        timezone: f.opt("timezone"),
        terms_accepted: Some(f.checked("termsAccepted")),
        language: f.opt("language"),
    }
}

fn page(l: Lang, f: &Fields, e: &Errors) -> Markup {
    layout::bare(
        l,
        l.t("Create your account", "Cree su cuenta"),
        html! {
            div.card {
                h1 { (l.t("Create your account", "Cree su cuenta")) }
                p.muted { (l.t("Your receptionist answers in English and Spanish from day one. 100 free minutes every month.", "Su recepcionista contesta en inglés y español desde el primer día. 100 minutos gratis cada mes.")) }
                (form_errors(l, e))
                form method="post" action="/signup" {
                    (account_fields(l, f, e))
                    button type="submit" { (l.t("Create account", "Crear cuenta")) }
                }
                p { (l.t("Already have an account?", "¿Ya tiene cuenta?")) " " a href="/login" { (l.t("Sign in", "Entre")) } }
            }
        },
    )
}

async fn show(
    State(state): State<AppState>,
    GuestLang(l): GuestLang,
    MaybeViewer(v): MaybeViewer,
) -> PageResult {
    if v.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    if state.db.read(db::auth::count).await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    Ok(page(l, &Fields::default(), &Errors::default()).into_response())
}

async fn submit(State(state): State<AppState>, f: GuestForm) -> PageResult {
    if state.db.read(db::auth::count).await? == 0 {
        return Ok(Redirect::to("/setup").into_response());
    }
    match register_account(&state, f.ip, registration(&f.fields), Opening::Anyone).await {
        Ok((u, _)) => signed_in(&state, &u, "/?welcome=1"),
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let errors = Errors::from_app(e, &[])?;
            Ok((status, page(f.lang, &f.fields, &errors)).into_response())
        }
    }
}
