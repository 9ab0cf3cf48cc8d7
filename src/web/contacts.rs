//! `/contacts`: search as you type (htmx swaps the results; full-text search
//! in the database), pagination, adding a contact, CSV import (upload with a
//! progress bar and a per-row result) and export, and a contact's page with
//! its timeline — appointments, calls (transcripts and voicemail on the call's
//! page) and texts. The same validation and import code as `/api/contacts`.

use super::components::{Errors, Input, badge, csrf, flash, form_errors, pager, phone, when};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::{Fields, Form, Viewer};
use super::today::urlencode;
use crate::app::AppState;
use crate::db::{self, contacts};
use crate::error::AppError;
use crate::http::api::contacts::{self as api, CreateBody, IMPORT_LIMIT, UpdateBody};
use crate::http::extract::csrf_ok;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route(
            "/contacts/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/contacts/{id}", get(detail).post(update))
        .route("/contacts/{id}/delete", post(delete))
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct ListParams {
    q: Option<String>,
    page: Option<String>,
    done: Option<String>,
}

fn results(
    l: Lang,
    q: &str,
    rows: &[contacts::Contact],
    total: i64,
    page: i64,
    tz: chrono_tz::Tz,
) -> Markup {
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let base = if q.is_empty() {
        "/contacts".to_string()
    } else {
        format!("/contacts?q={}", urlencode(q))
    };
    html! {
        div #results aria-live="polite" {
            p.muted {
                @if q.is_empty() {
                    (l.tr(format!("{total} contacts"), format!("{total} contactos")))
                } @else if total > contacts::SEARCH_COUNT_CAP {
                    (l.tr(format!("More than {} match “{q}”", contacts::SEARCH_COUNT_CAP), format!("Más de {} coinciden con «{q}»", contacts::SEARCH_COUNT_CAP)))
                } @else {
                    (l.tr(format!("{total} match “{q}”"), format!("{total} coinciden con «{q}»")))
                }
            }
            @if rows.is_empty() {
                p.empty { (l.t("No contacts here yet.", "Aún no hay contactos aquí.")) }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr {
                            th scope="col" { (l.t("Name", "Nombre")) }
                            th scope="col" { (l.t("Phone", "Teléfono")) }
                            th.hide-sm scope="col" { (l.t("Email", "Correo")) }
                            th.hide-sm scope="col" { (l.t("Last contact", "Último contacto")) }
                        } }
                        tbody {
                            @for c in rows {
                                tr {
                                    td { a href=(format!("/contacts/{}", c.id)) { (c.full_name) } }
                                    td { (phone(&c.phone)) }
                                    td.hide-sm { (c.email.clone().unwrap_or_default()) }
                                    td.hide-sm { @if let Some(t) = &c.last_contacted_at { (when(l, t, tz)) } @else { "–" } }
                                }
                            }
                        }
                    }
                }
                (pager(l, &base, page, pages))
            }
        }
    }
}

async fn search(
    state: &AppState,
    v: &Viewer,
    q: &str,
    page: i64,
) -> Result<(Vec<contacts::Contact>, i64, chrono_tz::Tz), AppError> {
    let client = v.client_id();
    let query = contacts::ListQuery {
        page,
        limit: PAGE_SIZE,
        search: crate::http::api::input::text("q", Some(q.to_string()), 200)?,
        sort_by: if q.is_empty() {
            contacts::SortBy::LastName
        } else {
            contacts::SortBy::CreatedAt
        },
        descending: !q.is_empty(),
    };
    state
        .db
        .read(move |c| {
            let (rows, total) = contacts::list(c, client, &query)?;
            let tz = db::settings::rules(c, client)?.tz;
            Ok((rows, total, tz))
        })
        .await
}

fn new_contact_form(l: Lang, v: &Viewer, f: &Fields, e: &Errors, open: bool) -> Markup {
    html! {
        details.card #new open[open] {
            summary { b { (l.t("Add a contact", "Agregar un contacto")) } }
            (form_errors(l, e))
            form method="post" action="/contacts" {
                (csrf(&v.csrf))
                div.inline {
                    (Input::new("firstName", l.t("First name", "Nombre"), f.raw("firstName")).required().errors(e))
                    (Input::new("lastName", l.t("Last name", "Apellido"), f.raw("lastName")).errors(e))
                }
                div.inline {
                    (Input::new("phone", l.t("Phone", "Teléfono"), f.raw("phone")).kind("tel").required().errors(e))
                    (Input::new("email", l.t("Email", "Correo"), f.raw("email")).kind("email").errors(e))
                }
                (Input::new("notes", l.t("Notes", "Notas"), f.raw("notes")).kind("textarea").errors(e))
                button type="submit" { (l.t("Save contact", "Guardar contacto")) }
            }
        }
    }
}

fn import_card(l: Lang, v: &Viewer) -> Markup {
    html! {
        details.card #csv {
            summary { b { (l.t("Import or export (CSV)", "Importar o exportar (CSV)")) } }
            p { a.button.secondary href="/api/contacts/export.csv" download="contacts.csv" { (l.t("Download all contacts (CSV)", "Descargar todos (CSV)")) } }
            form method="post" action="/contacts/import" enctype="multipart/form-data"
                hx-post="/contacts/import" hx-encoding="multipart/form-data" hx-target="#import-result" {
                (csrf(&v.csrf))
                div.field {
                    label for="f-file" { (l.t("CSV file", "Archivo CSV")) }
                    input #f-file type="file" name="file" accept=".csv,text/csv" required aria-describedby="f-file-hint";
                    div.hint #f-file-hint { (l.t("First row: column names, with a phone column and firstName (or name). Email and notes are optional.", "Primera fila: nombres de columnas, con teléfono y firstName (o name). Correo y notas son opcionales.")) }
                }
                progress max="100" value="0" hidden {}
                button type="submit" { (l.t("Import", "Importar")) }
            }
            div #import-result aria-live="polite" {}
        }
    }
}

fn list_page(
    l: Lang,
    v: &Viewer,
    q: &str,
    body_results: Markup,
    form: Markup,
    done: Option<&str>,
) -> Markup {
    let body = html! {
        div.head {
            h1 { (l.t("Contacts", "Contactos")) }
        }
        (flash(done))
        form.card role="search" method="get" action="/contacts" {
            div.inline {
                div.field {
                    label for="f-q" { (l.t("Search by name, phone, email or notes", "Buscar por nombre, teléfono, correo o notas")) }
                    input #f-q type="search" name="q" value=(q) autocomplete="off"
                        hx-get="/contacts" hx-trigger="input changed delay:300ms, search" hx-target="#results" hx-swap="outerHTML" hx-push-url="true";
                }
                button.secondary type="submit" { (l.t("Search", "Buscar")) }
            }
        }
        (body_results)
        (form)
        (import_card(l, v))
    };
    layout::page(v, Nav::Contacts, l.t("Contacts", "Contactos"), body)
}

async fn list(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Query(p): Query<ListParams>,
) -> PageResult {
    let l = v.lang;
    let q = p.q.unwrap_or_default().trim().to_string();
    let page = crate::http::extract::int_param("page", p.page.as_deref(), 1, 1, 100_000)?;
    let (rows, total, tz) = search(&state, &v, &q, page).await?;
    let res = results(l, &q, &rows, total, page, tz);
    if headers.get("hx-target").and_then(|v| v.to_str().ok()) == Some("results") {
        return Ok(res.into_response());
    }
    let done = p.done.as_deref().map(|d| match d {
        "deleted" => l.t("Contact deleted.", "Contacto eliminado."),
        _ => l.t("Saved.", "Guardado."),
    });
    Ok(list_page(
        l,
        &v,
        &q,
        res,
        new_contact_form(l, &v, &Fields::default(), &Errors::default(), false),
        done,
    )
    .into_response())
}

async fn create(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let l = v.lang;
    let body = CreateBody {
        first_name: f.raw("firstName").to_string(),
        last_name: f.opt("lastName"),
        phone: f.raw("phone").to_string(),
        email: f.opt("email"),
        notes: f.opt("notes"),
        source: None,
        language: None,
    };
    let result = match api::validate_new(body) {
        Ok(new) => {
            let (client, now) = (v.client_id(), state.clock.now());
            state
                .db
                .write(move |c| contacts::insert(c, client, &new, now))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(id) => Ok(Redirect::to(&format!("/contacts/{id}?done=created")).into_response()),
        Err(e) => {
            let errors = Errors::from_app(e, &[])?;
            let (rows, total, tz) = search(&state, &v, "", 1).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                list_page(
                    l,
                    &v,
                    "",
                    results(l, "", &rows, total, 1, tz),
                    new_contact_form(l, &v, &f, &errors, true),
                    None,
                ),
            )
                .into_response())
        }
    }
}

fn import_result(l: Lang, r: &api::ImportReport) -> Markup {
    html! {
        div role="status" {
            p.flash { (l.tr(format!("Imported {} contacts.", r.imported), format!("Se importaron {} contactos.", r.imported))) }
            @if !r.errors.is_empty() {
                p.alert { (l.tr(format!("{} rows were not imported:", r.errors.len()), format!("{} filas no se importaron:", r.errors.len()))) }
                ul {
                    @for e in r.errors.iter().take(200) {
                        li { (l.t("Row", "Fila")) " " (e["row"].as_u64().unwrap_or(0)) ": " (e["message"].as_str().unwrap_or("")) }
                    }
                }
            }
        }
    }
}

async fn import(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    mut mp: Multipart,
) -> PageResult {
    let l = v.lang;
    let mut token = headers
        .get(crate::http::extract::CSRF_HEADER)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(
                    AppError::BadRequest(format!("The upload could not be read: {e}")).into(),
                );
            }
        };
        match field.name() {
            Some("_csrf") => token = field.text().await.ok(),
            Some("file") => {
                let bytes = field.bytes().await.map_err(|_| AppError::PayloadTooLarge {
                    limit: IMPORT_LIMIT,
                })?;
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    if !csrf_ok(&state, &v.current(), token.as_deref().unwrap_or("")) {
        return Err(AppError::Forbidden(
            "This form has expired. Reload the page and send it again.".into(),
        )
        .into());
    }
    let outcome = match file.filter(|f| !f.is_empty()) {
        None => Err(AppError::BadRequest(
            l.t(
                "Choose a CSV file to import.",
                "Elija un archivo CSV para importar.",
            )
            .into(),
        )),
        Some(bytes) => match api::csv_text(&bytes) {
            Ok(text) => api::import_csv_text(&state, v.client_id(), text).await,
            Err(e) => Err(e),
        },
    };
    let fragment = match outcome {
        Ok(r) => import_result(l, &r),
        Err(e) => {
            let errs = Errors::from_app(e, &[])?;
            form_errors(l, &errs)
        }
    };
    if headers.contains_key("hx-request") {
        return Ok(fragment.into_response());
    }
    let body = html! {
        h1 { (l.t("Import contacts", "Importar contactos")) }
        div.card { (fragment) }
        p { a href="/contacts" { (l.t("Back to contacts", "Volver a contactos")) } }
    };
    Ok(layout::page(
        &v,
        Nav::Contacts,
        l.t("Import contacts", "Importar contactos"),
        body,
    )
    .into_response())
}

#[derive(Deserialize, Default)]
struct DetailParams {
    done: Option<String>,
}

/// A contact with what its page shows.
struct Loaded {
    c: contacts::Contact,
    timeline: Vec<contacts::TimelineItem>,
    opted_out: bool,
    tz: chrono_tz::Tz,
}

async fn load(state: &AppState, v: &Viewer, id: i64) -> Result<Loaded, AppError> {
    let client = v.client_id();
    state
        .db
        .read(move |c| {
            let contact =
                contacts::get(c, client, id)?.ok_or_else(|| AppError::not_found("contact"))?;
            let timeline = contacts::timeline(c, client, id, 100)?;
            let opted_out = db::messages::is_opted_out(c, client, &contact.phone)?;
            let tz = db::settings::rules(c, client)?.tz;
            Ok(Loaded {
                c: contact,
                timeline,
                opted_out,
                tz,
            })
        })
        .await
}

fn timeline_item(l: Lang, t: &contacts::TimelineItem, tz: chrono_tz::Tz) -> Markup {
    let (icon, href, label) = match t.kind.as_str() {
        "appointment" => (
            "📅",
            format!("/calendar/appointments/{}", t.id),
            l.t("Appointment", "Cita"),
        ),
        "call" => ("📞", format!("/calls/{}", t.id), l.t("Call", "Llamada")),
        _ => ("💬", String::new(), l.t("Text", "Mensaje")),
    };
    let at = if t.at.ends_with('Z') {
        when(l, &t.at, tz)
    } else {
        t.at.replace('T', " ")
    };
    html! {
        li {
            span {
                span aria-hidden="true" { (icon) " " }
                b { (label) } " · "
                @if href.is_empty() { (t.summary) } @else { a href=(href) { (t.summary) } }
                br;
                small { (at) }
            }
            (badge(l, t.status.split(' ').next_back().unwrap_or("")))
        }
    }
}

fn detail_page(
    l: Lang,
    v: &Viewer,
    d: &Loaded,
    f: Option<&Fields>,
    e: &Errors,
    done: Option<&str>,
) -> Markup {
    let (c, timeline, opted_out, tz) = (&d.c, &d.timeline, d.opted_out, d.tz);
    let val = |k: &str, current: &str| {
        f.map(|f| f.raw(k).to_string())
            .unwrap_or_else(|| current.to_string())
    };
    let body = html! {
        div.head {
            h1 { (c.full_name) }
            div.row {
                a.button href=(format!("/calendar/new?name={}&phone={}", urlencode(&c.full_name), urlencode(&c.phone))) { (l.t("Book", "Reservar")) }
                @if !opted_out {
                    a.button.secondary href=(format!("/messages/thread?phone={}", urlencode(&c.phone))) { (l.t("Send a text", "Enviar mensaje")) }
                }
            }
        }
        (flash(done))
        @if opted_out {
            p.alert { (l.t("This number replied STOP: it gets no texts from your business until it texts START.", "Este número respondió STOP: no recibe mensajes de su negocio hasta que envíe START.")) }
        }
        div.grid {
            section.card {
                h2 { (l.t("Timeline", "Historial")) }
                @if timeline.is_empty() {
                    p.empty { (l.t("Nothing yet.", "Nada todavía.")) }
                } @else {
                    ul.list { @for t in timeline { (timeline_item(l, t, tz)) } }
                }
            }
            section.card {
                h2 { (l.t("Details", "Datos")) }
                (form_errors(l, e))
                form method="post" action=(format!("/contacts/{}", c.id)) {
                    (csrf(&v.csrf))
                    div.inline {
                        (Input::new("firstName", l.t("First name", "Nombre"), val("firstName", &c.first_name)).required().errors(e))
                        (Input::new("lastName", l.t("Last name", "Apellido"), val("lastName", &c.last_name)).errors(e))
                    }
                    (Input::new("phone", l.t("Phone", "Teléfono"), val("phone", &phone(&c.phone))).kind("tel").required().errors(e))
                    (Input::new("email", l.t("Email", "Correo"), val("email", c.email.as_deref().unwrap_or(""))).kind("email").errors(e))
                    (Input::new("notes", l.t("Notes", "Notas"), val("notes", c.notes.as_deref().unwrap_or(""))).kind("textarea").errors(e))
                    button type="submit" { (l.t("Save", "Guardar")) }
                }
                form method="post" action=(format!("/contacts/{}/delete", c.id)) data-confirm=(l.t("Delete this contact? Their appointments and calls stay.", "¿Eliminar este contacto? Sus citas y llamadas se conservan.")) {
                    (csrf(&v.csrf))
                    p { button.danger type="submit" { (l.t("Delete contact", "Eliminar contacto")) } }
                }
                p.muted { (l.t("Added", "Agregado")) " " (when(l, &c.created_at, tz)) " · " (c.source) }
            }
        }
    };
    layout::page(v, Nav::Contacts, &c.full_name, body)
}

async fn detail(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(p): Query<DetailParams>,
) -> PageResult {
    let l = v.lang;
    let d = load(&state, &v, id).await?;
    let done = p.done.map(|_| l.t("Saved.", "Guardado."));
    Ok(detail_page(l, &v, &d, None, &Errors::default(), done).into_response())
}

async fn update(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form,
) -> PageResult {
    let body = UpdateBody {
        first_name: Some(f.raw("firstName").to_string()),
        last_name: Some(f.raw("lastName").to_string()),
        phone: Some(f.raw("phone").to_string()),
        email: Some(f.opt("email")),
        notes: Some(f.opt("notes")),
        status: None,
        language: None,
    };
    let result = match api::validate_update(body) {
        Ok(fields) => {
            let (client, now) = (v.client_id(), state.clock.now());
            state
                .db
                .write(move |c| contacts::update(c, client, id, &fields, now))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/contacts/{id}?done=saved")).into_response()),
        Err(e) => {
            let errors = Errors::from_app(e, &[])?;
            let d = load(&state, &v, id).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                detail_page(v.lang, &v, &d, Some(&f), &errors, None),
            )
                .into_response())
        }
    }
}

async fn delete(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    _f: Form,
) -> PageResult {
    let client = v.client_id();
    state
        .db
        .write(move |c| contacts::delete(c, client, id))
        .await?;
    Ok(Redirect::to("/contacts?done=deleted").into_response())
}
