//! `/` Today: the owner's day at a glance — warnings that need action (no
//! number, Twilio or webhooks not set up, low balance, AI paused by billing),
//! the AI receptionist switch (`POST /ai`), today's and upcoming appointments,
//! minutes used this month against the free minutes, the balance, and the
//! latest calls and messages. Read through the same db functions as
//! `/api/dashboard`.

use super::components::{badge, csrf, flash, phone, when};
use super::errors::PageResult;
use super::i18n::{Lang, money};
use super::layout::{self, Nav};
use super::session::{Form, Viewer};
use crate::app::AppState;
use crate::db::{self, appointments as appts, credit_view, dashboard};
use crate::error::AppError;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(show))
        .route("/ai", post(toggle_ai))
}

#[derive(Deserialize)]
struct Params {
    welcome: Option<String>,
}

/// The AI switch, swapped in place by htmx (and a plain form without JS).
pub fn ai_switch(l: Lang, csrf_token: &str, on: bool, paused_by_billing: bool) -> Markup {
    html! {
        div #ai .card {
            h2 { (l.t("AI receptionist", "Recepcionista con IA")) }
            form.switch method="post" action="/ai" hx-post="/ai" hx-target="#ai" hx-swap="outerHTML" {
                (csrf(csrf_token))
                input type="hidden" name="on" value=(if on { "0" } else { "1" });
                @if on {
                    b { span.badge.ok { (l.t("On", "Encendida")) } }
                    span { (l.t("Rachel and Lina answer your calls.", "Rachel y Lina contestan sus llamadas.")) }
                    button.secondary type="submit" aria-label=(l.t("Turn the AI receptionist off", "Apagar la recepcionista")) { (l.t("Turn off", "Apagar")) }
                } @else {
                    b { span.badge.bad { (l.t("Off", "Apagada")) } }
                    span { (l.t("Calls go to forwarding or voicemail.", "Las llamadas van al desvío o al buzón.")) }
                    button type="submit" aria-label=(l.t("Turn the AI receptionist on", "Encender la recepcionista")) { (l.t("Turn on", "Encender")) }
                }
            }
            @if paused_by_billing {
                p.alert.bad { (l.t("Paused because the balance ran out. Top up to resume.", "En pausa porque se acabó el saldo. Recargue para reanudar.")) " " a href="/billing" { (l.t("Top up", "Recargar")) } }
            }
        }
    }
}

async fn toggle_ai(
    State(state): State<AppState>,
    v: Viewer,
    headers: axum::http::HeaderMap,
    Form(f): Form,
) -> PageResult {
    let on = f.raw("on") == "1";
    let (client, now) = (v.client_id(), state.clock.now());
    let s = state
        .db
        .write(move |c| {
            db::settings::set_ai_enabled(c, client, on, now)?;
            db::settings::get(c, client)
        })
        .await?;
    tracing::info!(client = %client, on, "AI receptionist switched from the dashboard");
    if !headers.contains_key("hx-request") {
        // Without JavaScript: back to the page, which shows the new state.
        return Ok(Redirect::to("/").into_response());
    }
    Ok(ai_switch(v.lang, &v.csrf, s.rachel_enabled, s.ai_paused_by_billing).into_response())
}

struct Data {
    settings: db::settings::Settings,
    today: NaiveDate,
    tz: chrono_tz::Tz,
    upcoming: Vec<appts::Appointment>,
    calls: Vec<dashboard::RecentCall>,
    messages: Vec<dashboard::RecentMessage>,
    account: credit_view::Account,
}

async fn load(state: &AppState, v: &Viewer) -> Result<Data, AppError> {
    let (client, now) = (v.client_id(), state.clock.now());
    state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            let f = appts::Filter {
                from: Some(today),
                to: Some(today + Duration::days(14)),
                status: None,
                contact_id: None,
                page: 1,
                limit: 50,
            };
            let (rows, _) = appts::list(c, client, &f)?;
            let upcoming = rows
                .into_iter()
                .filter(|a| a.status == "confirmed" || a.status == "pending")
                .collect();
            let month = format!("{:04}-{:02}", today.year(), today.month());
            Ok(Data {
                settings: db::settings::get(c, client)?,
                today,
                tz: rules.tz,
                upcoming,
                calls: dashboard::recent_calls(c, client, now - Duration::days(7), 5)?,
                messages: dashboard::recent_messages(c, client, now - Duration::days(7), 5)?,
                account: credit_view::account(c, client, &month)?,
            })
        })
        .await
}

fn warnings(l: Lang, state: &AppState, d: &Data) -> Markup {
    let low = d.account.balance_cents <= d.account.low_balance_threshold_cents
        && d.account.free_minutes_used >= d.account.monthly_free_minutes;
    let webhook = state.config.webhook_base_url.as_deref();
    let webhook_bad = match webhook {
        None => true,
        Some(u) => !u.starts_with("https://") || u.contains("localhost") || u.contains("127.0.0.1"),
    };
    html! {
        @if d.settings.ringlypro_number.is_none() {
            p.alert { (l.t("Your business has no RinglyPro phone number yet, so no calls reach your receptionist.", "Su negocio aún no tiene un número de RinglyPro, así que ninguna llamada llega a la recepcionista.")) " " a href="/settings#number" { (l.t("Add a number", "Agregar un número")) } }
        }
        @if state.providers.sms.unavailable_reason().is_some() {
            p.alert { (l.t("Twilio is not configured on this server: calls cannot arrive and texts wait in the queue.", "Twilio no está configurado en este servidor: no llegan llamadas y los mensajes esperan en la cola.")) }
        }
        @if webhook_bad {
            p.alert { (l.t("Twilio cannot reach this server yet: set WEBHOOK_BASE_URL to its public https address.", "Twilio aún no puede llegar a este servidor: configure WEBHOOK_BASE_URL con su dirección https pública.")) }
        }
        @if d.account.ai_paused_by_billing {
            p.alert.bad { (l.t("Your AI receptionist is paused: the balance ran out.", "Su recepcionista está en pausa: se acabó el saldo.")) " " a href="/billing" { (l.t("Top up now", "Recargar ahora")) } }
        } @else if low {
            p.alert { (l.t("Your balance is low.", "Su saldo está bajo.")) " " a href="/billing" { (l.t("Top up", "Recargar")) } }
        }
    }
}

fn appointment_row(l: Lang, a: &appts::Appointment, show_date: bool) -> Markup {
    let date: Option<NaiveDate> = a.appointment_date.parse().ok();
    let time = NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").ok();
    html! {
        li {
            span {
                b { @if let Some(t) = time { (l.time(t)) } @else { (a.appointment_time) } }
                @if show_date { @if let Some(d) = date { " · " (l.short_date(d)) } }
                " — "
                a href=(format!("/calendar/appointments/{}", a.id)) { (a.customer_name) }
                @if let Some(p) = &a.purpose { span.muted { " · " (p) } }
            }
            (badge(l, &a.status))
        }
    }
}

async fn show(State(state): State<AppState>, v: Viewer, Query(p): Query<Params>) -> PageResult {
    let l = v.lang;
    let d = load(&state, &v).await?;
    let today_s = d.today.to_string();
    let (todays, later): (Vec<_>, Vec<_>) = d
        .upcoming
        .iter()
        .partition(|a| a.appointment_date == today_s);
    let free = d.account.monthly_free_minutes.max(0);
    let used = d.account.free_minutes_used.clamp(0, free.max(0));
    let pct = if free > 0 { used * 100 / free } else { 100 };
    let hello = match &v.user.first_name {
        Some(n) if !n.is_empty() => l.tr(format!("Hello, {n}"), format!("Hola, {n}")),
        _ => l.t("Hello", "Hola").to_string(),
    };
    let body = html! {
        div.head {
            div {
                h1 { (hello) }
                p.muted { (d.settings.business_name) " · " (l.date(d.today)) }
            }
            a.button href="/calendar" { (l.t("Book an appointment", "Reservar una cita")) }
        }
        (flash(p.welcome.as_ref().map(|_| l.t("Welcome to RinglyPro! Set your hours and services in Settings, then try a test call.", "¡Bienvenido a RinglyPro! Configure su horario y servicios en Ajustes y luego pruebe una llamada."))))
        (warnings(l, &state, &d))
        div.stats {
            div.stat { b { (todays.len()) } span { (l.t("appointments today", "citas hoy")) } }
            div.stat { b { (later.len()) } span { (l.t("coming up (14 days)", "próximas (14 días)")) } }
            div.stat {
                b { (used) " / " (free) }
                span { (l.t("free minutes used this month", "minutos gratis usados este mes")) }
                progress value=(used) max=(free.max(1)) aria-label=(format!("{pct}%")) {}
            }
            div.stat { b { (money(d.account.balance_cents)) } span { a href="/billing" { (l.t("balance", "saldo")) } } }
        }
        div.grid {
            div {
                (ai_switch(l, &v.csrf, d.settings.rachel_enabled, d.settings.ai_paused_by_billing))
                section.card aria-labelledby="h-today" {
                    h2 #h-today { (l.t("Today", "Hoy")) }
                    @if todays.is_empty() {
                        p.empty { (l.t("No appointments today.", "No hay citas hoy.")) }
                    } @else {
                        ul.list { @for a in &todays { (appointment_row(l, a, false)) } }
                    }
                }
                section.card aria-labelledby="h-next" {
                    h2 #h-next { (l.t("Coming up", "Próximas")) }
                    @if later.is_empty() {
                        p.empty { (l.t("Nothing booked in the next two weeks yet.", "Nada reservado en las próximas dos semanas.")) }
                    } @else {
                        ul.list { @for a in later.iter().take(10) { (appointment_row(l, a, true)) } }
                    }
                }
            }
            div {
                section.card aria-labelledby="h-calls" {
                    div.head { h2 #h-calls { (l.t("Recent calls", "Llamadas recientes")) } a href="/calls" { (l.t("All calls", "Todas")) } }
                    @if d.calls.is_empty() {
                        p.empty { (l.t("No calls this week.", "Sin llamadas esta semana.")) " " a href="/test-call" { (l.t("Try a test call", "Pruebe una llamada")) } }
                    } @else {
                        ul.list {
                            @for c in &d.calls {
                                li {
                                    span {
                                        a href=(format!("/calls/{}", c.id)) { (c.caller_name.clone().unwrap_or_else(|| phone(&c.from_number))) }
                                        br;
                                        small { (when(l, &c.created_at, d.tz)) @if let Some(o) = &c.outcome { " · " (o) } }
                                    }
                                    (badge(l, &c.status))
                                }
                            }
                        }
                    }
                }
                section.card aria-labelledby="h-msgs" {
                    div.head { h2 #h-msgs { (l.t("Recent messages", "Mensajes recientes")) } a href="/messages" { (l.t("All messages", "Todos")) } }
                    @if d.messages.is_empty() {
                        p.empty { (l.t("No texts this week.", "Sin mensajes esta semana.")) }
                    } @else {
                        ul.list {
                            @for m in &d.messages {
                                @let other = if m.direction == "inbound" { &m.from_number } else { &m.to_number };
                                li {
                                    span {
                                        a href=(format!("/messages/thread?phone={}", urlencode(other))) { (phone(other)) }
                                        br;
                                        small { @if m.direction == "inbound" { "← " } @else { "→ " } (truncate(&m.body, 80)) }
                                    }
                                    small { (when(l, &m.created_at, d.tz)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(&v, Nav::Today, l.t("Today", "Hoy"), body).into_response())
}

/// Percent-encodes a query value (phone numbers start with '+').
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// At most `n` characters, with an ellipsis when cut.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
