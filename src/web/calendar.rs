//! `/calendar`: the week and day views as a server-rendered grid (free slots
//! come from the scheduling engine; click one to book), the booking form, an
//! appointment's page (edit, reschedule, cancel — the customer is texted by
//! `crate::booking` — status, resend confirmation, history) and closures and
//! holidays. Every change goes through `crate::booking` or the settings core,
//! exactly like the API.

use super::components::{Errors, Input, badge, checkbox, csrf, flash, form_errors, phone, when};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::{Fields, Form, Viewer};
use crate::app::AppState;
use crate::booking;
use crate::db::settings::ClosureRow;
use crate::db::{self, appointments as appts};
use crate::error::AppError;
use crate::http::api::appointments::{date_param, duration_param, time_param};
use crate::http::api::input::{email, multiline, phone as phone_in, text};
use crate::scheduling::Rules;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Timelike};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(show))
        .route("/calendar/new", get(new_form))
        .route("/calendar/appointments", post(book))
        .route("/calendar/appointments/{id}", get(detail))
        .route("/calendar/appointments/{id}/edit", post(edit))
        .route("/calendar/appointments/{id}/reschedule", post(reschedule))
        .route("/calendar/appointments/{id}/cancel", post(cancel))
        .route("/calendar/appointments/{id}/status", post(set_status))
        .route("/calendar/appointments/{id}/resend", post(resend))
        .route("/calendar/closures", post(add_closure))
        .route("/calendar/closures/remove", post(remove_closure))
}

#[derive(Deserialize, Default)]
struct ViewParams {
    view: Option<String>,
    date: Option<String>,
    done: Option<String>,
}

fn done_text(l: Lang, code: &str) -> Option<&'static str> {
    Some(match code {
        "booked" => l.t(
            "Appointment booked. The customer gets a confirmation text.",
            "Cita reservada. El cliente recibe un mensaje de confirmación.",
        ),
        "cancelled" => l.t(
            "Appointment cancelled. The customer is told by text.",
            "Cita cancelada. Se avisa al cliente por mensaje.",
        ),
        "moved" => l.t(
            "Appointment moved. The customer gets the new time by text.",
            "Cita cambiada. El cliente recibe la nueva hora por mensaje.",
        ),
        "saved" => l.t("Saved.", "Guardado."),
        "resent" => l.t(
            "Confirmation text queued.",
            "Mensaje de confirmación en cola.",
        ),
        "closure" => l.t("Closures updated.", "Cierres actualizados."),
        _ => return None,
    })
}

/// A day of the grid: its free slots, appointments and why it is closed.
struct Day {
    date: NaiveDate,
    free: Vec<NaiveTime>,
    appts: Vec<appts::Appointment>,
    closed: Option<String>,
    open: Vec<(u32, u32)>,
}

struct Grid {
    days: Vec<Day>,
    today: NaiveDate,
    closures: Vec<ClosureRow>,
}

fn minute(t: NaiveTime) -> u32 {
    t.hour() * 60 + t.minute()
}

async fn load_grid(
    state: &AppState,
    v: &Viewer,
    from: NaiveDate,
    n: i64,
) -> Result<Grid, AppError> {
    let (client, now) = (v.client_id(), state.clock.now());
    state
        .db
        .read(move |c| {
            let rules: Rules = db::settings::rules(c, client)?;
            let to = from + Duration::days(n - 1);
            let booked = appts::booked(
                c,
                client,
                from - Duration::days(1),
                to + Duration::days(1),
                None,
            )?;
            let f = appts::Filter {
                from: Some(from),
                to: Some(to),
                status: None,
                contact_id: None,
                page: 1,
                limit: 1000,
            };
            let (rows, _) = appts::list(c, client, &f)?;
            let mut days = Vec::new();
            for i in 0..n {
                let date = from + Duration::days(i);
                let closed = rules
                    .closures
                    .iter()
                    .find(|cl| cl.is_whole_day() && cl.covers(date))
                    .map(|cl| cl.reason.clone());
                days.push(Day {
                    date,
                    free: rules
                        .free_slots(date, &booked, now)
                        .iter()
                        .map(|s| s.time)
                        .collect(),
                    appts: rows
                        .iter()
                        .filter(|a| {
                            a.appointment_date == date.to_string()
                                && (a.status == "confirmed" || a.status == "pending")
                        })
                        .cloned()
                        .collect(),
                    closed,
                    open: rules
                        .hours
                        .ranges(date.weekday())
                        .iter()
                        .map(|r| (r.start_minute(), r.end_minute()))
                        .collect(),
                });
            }
            Ok(Grid {
                days,
                today: rules.local_today(now),
                closures: db::settings::closures(c, client)?,
            })
        })
        .await
}

/// Rows of the grid: every `step` minutes across the hours of the shown days.
fn rows(g: &Grid, step: u32) -> Vec<u32> {
    let mut lo = u32::MAX;
    let mut hi = 0;
    for d in &g.days {
        for (s, e) in &d.open {
            lo = lo.min(*s);
            hi = hi.max(*e);
        }
        for a in &d.appts {
            if let Ok(t) = NaiveTime::parse_from_str(&a.appointment_time, "%H:%M") {
                lo = lo.min(minute(t));
                hi = hi.max(minute(t) + 1);
            }
        }
    }
    if lo >= hi {
        lo = 9 * 60;
        hi = 17 * 60;
    }
    let start = lo - lo % step;
    (0..)
        .map(|i| start + i * step)
        .take_while(|m| *m < hi)
        .take(200)
        .collect()
}

/// The grid's row length: the appointment length when every slot falls on it, else 15 minutes.
fn row_step(g: &Grid, duration: u32) -> u32 {
    let step = duration.clamp(15, 120);
    let lo = g
        .days
        .iter()
        .flat_map(|d| d.open.iter().map(|r| r.0))
        .min()
        .unwrap_or(9 * 60);
    let aligned = g.days.iter().all(|d| {
        d.free
            .iter()
            .all(|t| (minute(*t) + 24 * 60 - lo).is_multiple_of(step))
            && d.appts.iter().all(|a| {
                NaiveTime::parse_from_str(&a.appointment_time, "%H:%M")
                    .is_ok_and(|t| (minute(t) + 24 * 60 - lo).is_multiple_of(step))
            })
    });
    if aligned { step } else { 15 }
}

fn grid_table(l: Lang, g: &Grid, duration: u32) -> Markup {
    let step = row_step(g, duration);
    let rows = rows(g, step);
    html! {
        div.cal {
            table {
                caption.sr-only { (l.t("Appointments and free times", "Citas y horas libres")) }
                thead {
                    tr {
                        th scope="col" { span.sr-only { (l.t("Time", "Hora")) } }
                        @for d in &g.days {
                            th scope="col" class=[(d.date == g.today).then_some("today")] {
                                (l.weekday_short(d.date.weekday())) " " (l.short_date(d.date))
                                @if let Some(r) = &d.closed {
                                    span.day-note { (l.t("Closed", "Cerrado")) @if !r.is_empty() { ": " (r) } }
                                }
                            }
                        }
                    }
                }
                tbody {
                    @for m in &rows {
                        tr {
                            th scope="row" { @if let Some(t) = NaiveTime::from_hms_opt(m / 60, m % 60, 0) { (l.time(t)) } }
                            @for d in &g.days { (cell(l, d, *m, step)) }
                        }
                    }
                }
            }
        }
    }
}

fn cell(l: Lang, d: &Day, m: u32, step: u32) -> Markup {
    let inside = |t: u32| t >= m && t < m + step;
    let here: Vec<&appts::Appointment> = d
        .appts
        .iter()
        .filter(|a| {
            NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").is_ok_and(|t| inside(minute(t)))
        })
        .collect();
    let free = d.free.iter().find(|t| inside(minute(**t)));
    let open = d.closed.is_none() && d.open.iter().any(|(s, e)| m < *e && m + step > *s);
    html! {
        @if !here.is_empty() {
            td {
                @for a in here {
                    a.appt class=[(a.status == "pending").then_some("pending")]
                        href=(format!("/calendar/appointments/{}", a.id))
                        title=(format!("{} {}", a.appointment_time, a.customer_name)) {
                        @if NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").is_ok_and(|t| minute(t) == m) {
                            span.sr-only { (a.appointment_time) " " }
                        } @else {
                            (a.appointment_time) " "
                        }
                        (a.customer_name)
                    }
                }
            }
        } @else if let Some(t) = free {
            td {
                a.slot href=(format!("/calendar/new?date={}&time={}", d.date, t.format("%H:%M")))
                    aria-label=(l.tr(format!("Book {} at {}", l.date(d.date), l.time(*t)), format!("Reservar {} a las {}", l.date(d.date), l.time(*t)))) {
                    "+ " (l.time(*t))
                }
            }
        } @else if open {
            td {}
        } @else {
            td.closed {}
        }
    }
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

async fn show(State(state): State<AppState>, v: Viewer, Query(p): Query<ViewParams>) -> PageResult {
    let l = v.lang;
    let client = v.client_id();
    let now = state.clock.now();
    let (today, duration) = state
        .db
        .read(move |c| {
            let r = db::settings::rules(c, client)?;
            Ok((r.local_today(now), r.duration_min))
        })
        .await?;
    let date = match p.date.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => date_param("date", d)?,
        None => today,
    };
    let day_view = p.view.as_deref() == Some("day");
    let (from, n, prev, next) = if day_view {
        (date, 1, date - Duration::days(1), date + Duration::days(1))
    } else {
        let m = monday(date);
        (m, 7, m - Duration::days(7), m + Duration::days(7))
    };
    let g = load_grid(&state, &v, from, n).await?;
    let view = if day_view { "day" } else { "week" };
    let title = if day_view {
        l.date(date)
    } else {
        l.tr(
            format!("Week of {}", l.short_date(from)),
            format!("Semana del {}", l.short_date(from)),
        )
    };
    let body = html! {
        div.head {
            h1 { (l.t("Calendar", "Calendario")) }
            div.row {
                a.button.secondary href=(format!("/calendar?view={view}&date={prev}")) rel="prev" { "‹ " span.sr-only { (l.t("Previous", "Anterior")) } }
                a.button.secondary href=(format!("/calendar?view={view}")) { (l.t("Today", "Hoy")) }
                a.button.secondary href=(format!("/calendar?view={view}&date={next}")) rel="next" { span.sr-only { (l.t("Next", "Siguiente")) } " ›" }
                @if day_view {
                    a.button.secondary href=(format!("/calendar?view=week&date={date}")) { (l.t("Week", "Semana")) }
                } @else {
                    a.button.secondary href=(format!("/calendar?view=day&date={date}")) { (l.t("Day", "Día")) }
                }
                a.button href=(format!("/calendar/new?date={}", if date < today { today } else { date })) { (l.t("New appointment", "Nueva cita")) }
            }
        }
        (flash(p.done.as_deref().and_then(|c| done_text(l, c))))
        h2 { (title) }
        p.muted { (l.t("Click a free time to book it. Hatched cells are closed.", "Pulse una hora libre para reservarla. Las celdas rayadas están cerradas.")) }
        (grid_table(l, &g, duration))
        (closures_card(l, &v, &g.closures, &Errors::default(), &Fields::default()))
    };
    Ok(layout::page(&v, Nav::Calendar, l.t("Calendar", "Calendario"), body).into_response())
}

fn closures_card(l: Lang, v: &Viewer, list: &[ClosureRow], e: &Errors, f: &Fields) -> Markup {
    html! {
        section.card #closures aria-labelledby="h-closures" {
            h2 #h-closures { (l.t("Closures and holidays", "Cierres y festivos")) }
            @if list.is_empty() {
                p.empty { (l.t("No closures planned. Add holidays and days off so nobody is booked then.", "No hay cierres. Agregue festivos y días libres para que nadie reserve esos días.")) }
            } @else {
                ul.list {
                    @for (i, c) in list.iter().enumerate() {
                        li {
                            span {
                                b { (l.short_date(c.from)) @if c.to != c.from { " – " (l.short_date(c.to)) } }
                                @if let (Some(s), Some(e)) = (&c.start_time, &c.end_time) { " · " (s) "–" (e) }
                                @if !c.reason.is_empty() { " · " (c.reason) }
                            }
                            form method="post" action="/calendar/closures/remove" {
                                (csrf(&v.csrf))
                                input type="hidden" name="index" value=(i);
                                button.link type="submit" { (l.t("Remove", "Quitar")) span.sr-only { " " (c.from) } }
                            }
                        }
                    }
                }
            }
            h3 { (l.t("Add a closure", "Agregar un cierre")) }
            (form_errors(l, e))
            form method="post" action="/calendar/closures" {
                (csrf(&v.csrf))
                div.inline {
                    (Input::new("from", l.t("From", "Desde"), f.raw("from")).kind("date").required().errors(e))
                    (Input::new("to", l.t("To (optional)", "Hasta (opcional)"), f.raw("to")).kind("date").errors(e))
                }
                div.inline {
                    (Input::new("startTime", l.t("Closed from (optional)", "Cerrado desde (opcional)"), f.raw("startTime")).kind("time").errors(e))
                    (Input::new("endTime", l.t("until", "hasta"), f.raw("endTime")).kind("time").errors(e))
                }
                (Input::new("reason", l.t("Reason", "Motivo"), f.raw("reason")).placeholder(l.t("e.g. Thanksgiving", "p. ej. Navidad")).errors(e))
                button type="submit" { (l.t("Add closure", "Agregar cierre")) }
            }
        }
    }
}

async fn save_closures(
    state: &AppState,
    v: &Viewer,
    list: Vec<ClosureRow>,
) -> Result<(), AppError> {
    let body = crate::http::api::settings::Body {
        closures: Some(list),
        ..Default::default()
    };
    crate::http::api::settings::save(state, v.client_id(), body)
        .await
        .map(|_| ())
}

async fn current_closures(state: &AppState, v: &Viewer) -> Result<Vec<ClosureRow>, AppError> {
    let client = v.client_id();
    state
        .db
        .read(move |c| db::settings::closures(c, client))
        .await
}

async fn add_closure(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let l = v.lang;
    let parsed = (|| -> Result<ClosureRow, AppError> {
        let from = date_param("from", f.raw("from"))?;
        let to = match f.opt("to") {
            Some(t) => date_param("to", &t)?,
            None => from,
        };
        if to < from {
            return Err(AppError::validation(
                "to",
                l.t(
                    "The end date is before the start date.",
                    "La fecha final es anterior a la inicial.",
                ),
            ));
        }
        let (start_time, end_time) = match (f.opt("startTime"), f.opt("endTime")) {
            (None, None) => (None, None),
            (Some(s), Some(e)) => (
                Some(time_param("startTime", &s)?.format("%H:%M").to_string()),
                Some(time_param("endTime", &e)?.format("%H:%M").to_string()),
            ),
            _ => {
                return Err(AppError::validation(
                    "endTime",
                    l.t(
                        "Give both times, or neither to close the whole day.",
                        "Indique ambas horas, o ninguna para cerrar todo el día.",
                    ),
                ));
            }
        };
        Ok(ClosureRow {
            from,
            to,
            start_time,
            end_time,
            reason: text("reason", f.opt("reason"), 200)?.unwrap_or_default(),
        })
    })();
    let result = match parsed {
        Ok(row) => {
            let mut list = current_closures(&state, &v).await?;
            list.push(row);
            list.sort_by_key(|c| c.from);
            save_closures(&state, &v, list).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/calendar?done=closure#closures").into_response()),
        Err(e) => {
            let errors = Errors::from_app(e, &[])?;
            let list = current_closures(&state, &v).await?;
            let body = html! {
                h1 { (l.t("Closures and holidays", "Cierres y festivos")) }
                (closures_card(l, &v, &list, &errors, &f))
                p { a href="/calendar" { (l.t("Back to the calendar", "Volver al calendario")) } }
            };
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(&v, Nav::Calendar, l.t("Closures", "Cierres"), body),
            )
                .into_response())
        }
    }
}

async fn remove_closure(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let i = f.int("index", "index")?.unwrap_or(-1);
    let mut list = current_closures(&state, &v).await?;
    if i < 0 || i as usize >= list.len() {
        return Err(AppError::NotFound(
            "That closure is no longer there; it may have been removed already.".into(),
        )
        .into());
    }
    list.remove(i as usize);
    save_closures(&state, &v, list).await?;
    Ok(Redirect::to("/calendar?done=closure#closures").into_response())
}

// ---------- booking ----------

#[derive(Deserialize, Default)]
struct NewParams {
    date: Option<String>,
    time: Option<String>,
    name: Option<String>,
    phone: Option<String>,
}

async fn services(state: &AppState, v: &Viewer) -> Result<Vec<db::settings::Service>, AppError> {
    let client = v.client_id();
    state
        .db
        .read(move |c| db::settings::services(c, client))
        .await
}

fn booking_page(
    l: Lang,
    v: &Viewer,
    f: &Fields,
    e: &Errors,
    services: &[db::settings::Service],
) -> Markup {
    let body = html! {
        h1 { (l.t("New appointment", "Nueva cita")) }
        div.card {
            (form_errors(l, e))
            form method="post" action="/calendar/appointments" {
                (csrf(&v.csrf))
                div.inline {
                    (Input::new("appointmentDate", l.t("Date", "Fecha"), f.raw("appointmentDate")).kind("date").required().errors(e))
                    (Input::new("appointmentTime", l.t("Time", "Hora"), f.raw("appointmentTime")).kind("time").step("300").required().errors(e))
                }
                (Input::new("customerName", l.t("Customer's name", "Nombre del cliente"), f.raw("customerName")).required().autocomplete("off").errors(e))
                div.inline {
                    (Input::new("customerPhone", l.t("Phone", "Teléfono"), f.raw("customerPhone")).kind("tel").required().autocomplete("off").hint(l.t("The confirmation is texted here.", "La confirmación se envía a este número.")).errors(e))
                    (Input::new("customerEmail", l.t("Email (optional)", "Correo (opcional)"), f.raw("customerEmail")).kind("email").autocomplete("off").errors(e))
                }
                @if !services.is_empty() {
                    div.field {
                        label for="f-service" { (l.t("Service", "Servicio")) }
                        select #f-service name="service" {
                            option value="" { (l.t("— none —", "— ninguno —")) }
                            @for s in services {
                                @let name = if l == Lang::Es { s.name_es.clone().unwrap_or_else(|| s.name.clone()) } else { s.name.clone() };
                                option value=(s.name) selected[f.raw("service") == s.name] {
                                    (name)
                                    @if let Some(p) = s.price_cents { " · " (super::i18n::money(p)) }
                                }
                            }
                        }
                    }
                }
                (Input::new("purpose", l.t("Reason for the visit (optional)", "Motivo de la visita (opcional)"), f.raw("purpose")).errors(e))
                (Input::new("notes", l.t("Notes (optional)", "Notas (opcional)"), f.raw("notes")).kind("textarea").errors(e))
                (Input::new("duration", l.t("Length in minutes (optional)", "Duración en minutos (opcional)"), f.raw("duration")).kind("number").range(5, 480).hint(l.t("Leave empty for your usual length.", "Déjelo vacío para la duración habitual.")).errors(e))
                (checkbox("allowOutsideHours", l.t("Book even outside opening hours or notice (never over another appointment)", "Reservar aunque sea fuera del horario o del aviso (nunca encima de otra cita)"), f.checked("allowOutsideHours")))
                div.row {
                    button type="submit" { (l.t("Book appointment", "Reservar cita")) }
                    a href="/calendar" { (l.t("Cancel", "Cancelar")) }
                }
            }
        }
    };
    layout::page(v, Nav::Calendar, l.t("New appointment", "Nueva cita"), body)
}

async fn new_form(
    State(state): State<AppState>,
    v: Viewer,
    Query(p): Query<NewParams>,
) -> PageResult {
    let mut f = Fields::default();
    for (k, val) in [
        ("appointmentDate", p.date),
        ("appointmentTime", p.time),
        ("customerName", p.name),
        ("customerPhone", p.phone),
    ] {
        if let Some(val) = val {
            f.0.push((k.to_string(), val));
        }
    }
    let svc = services(&state, &v).await?;
    Ok(booking_page(v.lang, &v, &f, &Errors::default(), &svc).into_response())
}

fn booking_request(v: &Viewer, f: &Fields) -> Result<booking::Request, AppError> {
    let purpose = match (f.opt("service"), f.opt("purpose")) {
        (Some(s), Some(p)) => Some(format!("{s}: {p}")),
        (Some(s), None) => Some(s),
        (None, p) => p,
    };
    Ok(booking::Request {
        customer_name: text("customerName", f.opt("customerName"), 200)?.ok_or_else(|| {
            AppError::validation(
                "customerName",
                v.lang.t(
                    "Enter the customer's name.",
                    "Escriba el nombre del cliente.",
                ),
            )
        })?,
        customer_phone: phone_in("customerPhone", f.raw("customerPhone"))?,
        customer_email: match f.opt("customerEmail") {
            Some(e) => Some(email("customerEmail", &e)?.as_str().to_string()),
            None => None,
        },
        date: date_param("appointmentDate", f.raw("appointmentDate"))?,
        time: time_param("appointmentTime", f.raw("appointmentTime"))?,
        duration: duration_param(f.int("duration", "duration")?)?,
        purpose: text("purpose", purpose, 500)?,
        notes: multiline("notes", f.opt("notes"), 5000)?,
        source: "manual".into(),
        language: None,
        call_sid: None,
        owner_override: f.checked("allowOutsideHours"),
        actor: v.actor(),
    })
}

async fn book(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let result = match booking_request(&v, &f) {
        Ok(req) => {
            let (client, now) = (v.client_id(), state.clock.now());
            state
                .db
                .write(move |c| booking::book(c, client, &req, now))
                .await
                .and_then(|r| r.map_err(|refusal| refusal.into_app_error()))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => Ok(Redirect::to(&format!(
            "/calendar?date={}&done=booked",
            a.appointment_date
        ))
        .into_response()),
        Err(e) => {
            let errors = Errors::from_app(e, &[])?;
            let svc = services(&state, &v).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                booking_page(v.lang, &v, &f, &errors, &svc),
            )
                .into_response())
        }
    }
}

// ---------- one appointment ----------

async fn load_one(
    state: &AppState,
    v: &Viewer,
    id: i64,
) -> Result<(appts::Appointment, Vec<appts::HistoryEntry>, chrono_tz::Tz), AppError> {
    let client = v.client_id();
    state
        .db
        .read(move |c| {
            let a = appts::get(c, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
            let h = appts::history(c, client, id)?;
            let tz = db::settings::rules(c, client)?.tz;
            Ok((a, h, tz))
        })
        .await
}

#[derive(Deserialize, Default)]
struct DetailParams {
    done: Option<String>,
}

fn detail_page(
    l: Lang,
    v: &Viewer,
    a: &appts::Appointment,
    history: &[appts::HistoryEntry],
    tz: chrono_tz::Tz,
    e: &Errors,
    done: Option<&str>,
) -> Markup {
    let active = a.status == "confirmed" || a.status == "pending";
    let date: Option<NaiveDate> = a.appointment_date.parse().ok();
    let time = NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").ok();
    let when_text = match (date, time) {
        (Some(d), Some(t)) => format!("{} · {}", l.date(d), l.time(t)),
        _ => format!("{} {}", a.appointment_date, a.appointment_time),
    };
    let action = |what: &str| format!("/calendar/appointments/{}/{what}", a.id);
    let body = html! {
        div.head {
            h1 { (a.customer_name) }
            (badge(l, &a.status))
        }
        (flash(done.and_then(|c| done_text(l, c))))
        (form_errors(l, e))
        div.grid {
            section.card {
                h2 { (when_text) }
                dl.kv {
                    dt { (l.t("Phone", "Teléfono")) } dd { (phone(&a.customer_phone)) }
                    @if let Some(m) = &a.customer_email { dt { (l.t("Email", "Correo")) } dd { (m) } }
                    dt { (l.t("Length", "Duración")) } dd { (a.duration) " min" }
                    @if let Some(p) = &a.purpose { dt { (l.t("Reason", "Motivo")) } dd { (p) } }
                    @if let Some(n) = &a.notes { dt { (l.t("Notes", "Notas")) } dd { (n) } }
                    dt { (l.t("Confirmation code", "Código")) } dd { code { (a.confirmation_code) } }
                    dt { (l.t("Booked by", "Reservada por")) } dd { (a.source) }
                    @if let Some(r) = &a.cancel_reason { dt { (l.t("Cancel reason", "Motivo de cancelación")) } dd { (r) } }
                }
                p.row {
                    a href=(format!("/calendar?date={}", a.appointment_date)) { (l.t("See on the calendar", "Ver en el calendario")) }
                    @if let Some(cid) = a.contact_id { " · " a href=(format!("/contacts/{cid}")) { (l.t("Contact", "Contacto")) } }
                }
            }
            @if active {
                section.card {
                    h2 { (l.t("Move", "Cambiar")) }
                    form method="post" action=(action("reschedule")) {
                        (csrf(&v.csrf))
                        div.inline {
                            (Input::new("appointmentDate", l.t("New date", "Nueva fecha"), a.appointment_date.clone()).kind("date").required().errors(e))
                            (Input::new("appointmentTime", l.t("New time", "Nueva hora"), a.appointment_time.clone()).kind("time").step("300").required().errors(e))
                        }
                        (checkbox("allowOutsideHours", l.t("Allow outside opening hours", "Permitir fuera del horario"), false))
                        button type="submit" { (l.t("Move and text the customer", "Cambiar y avisar al cliente")) }
                    }
                }
            }
        }
        div.grid {
            @if active {
                section.card {
                    h2 { (l.t("Details", "Detalles")) }
                    form method="post" action=(action("edit")) {
                        (csrf(&v.csrf))
                        (Input::new("customerName", l.t("Name", "Nombre"), a.customer_name.clone()).required().errors(e))
                        (Input::new("customerEmail", l.t("Email", "Correo"), a.customer_email.clone().unwrap_or_default()).kind("email").errors(e))
                        (Input::new("purpose", l.t("Reason", "Motivo"), a.purpose.clone().unwrap_or_default()).errors(e))
                        (Input::new("notes", l.t("Notes", "Notas"), a.notes.clone().unwrap_or_default()).kind("textarea").errors(e))
                        button.secondary type="submit" { (l.t("Save details", "Guardar")) }
                    }
                }
                section.card {
                    h2 { (l.t("Status", "Estado")) }
                    div.row {
                        form method="post" action=(action("status")) {
                            (csrf(&v.csrf)) input type="hidden" name="status" value="completed";
                            button.secondary type="submit" { (l.t("Mark completed", "Marcar completada")) }
                        }
                        form method="post" action=(action("status")) {
                            (csrf(&v.csrf)) input type="hidden" name="status" value="no_show";
                            button.secondary type="submit" { (l.t("Mark no-show", "No se presentó")) }
                        }
                        form method="post" action=(action("resend")) {
                            (csrf(&v.csrf))
                            button.secondary type="submit" { (l.t("Resend confirmation", "Reenviar confirmación")) }
                        }
                    }
                    h3 { (l.t("Cancel", "Cancelar")) }
                    form method="post" action=(action("cancel")) data-confirm=(l.t("Cancel this appointment? The customer will get a text.", "¿Cancelar esta cita? El cliente recibirá un mensaje.")) {
                        (csrf(&v.csrf))
                        (Input::new("reason", l.t("Reason (optional)", "Motivo (opcional)"), "").errors(e))
                        button.danger type="submit" { (l.t("Cancel appointment", "Cancelar cita")) }
                    }
                }
            }
            section.card {
                h2 { (l.t("History", "Historial")) }
                ul.list {
                    @for h in history {
                        li {
                            span { (h.change) @if let Some(d) = &h.detail { " · " (d) } }
                            small { (when(l, &h.created_at, tz)) " · " (h.changed_by) }
                        }
                    }
                }
            }
        }
    };
    layout::page(v, Nav::Calendar, &a.customer_name, body)
}

async fn detail(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Query(p): Query<DetailParams>,
) -> PageResult {
    let (a, h, tz) = load_one(&state, &v, id).await?;
    Ok(detail_page(
        v.lang,
        &v,
        &a,
        &h,
        tz,
        &Errors::default(),
        p.done.as_deref(),
    )
    .into_response())
}

/// Runs a change to one appointment; a fixable error re-renders its page with the message.
async fn change(
    state: &AppState,
    v: &Viewer,
    id: i64,
    result: Result<(), AppError>,
    done: &str,
) -> PageResult {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/calendar/appointments/{id}?done={done}")).into_response())
        }
        Err(e) => {
            let errors = Errors::from_app(e, &[])?;
            let (a, h, tz) = load_one(state, v, id).await?;
            Ok((
                StatusCode::BAD_REQUEST,
                detail_page(v.lang, v, &a, &h, tz, &errors, None),
            )
                .into_response())
        }
    }
}

async fn edit(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form,
) -> PageResult {
    let parsed = (|| -> Result<appts::Edit, AppError> {
        Ok(appts::Edit {
            customer_name: Some(
                text("customerName", f.opt("customerName"), 200)?.ok_or_else(|| {
                    AppError::validation(
                        "customerName",
                        v.lang.t(
                            "Enter the customer's name.",
                            "Escriba el nombre del cliente.",
                        ),
                    )
                })?,
            ),
            customer_email: Some(match f.opt("customerEmail") {
                Some(e) => Some(email("customerEmail", &e)?.as_str().to_string()),
                None => None,
            }),
            purpose: Some(text("purpose", f.opt("purpose"), 500)?),
            notes: Some(multiline("notes", f.opt("notes"), 5000)?),
        })
    })();
    let r = match parsed {
        Ok(ed) => {
            let (client, now) = (v.client_id(), state.clock.now());
            state
                .db
                .write(move |c| appts::edit(c, client, id, &ed, now))
                .await
        }
        Err(e) => Err(e),
    };
    change(&state, &v, id, r, "saved").await
}

async fn reschedule(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form,
) -> PageResult {
    let parsed = (|| -> Result<booking::Move, AppError> {
        Ok(booking::Move {
            date: date_param("appointmentDate", f.raw("appointmentDate"))?,
            time: time_param("appointmentTime", f.raw("appointmentTime"))?,
            duration: None,
            owner_override: f.checked("allowOutsideHours"),
        })
    })();
    let r = match parsed {
        Ok(mv) => {
            let (client, now, actor) = (v.client_id(), state.clock.now(), v.actor());
            state
                .db
                .write(move |c| booking::reschedule(c, client, id, &mv, &actor, now))
                .await
                .and_then(|r| r.map(|_| ()).map_err(|refusal| refusal.into_app_error()))
        }
        Err(e) => Err(e),
    };
    change(&state, &v, id, r, "moved").await
}

async fn cancel(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form,
) -> PageResult {
    let r = match text("reason", f.opt("reason"), 500) {
        Ok(reason) => {
            let (client, now, actor) = (v.client_id(), state.clock.now(), v.actor());
            state
                .db
                .write(move |c| {
                    booking::cancel(c, client, id, reason.as_deref(), &actor, now).map(|_| ())
                })
                .await
        }
        Err(e) => Err(e),
    };
    change(&state, &v, id, r, "cancelled").await
}

async fn set_status(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    Form(f): Form,
) -> PageResult {
    let status = f.raw("status").to_string();
    let r = if ["confirmed", "pending", "completed", "no_show"].contains(&status.as_str()) {
        let (client, now, actor) = (v.client_id(), state.clock.now(), v.actor());
        state
            .db
            .write(move |c| booking::set_status(c, client, id, &status, &actor, now).map(|_| ()))
            .await
    } else {
        Err(AppError::validation(
            "status",
            "status must be confirmed, pending, completed or no_show",
        ))
    };
    change(&state, &v, id, r, "saved").await
}

async fn resend(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
    _f: Form,
) -> PageResult {
    let (client, now) = (v.client_id(), state.clock.now());
    let l = v.lang;
    let r = state
        .db
        .write(move |c| booking::resend_confirmation(c, client, id, now))
        .await
        .and_then(|q| match q {
            db::messages::Queued::OptedOut => Err(AppError::conflict(
                l.t(
                    "The customer replied STOP to your texts, so no confirmation can be sent.",
                    "El cliente respondió STOP a sus mensajes; no se puede enviar la confirmación.",
                ),
                Some(id),
            )),
            _ => Ok(()),
        });
    crate::outbox::wake(&state);
    change(&state, &v, id, r, "resent").await
}
