//! `/settings`: one form per section, each saved through the same validation
//! as `PUT /api/client/settings` (errors next to the field): business profile,
//! opening hours (several ranges a day), booking rules and time zone, services
//! with prices, FAQ, greetings, languages and voices, the phone number and
//! call-forwarding codes for the owner's carrier, the iCal feed link, and the
//! owner's own account (dashboard language, password and email — the
//! profile-update rules of the API).

use super::components::{
    Errors, Input, checkbox, csrf, flash, form_errors, phone, select, zone_list,
};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::{Fields, Form, Viewer, lang_cookie};
use crate::app::AppState;
use crate::db::settings::{Faq, Service, Settings};
use crate::db::{self, clients};
use crate::domain::E164;
use crate::error::AppError;
use crate::forwarding;
use crate::http::api::auth::{self as auth_core, ProfileInput};
use crate::http::api::settings::{self as core, Body};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(show))
        .route("/settings/{section}", post(save))
}

const DAYS: [(&str, &str, &str); 7] = [
    ("mon", "Monday", "Lunes"),
    ("tue", "Tuesday", "Martes"),
    ("wed", "Wednesday", "Miércoles"),
    ("thu", "Thursday", "Jueves"),
    ("fri", "Friday", "Viernes"),
    ("sat", "Saturday", "Sábado"),
    ("sun", "Sunday", "Domingo"),
];

/// Blank rows offered after the existing services and FAQ entries.
const BLANK_ROWS: usize = 3;

#[derive(Deserialize, Default)]
struct Params {
    done: Option<String>,
    carrier: Option<String>,
}

struct Data {
    s: Settings,
    feed: Option<String>,
}

async fn load(state: &AppState, v: &Viewer) -> Result<Data, AppError> {
    let client = v.client_id();
    let (s, token) = state
        .db
        .read(move |c| {
            Ok((
                db::settings::get(c, client)?,
                db::settings::ics_token(c, client)?,
            ))
        })
        .await?;
    Ok(Data {
        s,
        feed: token.map(|t| core::feed_url(state, &t)),
    })
}

/// "09:00-12:00, 13:00-17:00" for one day of the stored hours JSON.
fn day_text(hours: &Value, key: &str) -> String {
    hours[key]
        .as_array()
        .map(|ranges| {
            ranges
                .iter()
                .filter_map(|r| Some(format!("{}-{}", r[0].as_str()?, r[1].as_str()?)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// The section a failed form belongs to, and what was typed, to show it again.
struct Retry<'a> {
    section: &'a str,
    fields: &'a Fields,
    errors: &'a Errors,
}

fn page(
    l: Lang,
    v: &Viewer,
    d: &Data,
    retry: Option<Retry<'_>>,
    done: Option<&str>,
    carrier: Option<&str>,
) -> Markup {
    let s = &d.s;
    let none = Errors::default();
    // Values: what was typed in the failed section, else what is stored.
    let is = |sec: &str| retry.as_ref().is_some_and(|r| r.section == sec);
    let err = |sec: &str| -> &Errors {
        match &retry {
            Some(r) if r.section == sec => r.errors,
            _ => &none,
        }
    };
    let val = |sec: &str, name: &str, stored: String| -> String {
        match &retry {
            Some(r) if r.section == sec => r.fields.raw(name).to_string(),
            _ => stored,
        }
    };
    let flag = |sec: &str, name: &str, stored: bool| -> bool {
        match &retry {
            Some(r) if r.section == sec => r.fields.checked(name),
            _ => stored,
        }
    };
    let o = |x: &Option<String>| x.clone().unwrap_or_default();
    let section_form = |sec: &str| format!("/settings/{sec}#{sec}");
    let services_n = s.services.len() + BLANK_ROWS;
    let faq_n = s.faq.len() + BLANK_ROWS;
    let body = html! {
        h1 { (l.t("Settings", "Ajustes")) }
        (flash(done))
        nav.card aria-label=(l.t("Sections", "Secciones")) {
            div.row {
                @for (id, label) in [("profile", l.t("Business", "Negocio")), ("hours", l.t("Hours", "Horario")), ("booking", l.t("Booking", "Reservas")), ("services", l.t("Services", "Servicios")), ("faq", l.t("FAQ", "Preguntas")), ("voice", l.t("Greeting and voice", "Saludo y voz")), ("number", l.t("Phone number", "Número")), ("feed", l.t("Calendar feed", "Calendario")), ("account", l.t("Your account", "Su cuenta"))] {
                    a href=(format!("#{id}")) { (label) }
                }
            }
        }

        section.card #profile {
            h2 { (l.t("Business profile", "Perfil del negocio")) }
            @if is("profile") { (form_errors(l, err("profile"))) }
            form method="post" action=(section_form("profile")) {
                (csrf(&v.csrf))
                (Input::new("businessName", l.t("Business name", "Nombre del negocio"), val("profile", "businessName", s.business_name.clone())).required().errors(err("profile")))
                div.inline {
                    (Input::new("businessPhone", l.t("Business phone", "Teléfono del negocio"), val("profile", "businessPhone", phone(&s.business_phone))).kind("tel").required().errors(err("profile")))
                    (Input::new("businessType", l.t("Type of business", "Tipo de negocio"), val("profile", "businessType", o(&s.business_type))).errors(err("profile")))
                }
                (Input::new("websiteUrl", l.t("Website", "Sitio web"), val("profile", "websiteUrl", o(&s.website_url))).errors(err("profile")))
                (Input::new("address", l.t("Address (the receptionist tells callers)", "Dirección (la recepcionista la dice)"), val("profile", "address", o(&s.address))).errors(err("profile")))
                (Input::new("directions", l.t("Directions", "Cómo llegar"), val("profile", "directions", o(&s.directions))).kind("textarea").errors(err("profile")))
                div.inline {
                    (Input::new("ownerName", l.t("Owner's name", "Nombre del dueño"), val("profile", "ownerName", o(&s.owner_name))).errors(err("profile")))
                    (Input::new("ownerPhone", l.t("Owner's mobile (transfers, voicemail alerts)", "Celular del dueño (transferencias, avisos)"), val("profile", "ownerPhone", s.owner_phone.as_deref().map(phone).unwrap_or_default())).kind("tel").errors(err("profile")))
                }
                (Input::new("ownerEmail", l.t("Owner's email", "Correo del dueño"), val("profile", "ownerEmail", o(&s.owner_email))).kind("email").errors(err("profile")))
                button type="submit" { (l.t("Save profile", "Guardar perfil")) }
            }
        }

        section.card #hours {
            h2 { (l.t("Opening hours", "Horario")) }
            p.muted { (l.t("Times as 09:00-17:00; several ranges with commas (09:00-12:00, 13:00-17:00). Leave a day empty when closed.", "Horas como 09:00-17:00; varios tramos con comas (09:00-12:00, 13:00-17:00). Deje vacío el día que cierra.")) }
            @if is("hours") { (form_errors(l, err("hours"))) }
            form method="post" action=(section_form("hours")) {
                (csrf(&v.csrf))
                @for (key, en, es) in DAYS {
                    @let name = format!("hours-{key}");
                    (Input::new(&name, l.t(en, es), val("hours", &name, day_text(&s.business_hours, key))).placeholder(l.t("closed", "cerrado")).errors(err("hours")))
                }
                button type="submit" { (l.t("Save hours", "Guardar horario")) }
            }
            p { a href="/calendar#closures" { (l.t("Closures and holidays are on the calendar page.", "Los cierres y festivos están en el calendario.")) } }
        }

        section.card #booking {
            h2 { (l.t("Booking rules", "Reglas de reserva")) }
            @if is("booking") { (form_errors(l, err("booking"))) }
            form method="post" action=(section_form("booking")) {
                (csrf(&v.csrf))
                (Input::new("timezone", l.t("Time zone", "Zona horaria"), val("booking", "timezone", s.timezone.clone())).list("zones").required().errors(err("booking")))
                (zone_list())
                div.inline {
                    (Input::new("appointmentDuration", l.t("Appointment length (minutes)", "Duración de la cita (minutos)"), val("booking", "appointmentDuration", s.appointment_duration.to_string())).kind("number").range(5, 480).required().errors(err("booking")))
                    (Input::new("bufferMinutes", l.t("Break between appointments (minutes)", "Descanso entre citas (minutos)"), val("booking", "bufferMinutes", s.buffer_minutes.to_string())).kind("number").range(0, 240).errors(err("booking")))
                }
                div.inline {
                    (Input::new("minNoticeMinutes", l.t("Minimum notice (minutes)", "Aviso mínimo (minutos)"), val("booking", "minNoticeMinutes", s.min_notice_minutes.to_string())).kind("number").range(0, 43200).errors(err("booking")))
                    (Input::new("bookingHorizonDays", l.t("Book up to (days ahead)", "Reservar hasta (días)"), val("booking", "bookingHorizonDays", s.booking_horizon_days.to_string())).kind("number").range(1, 730).errors(err("booking")))
                }
                (Input::new("reminderLeadHours", l.t("Reminder text before the appointment (hours; 0 = none)", "Recordatorio antes de la cita (horas; 0 = ninguno)"), val("booking", "reminderLeadHours", (s.reminder_lead_minutes / 60).to_string())).kind("number").range(0, 168).errors(err("booking")))
                (select("afterHoursMode", l.t("After hours, the receptionist", "Fuera de horario, la recepcionista"), &val("booking", "afterHoursMode", s.after_hours_mode.clone()), &[("book", l.t("still books appointments", "sigue reservando citas")), ("voicemail", l.t("takes a voicemail", "toma un mensaje de voz"))], err("booking")))
                (checkbox("bookingEnabled", l.t("Callers can book by phone", "Los clientes pueden reservar por teléfono"), flag("booking", "bookingEnabled", s.booking_enabled)))
                (checkbox("smsNotifications", l.t("Text customers confirmations, changes and reminders", "Enviar a los clientes confirmaciones, cambios y recordatorios"), flag("booking", "smsNotifications", s.sms_notifications)))
                button type="submit" { (l.t("Save booking rules", "Guardar reglas")) }
            }
        }

        section.card #services {
            h2 { (l.t("Services and prices", "Servicios y precios")) }
            p.muted { (l.t("The receptionist offers these by name and tells the price when asked. Clear a name to remove a service.", "La recepcionista los ofrece por nombre y dice el precio si se lo piden. Borre el nombre para quitar un servicio.")) }
            @if is("services") { (form_errors(l, err("services"))) }
            form method="post" action=(section_form("services")) {
                (csrf(&v.csrf))
                @for i in 0..services_n {
                    @let svc = s.services.get(i);
                    fieldset {
                        legend { (l.t("Service", "Servicio")) " " (i + 1) }
                        div.inline {
                            (Input::new(&format!("svc-name-{i}"), l.t("Name", "Nombre"), val("services", &format!("svc-name-{i}"), svc.map(|x| x.name.clone()).unwrap_or_default())).errors(err("services")))
                            (Input::new(&format!("svc-es-{i}"), l.t("Name in Spanish", "Nombre en español"), val("services", &format!("svc-es-{i}"), svc.and_then(|x| x.name_es.clone()).unwrap_or_default())).errors(err("services")))
                            (Input::new(&format!("svc-price-{i}"), l.t("Price ($)", "Precio ($)"), val("services", &format!("svc-price-{i}"), svc.and_then(|x| x.price_cents).map(cents_text).unwrap_or_default())).inputmode("decimal").errors(err("services")))
                            (Input::new(&format!("svc-min-{i}"), l.t("Minutes", "Minutos"), val("services", &format!("svc-min-{i}"), svc.and_then(|x| x.duration_minutes).map(|m| m.to_string()).unwrap_or_default())).kind("number").range(5, 480).errors(err("services")))
                        }
                    }
                }
                button type="submit" { (l.t("Save services", "Guardar servicios")) }
            }
        }

        section.card #faq {
            h2 { (l.t("Frequent questions", "Preguntas frecuentes")) }
            p.muted { (l.t("Answers the receptionist gives when a caller asks (parking, payment, insurance…).", "Respuestas que da la recepcionista cuando preguntan (estacionamiento, pagos, seguros…).")) }
            @if is("faq") { (form_errors(l, err("faq"))) }
            form method="post" action=(section_form("faq")) {
                (csrf(&v.csrf))
                @for i in 0..faq_n {
                    @let q = s.faq.get(i);
                    fieldset {
                        legend { (l.t("Question", "Pregunta")) " " (i + 1) }
                        (select(&format!("faq-lang-{i}"), l.t("Language", "Idioma"), &val("faq", &format!("faq-lang-{i}"), q.map(|x| x.language.clone()).unwrap_or_else(|| "en".into())), &[("en", "English"), ("es", "Español")], err("faq")))
                        (Input::new(&format!("faq-q-{i}"), l.t("Question", "Pregunta"), val("faq", &format!("faq-q-{i}"), q.map(|x| x.question.clone()).unwrap_or_default())).errors(err("faq")))
                        (Input::new(&format!("faq-a-{i}"), l.t("Answer", "Respuesta"), val("faq", &format!("faq-a-{i}"), q.map(|x| x.answer.clone()).unwrap_or_default())).kind("textarea").errors(err("faq")))
                    }
                }
                button type="submit" { (l.t("Save questions", "Guardar preguntas")) }
            }
        }

        section.card #voice {
            h2 { (l.t("Greeting, languages and voices", "Saludo, idiomas y voces")) }
            @if is("voice") { (form_errors(l, err("voice"))) }
            form method="post" action=(section_form("voice")) {
                (csrf(&v.csrf))
                (Input::new("greeting", l.t("Greeting in English (empty: the standard one)", "Saludo en inglés (vacío: el estándar)"), val("voice", "greeting", o(&s.greeting))).kind("textarea").errors(err("voice")))
                (Input::new("greetingEs", l.t("Greeting in Spanish", "Saludo en español"), val("voice", "greetingEs", o(&s.greeting_es))).kind("textarea").errors(err("voice")))
                fieldset {
                    legend { (l.t("Languages the receptionist speaks", "Idiomas de la recepcionista")) }
                    (checkbox("lang-en", "English (Rachel)", flag("voice", "lang-en", s.languages.iter().any(|x| x == "en"))))
                    (checkbox("lang-es", "Español (Lina)", flag("voice", "lang-es", s.languages.iter().any(|x| x == "es"))))
                    @if let Some(m) = err("voice").get("languages") { div.error { (m) } }
                }
                (select("defaultLanguage", l.t("Answer first in", "Contestar primero en"), &val("voice", "defaultLanguage", s.default_language.clone()), &[("en", "English"), ("es", "Español")], err("voice")))
                div.inline {
                    (Input::new("voiceEn", l.t("English voice", "Voz en inglés"), val("voice", "voiceEn", o(&s.voice_en))).list("voices").placeholder("Polly.Joanna-Neural").errors(err("voice")))
                    (Input::new("voiceEs", l.t("Spanish voice", "Voz en español"), val("voice", "voiceEs", o(&s.voice_es))).list("voices").placeholder("Polly.Lupe-Neural").errors(err("voice")))
                }
                datalist #voices {
                    @for x in ["Polly.Joanna-Neural", "Polly.Salli-Neural", "Polly.Matthew-Neural", "Polly.Lupe-Neural", "Polly.Mia-Neural", "Polly.Pedro-Neural"] { option value=(x) {} }
                }
                button type="submit" { (l.t("Save greeting and voices", "Guardar saludo y voces")) }
            }
        }

        section.card #number {
            h2 { (l.t("Phone number", "Número de teléfono")) }
            @match &s.ringlypro_number {
                Some(n) => p { (l.t("Callers reach your receptionist at", "Los clientes llaman a su recepcionista al")) " " b { (phone(n)) } "." },
                None => p.alert { (l.t("No RinglyPro number yet.", "Aún no hay número de RinglyPro.")) },
            }
            p.muted { (l.t("Attach a number you already have at Twilio (point its voice webhook to /voice/rachel/ and its messaging webhook to /webhook/twilio/sms on this server), or get a new one below: it is bought and pointed here for you.", "Agregue un número que ya tenga en Twilio (con su webhook de voz en /voice/rachel/ y el de mensajes en /webhook/twilio/sms de este servidor), o consiga uno nuevo abajo: se compra y se configura por usted.")) }
            @if is("number") { (form_errors(l, err("number"))) }
            form method="post" action=(section_form("number")) {
                (csrf(&v.csrf))
                (Input::new("number", l.t("Your Twilio number", "Su número de Twilio"), val("number", "number", s.ringlypro_number.as_deref().map(phone).unwrap_or_default())).kind("tel").errors(err("number")))
                button type="submit" { (l.t("Attach number", "Agregar número")) }
            }
            h3 { (l.t("Or get a new number", "O consiga un número nuevo")) }
            form method="post" action="/settings/provision" hx-post="/settings/provision" hx-target="#provision-result" hx-disabled-elt="find button" {
                (csrf(&v.csrf))
                div.inline {
                    (Input::new("areaCode", l.t("Area code", "Código de área"), val("provision", "areaCode", String::new())).inputmode("numeric").placeholder("415").errors(err("provision")))
                    button.secondary type="submit" { (l.t("Get a number", "Conseguir número")) }
                }
                p.hint.htmx-indicator role="status" { (l.t("Buying the number and pointing it at this server… this takes a few seconds.", "Comprando el número y apuntándolo a este servidor… tarda unos segundos.")) }
            }
            div #provision-result aria-live="polite" { @if is("provision") { (form_errors(l, err("provision"))) } }
            h3 #forwarding { (l.t("Forward your business line", "Desviar su línea del negocio")) }
            form method="get" action="/settings#forwarding" {
                div.inline {
                    div.field {
                        label for="f-carrier" { (l.t("Your carrier", "Su compañía telefónica")) }
                        select #f-carrier name="carrier" {
                            @for c in forwarding::CARRIERS { option value=(c.id) selected[carrier == Some(c.id)] { (c.name) } }
                        }
                    }
                    button.secondary type="submit" { (l.t("Show the codes", "Ver los códigos")) }
                }
            }
            @if let (Some(c), Some(n)) = (carrier.and_then(forwarding::find), &s.ringlypro_number) {
                dl.kv {
                    dt { (l.t("Forward all calls", "Desviar todas")) } dd { code { (forwarding::fill(c.forward_all, n)) } }
                    dt { (l.t("Stop forwarding", "Quitar desvío")) } dd { code { (c.cancel_all) } }
                    dt { (l.t("Forward when busy or unanswered", "Desviar si está ocupado o no contesta")) } dd { code { (forwarding::fill(c.forward_busy_no_answer, n)) } }
                    dt { (l.t("Stop that", "Quitar ese desvío")) } dd { code { (c.cancel_busy_no_answer) } }
                }
                p.muted { (c.notes) }
            } @else if carrier.is_some() {
                p.alert { (l.t("Attach your RinglyPro number first; the codes contain it.", "Agregue primero su número de RinglyPro; los códigos lo incluyen.")) }
            }
        }

        section.card #feed {
            h2 { (l.t("Calendar feed (iCal)", "Calendario (iCal)")) }
            p.muted { (l.t("Subscribe from Google Calendar, Apple Calendar or Outlook to see your appointments there. Anyone with the link can read it: make a new one if it leaks.", "Suscríbase desde Google Calendar, Apple o Outlook para ver sus citas allí. Quien tenga el enlace puede leerlo: cree otro si se filtra.")) }
            @if let Some(u) = &d.feed {
                div.field {
                    label for="feed-url" { (l.t("Your link", "Su enlace")) }
                    input #feed-url type="text" readonly value=(u);
                }
                button.secondary type="button" data-copy="feed-url" data-done=(l.t("Copied", "Copiado")) hidden { (l.t("Copy", "Copiar")) }
            }
            div.row {
                form method="post" action=(section_form("feed")) {
                    (csrf(&v.csrf))
                    button.secondary type="submit" { @if d.feed.is_some() { (l.t("Make a new link", "Crear otro enlace")) } @else { (l.t("Create a link", "Crear enlace")) } }
                }
                @if d.feed.is_some() {
                    form method="post" action=(section_form("feed-off")) {
                        (csrf(&v.csrf))
                        button.danger type="submit" { (l.t("Turn the link off", "Desactivar el enlace")) }
                    }
                }
            }
        }

        section.card #account {
            h2 { (l.t("Your account", "Su cuenta")) }
            @if is("account") { (form_errors(l, err("account"))) }
            form method="post" action=(section_form("account")) {
                (csrf(&v.csrf))
                div.inline {
                    (Input::new("firstName", l.t("First name", "Nombre"), val("account", "firstName", o(&v.user.first_name))).errors(err("account")))
                    (Input::new("lastName", l.t("Last name", "Apellido"), val("account", "lastName", o(&v.user.last_name))).errors(err("account")))
                }
                (select("language", l.t("Language of the dashboard", "Idioma del panel"), &val("account", "language", v.user.language.clone()), &[("en", "English"), ("es", "Español")], err("account")))
                button type="submit" { (l.t("Save", "Guardar")) }
            }
            h3 { (l.t("Change your password or email", "Cambiar contraseña o correo")) }
            p.muted { (l.t("Other devices are signed out when you change either.", "Al cambiar cualquiera se cierra la sesión en otros dispositivos.")) }
            @if is("credentials") { (form_errors(l, err("credentials"))) }
            form method="post" action=(section_form("credentials")) {
                (csrf(&v.csrf))
                (Input::new("email", l.t("Email", "Correo electrónico"), val("credentials", "email", v.user.email.clone())).kind("email").autocomplete("email").errors(err("credentials")))
                (Input::new("newPassword", l.t("New password (empty: keep it)", "Contraseña nueva (vacía: no cambia)"), "").kind("password").autocomplete("new-password").hint(super::signup::password_rules(l)).errors(err("credentials")))
                (Input::new("currentPassword", l.t("Current password", "Contraseña actual"), "").kind("password").autocomplete("current-password").required().errors(err("credentials")))
                button type="submit" { (l.t("Change", "Cambiar")) }
            }
        }
    };
    layout::page(v, Nav::Settings, l.t("Settings", "Ajustes"), body)
}

fn cents_text(c: i64) -> String {
    if c % 100 == 0 {
        (c / 100).to_string()
    } else {
        format!("{}.{:02}", c / 100, c % 100)
    }
}

/// "35", "35.5", "$35.50" → 3550 cents.
fn price_cents(field: &str, raw: &str, l: Lang) -> Result<Option<i64>, AppError> {
    let t = raw.trim().trim_start_matches('$').replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        AppError::validation(
            field,
            l.t(
                "Write the price in dollars, like 35 or 35.50.",
                "Escriba el precio en dólares, como 35 o 35.50.",
            ),
        )
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || whole.len() > 7
    {
        return Err(bad());
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    Ok(Some(w * 100 + f))
}

/// One day's ranges typed as "09:00-12:00, 13:00-17:00" → [["09:00","12:00"],...].
fn parse_day(field: &str, raw: &str, l: Lang) -> Result<Value, AppError> {
    let mut out = Vec::new();
    for part in raw
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let norm = part
            .replace(['–', '—'], "-")
            .replace(" to ", "-")
            .replace(" a ", "-");
        let Some((a, b)) = norm.split_once('-') else {
            return Err(AppError::validation(
                field,
                l.t(
                    "Write each range as 09:00-17:00.",
                    "Escriba cada tramo como 09:00-17:00.",
                ),
            ));
        };
        out.push(Value::Array(vec![
            Value::String(a.trim().to_string()),
            Value::String(b.trim().to_string()),
        ]));
    }
    Ok(Value::Array(out))
}

/// Turns a section's form into the settings change it asks for.
fn body_for(section: &str, f: &Fields, l: Lang) -> Result<Body, AppError> {
    let mut b = Body::default();
    // A field the form did not send stays as it is; a sent empty one is cleared.
    let keep = |name: &str| {
        f.0.iter()
            .any(|(k, _)| k == name)
            .then(|| f.raw(name).to_string())
    };
    match section {
        "profile" => {
            b.business_name = keep("businessName");
            b.business_phone = keep("businessPhone");
            b.business_type = keep("businessType");
            b.website_url = keep("websiteUrl");
            b.address = keep("address");
            b.directions = keep("directions");
            b.owner_name = keep("ownerName");
            b.owner_phone = keep("ownerPhone");
            b.owner_email = keep("ownerEmail");
        }
        "hours" => {
            let mut m = Map::new();
            for (key, _, _) in DAYS {
                let name = format!("hours-{key}");
                let day = parse_day(&name, f.raw(&name), l)?;
                m.insert(key.to_string(), day);
            }
            let hours = Value::Object(m);
            // Checked here too, to put the message next to the day it is about.
            if let Err(e) = crate::scheduling::WeeklyHours::from_json_value(&hours) {
                let field = e
                    .field()
                    .strip_prefix("hours.")
                    .map(|d| format!("hours-{d}"))
                    .unwrap_or_else(|| "hours-mon".into());
                return Err(AppError::validation(field, e.message()));
            }
            b.business_hours = Some(hours);
        }
        "booking" => {
            b.timezone = keep("timezone");
            b.appointment_duration = f.int("appointmentDuration", "appointmentDuration")?;
            b.buffer_minutes = f.int("bufferMinutes", "bufferMinutes")?;
            b.min_notice_minutes = f.int("minNoticeMinutes", "minNoticeMinutes")?;
            b.booking_horizon_days = f.int("bookingHorizonDays", "bookingHorizonDays")?;
            b.reminder_lead_minutes = match f.int("reminderLeadHours", "reminderLeadHours")? {
                Some(h) if !(0..=168).contains(&h) => {
                    return Err(AppError::validation(
                        "reminderLeadHours",
                        l.t("Between 0 and 168 hours.", "Entre 0 y 168 horas."),
                    ));
                }
                Some(h) => Some(h * 60),
                None => None,
            };
            b.after_hours_mode = keep("afterHoursMode");
            if keep("afterHoursMode").is_some() {
                // Checkboxes send nothing when off: the whole section was on the page.
                b.booking_enabled = Some(f.checked("bookingEnabled"));
                b.sms_notifications = Some(f.checked("smsNotifications"));
            }
        }
        "services" => {
            let mut list = Vec::new();
            for i in 0..200 {
                let name = format!("svc-name-{i}");
                if !f.0.iter().any(|(k, _)| *k == name) {
                    break;
                }
                let Some(n) = f.opt(&name) else { continue };
                let minutes = format!("svc-min-{i}");
                list.push(Service {
                    name: n,
                    name_es: f.opt(&format!("svc-es-{i}")),
                    description: None,
                    price_cents: price_cents(
                        &format!("svc-price-{i}"),
                        f.raw(&format!("svc-price-{i}")),
                        l,
                    )?,
                    duration_minutes: f.int(&minutes, &minutes)?,
                });
            }
            b.services = Some(list);
        }
        "faq" => {
            let mut list = Vec::new();
            for i in 0..200 {
                let q = format!("faq-q-{i}");
                if !f.0.iter().any(|(k, _)| *k == q) {
                    break;
                }
                let (question, answer) = (f.opt(&q), f.opt(&format!("faq-a-{i}")));
                match (question, answer) {
                    (None, None) => continue,
                    (Some(question), Some(answer)) => list.push(Faq {
                        language: f
                            .opt(&format!("faq-lang-{i}"))
                            .unwrap_or_else(|| "en".into()),
                        question,
                        answer,
                    }),
                    (Some(_), None) => {
                        return Err(AppError::validation(
                            format!("faq-a-{i}"),
                            l.t("Write the answer too.", "Escriba también la respuesta."),
                        ));
                    }
                    (None, Some(_)) => {
                        return Err(AppError::validation(
                            q,
                            l.t("Write the question too.", "Escriba también la pregunta."),
                        ));
                    }
                }
            }
            b.faq = Some(list);
        }
        "voice" => {
            b.greeting = keep("greeting");
            b.greeting_es = keep("greetingEs");
            let mut langs = Vec::new();
            if f.checked("lang-en") {
                langs.push("en".to_string());
            }
            if f.checked("lang-es") {
                langs.push("es".to_string());
            }
            if langs.is_empty() {
                return Err(AppError::validation(
                    "languages",
                    l.t("Choose at least one language.", "Elija al menos un idioma."),
                ));
            }
            b.languages = Some(langs);
            b.default_language = keep("defaultLanguage");
            b.voice_en = keep("voiceEn");
            b.voice_es = keep("voiceEs");
        }
        _ => return Err(AppError::not_found("settings section")),
    }
    Ok(b)
}

/// Maps the core's field names to the form's (services[2] → the row's name field).
fn field_for(section: &str, e: AppError) -> AppError {
    match e {
        AppError::Validation {
            field: Some(f),
            message,
        } if section == "services" || section == "faq" => {
            let idx: Option<usize> = f.split(['[', ']']).nth(1).and_then(|n| n.parse().ok());
            let field = match idx {
                Some(i) if section == "services" => format!("svc-name-{i}"),
                Some(i) => format!("faq-q-{i}"),
                None => f,
            };
            AppError::Validation {
                field: Some(field),
                message,
            }
        }
        AppError::Validation {
            field: Some(f),
            message,
        } if section == "hours" => {
            let key = f
                .strip_prefix("hours.")
                .map(|d| format!("hours-{d}"))
                .unwrap_or(f);
            AppError::Validation {
                field: Some(key),
                message,
            }
        }
        AppError::Validation {
            field: Some(f),
            message,
        } if f == "reminderLeadMinutes" => AppError::Validation {
            field: Some("reminderLeadHours".into()),
            message,
        },
        other => other,
    }
}

fn done_text(l: Lang, code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => l.t(
            "Saved. Your receptionist uses it from the next call.",
            "Guardado. Su recepcionista lo usa desde la próxima llamada.",
        ),
        "feed" => l.t(
            "Calendar link updated.",
            "Enlace de calendario actualizado.",
        ),
        "number" => l.t("Number attached.", "Número agregado."),
        "account" => l.t("Account updated.", "Cuenta actualizada."),
        _ => return None,
    })
}

async fn show(State(state): State<AppState>, v: Viewer, Query(p): Query<Params>) -> PageResult {
    let l = v.lang;
    let d = load(&state, &v).await?;
    let done = p.done.as_deref().and_then(|c| done_text(l, c));
    Ok(page(l, &v, &d, None, done, p.carrier.as_deref()).into_response())
}

async fn save(
    State(state): State<AppState>,
    v: Viewer,
    Path(section): Path<String>,
    headers_in: HeaderMap,
    Form(f): Form,
) -> PageResult {
    let htmx = headers_in.contains_key("hx-request");
    let l = v.lang;
    let client = v.client_id();
    let mut headers = HeaderMap::new();
    let result: Result<&str, AppError> = match section.as_str() {
        "feed" => core::new_feed_token(&state, client).await.map(|_| "feed"),
        "feed-off" => state
            .db
            .write(move |c| db::settings::set_ics_token(c, client, None))
            .await
            .map(|_| "feed"),
        "provision" => {
            let code = f.raw("areaCode").trim().to_string();
            match super::billing::call_api(
                &state,
                &v,
                "/client/provision-number",
                serde_json::json!({ "areaCode": code }),
            )
            .await?
            {
                super::billing::Api::Ok(_) => Ok("number"),
                super::billing::Api::Missing => Err(AppError::ServiceUnavailable(
                    l.t(
                        "Buying numbers is not available on this server.",
                        "Comprar números no está disponible en este servidor.",
                    )
                    .into(),
                )),
                super::billing::Api::Refused(_, m) => Err(AppError::validation("areaCode", m)),
            }
        }
        "number" => match f.opt("number") {
            None => Err(AppError::validation(
                "number",
                l.t(
                    "Enter the number you bought at Twilio.",
                    "Escriba el número que compró en Twilio.",
                ),
            )),
            Some(n) => match E164::parse(&n) {
                Err(m) => Err(AppError::validation("number", m)),
                Ok(num) => {
                    let now = state.clock.now();
                    state
                        .db
                        .write(move |c| clients::set_number(c, client, Some(&num), now))
                        .await
                        .map(|_| "number")
                }
            },
        },
        "account" | "credentials" => {
            let input = if section == "account" {
                ProfileInput {
                    first_name: Some(f.raw("firstName").to_string()),
                    last_name: Some(f.raw("lastName").to_string()),
                    language: f.opt("language"),
                    ..Default::default()
                }
            } else {
                ProfileInput {
                    email: f.opt("email"),
                    new_password: f.opt("newPassword"),
                    current_password: f.opt("currentPassword"),
                    ..Default::default()
                }
            };
            match auth_core::apply_profile_update(&state, &v.user, input).await {
                Ok(done) => {
                    if done.credentials_changed {
                        let token = auth_core::issue(&state, &done.user)?;
                        headers.append(
                            header::SET_COOKIE,
                            auth_core::session_cookie(&state, &token),
                        );
                    }
                    headers.append(
                        header::SET_COOKIE,
                        lang_cookie(Lang::from_code(&done.user.language)),
                    );
                    Ok("account")
                }
                Err(e) => Err(e),
            }
        }
        other => match body_for(other, &f, l) {
            Ok(b) => core::save(&state, client, b).await.map(|_| "saved"),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(code) => {
            let anchor = match section.as_str() {
                "feed-off" => "feed",
                "credentials" => "account",
                "provision" => "number",
                s => s,
            };
            Ok((
                headers,
                Redirect::to(&format!("/settings?done={code}#{anchor}")),
            )
                .into_response())
        }
        Err(e) => {
            let errors = Errors::from_app(field_for(&section, e), &[])?;
            if htmx {
                return Ok(form_errors(l, &errors).into_response());
            }
            let d = load(&state, &v).await?;
            let retry = Retry {
                section: &section,
                fields: &f,
                errors: &errors,
            };
            Ok((
                StatusCode::BAD_REQUEST,
                page(l, &v, &d, Some(retry), None, None),
            )
                .into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_and_hours_read_as_typed() {
        assert_eq!(price_cents("p", "35", Lang::En).unwrap(), Some(3500));
        assert_eq!(price_cents("p", "$35.5", Lang::En).unwrap(), Some(3550));
        assert_eq!(price_cents("p", "", Lang::En).unwrap(), None);
        assert!(price_cents("p", "abc", Lang::En).is_err());
        assert!(price_cents("p", "1.234", Lang::En).is_err());
        let d = parse_day("h", "09:00-12:00, 13:00 – 17:00", Lang::En).unwrap();
        assert_eq!(d.to_string(), r#"[["09:00","12:00"],["13:00","17:00"]]"#);
        assert!(parse_day("h", "9am", Lang::En).is_err());
        assert_eq!(cents_text(3550), "35.50");
    }
}
