//! `/calls`: the call log with filters (status, direction, dates in the
//! business's zone) and pages, and a call's page: the turn-by-turn transcript
//! with the server time of each turn, the outcome, and the recording or
//! voicemail player. Recordings are streamed through `/calls/{id}/recording`
//! (Twilio needs our credentials, and the CSP allows media from this site only).

use super::components::{badge, duration, pager, phone, when};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::Viewer;
use super::today::urlencode;
use crate::app::AppState;
use crate::db::{self, calls};
use crate::error::AppError;
use crate::http::api::appointments::date_param;
use crate::scheduling::local_to_utc;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{Duration, NaiveTime};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calls", get(list))
        .route("/calls/{id}", get(detail))
        .route("/calls/{id}/recording", get(recording))
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct Params {
    status: Option<String>,
    direction: Option<String>,
    from: Option<String>,
    to: Option<String>,
    tests: Option<String>,
    page: Option<String>,
}

fn outcome(l: Lang, o: Option<&str>) -> &'static str {
    match o.unwrap_or("") {
        "booked" => l.t("Booked", "Reservó"),
        "rescheduled" => l.t("Rescheduled", "Cambió cita"),
        "cancelled" => l.t("Cancelled", "Canceló"),
        "voicemail" => l.t("Voicemail", "Buzón de voz"),
        "transferred" => l.t("Transferred", "Transferida"),
        "transfer_failed" => l.t("Transfer missed", "Transferencia sin respuesta"),
        "slot_taken" => l.t("Time taken", "Hora ocupada"),
        "" => "–",
        _ => l.t("Other", "Otro"),
    }
}

async fn list(State(state): State<AppState>, v: Viewer, Query(p): Query<Params>) -> PageResult {
    let l = v.lang;
    let client = v.client_id();
    let page = crate::http::extract::int_param("page", p.page.as_deref(), 1, 1, 100_000)?;
    let pick = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let status = pick(&p.status);
    if let Some(s) = &status
        && ![
            "completed",
            "in-progress",
            "busy",
            "failed",
            "no-answer",
            "canceled",
            "ringing",
        ]
        .contains(&s.as_str())
    {
        return Err(AppError::validation("status", "Unknown call status").into());
    }
    let direction = pick(&p.direction).filter(|d| d == "inbound" || d == "outbound");
    let from_d = pick(&p.from).map(|d| date_param("from", &d)).transpose()?;
    let to_d = pick(&p.to).map(|d| date_param("to", &d)).transpose()?;
    let with_tests = p.tests.as_deref() == Some("1");
    let (rows, total, tz) = state
        .db
        .read(move |c| {
            let tz = db::settings::rules(c, client)?.tz;
            let midnight = NaiveTime::MIN;
            let f = calls::Filter {
                status,
                direction,
                from: from_d.and_then(|d| local_to_utc(tz, d, midnight)),
                to: to_d.and_then(|d| local_to_utc(tz, d + Duration::days(1), midnight)),
                contact_id: None,
            };
            let (rows, total) = calls::list(c, client, &f, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            Ok((rows, total, tz))
        })
        .await?;
    let rows: Vec<_> = rows
        .into_iter()
        .filter(|c| with_tests || !c.is_test)
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let mut base = format!(
        "/calls?status={}&direction={}&from={}&to={}",
        urlencode(p.status.as_deref().unwrap_or("")),
        urlencode(p.direction.as_deref().unwrap_or("")),
        urlencode(p.from.as_deref().unwrap_or("")),
        urlencode(p.to.as_deref().unwrap_or(""))
    );
    if with_tests {
        base.push_str("&tests=1");
    }
    let sel = |cur: &Option<String>, v: &str| cur.as_deref() == Some(v);
    let body = html! {
        h1 { (l.t("Calls", "Llamadas")) }
        form.card method="get" action="/calls" {
            div.inline {
                div.field {
                    label for="f-status" { (l.t("Status", "Estado")) }
                    select #f-status name="status" {
                        option value="" { (l.t("Any", "Cualquiera")) }
                        option value="completed" selected[sel(&p.status, "completed")] { (l.t("Completed", "Completada")) }
                        option value="no-answer" selected[sel(&p.status, "no-answer")] { (l.t("No answer", "Sin respuesta")) }
                        option value="busy" selected[sel(&p.status, "busy")] { (l.t("Busy", "Ocupado")) }
                        option value="failed" selected[sel(&p.status, "failed")] { (l.t("Failed", "Fallida")) }
                        option value="in-progress" selected[sel(&p.status, "in-progress")] { (l.t("In progress", "En curso")) }
                    }
                }
                div.field {
                    label for="f-direction" { (l.t("Direction", "Dirección")) }
                    select #f-direction name="direction" {
                        option value="" { (l.t("Both", "Ambas")) }
                        option value="inbound" selected[sel(&p.direction, "inbound")] { (l.t("Incoming", "Entrantes")) }
                        option value="outbound" selected[sel(&p.direction, "outbound")] { (l.t("Outgoing", "Salientes")) }
                    }
                }
                div.field { label for="f-from" { (l.t("From", "Desde")) } input #f-from type="date" name="from" value=(p.from.clone().unwrap_or_default()); }
                div.field { label for="f-to" { (l.t("To", "Hasta")) } input #f-to type="date" name="to" value=(p.to.clone().unwrap_or_default()); }
            }
            label.check { input type="checkbox" name="tests" value="1" checked[with_tests]; (l.t("Include test calls", "Incluir llamadas de prueba")) }
            button.secondary type="submit" { (l.t("Filter", "Filtrar")) }
        }
        @if rows.is_empty() {
            p.empty { (l.t("No calls match.", "Ninguna llamada coincide.")) " " a href="/test-call" { (l.t("Try a test call", "Pruebe una llamada")) } }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (l.t("When", "Cuándo")) }
                        th scope="col" { (l.t("Caller", "Quién")) }
                        th.hide-sm scope="col" { (l.t("Length", "Duración")) }
                        th scope="col" { (l.t("Outcome", "Resultado")) }
                        th.hide-sm scope="col" { (l.t("Status", "Estado")) }
                    } }
                    tbody {
                        @for c in &rows {
                            tr {
                                td { a href=(format!("/calls/{}", c.id)) { (when(l, c.start_time.as_deref().unwrap_or(&c.created_at), tz)) } }
                                td {
                                    (c.contact_name.clone().or(c.caller_name.clone()).unwrap_or_else(|| phone(&c.from_number)))
                                    @if c.is_test { " " span.badge { (l.t("test", "prueba")) } }
                                }
                                td.hide-sm.num { (duration(c.duration)) }
                                td { (outcome(l, c.outcome.as_deref())) @if c.recording_url.is_some() { " 🎙" } }
                                td.hide-sm { (badge(l, &c.status)) }
                            }
                        }
                    }
                }
            }
            (pager(l, &base, page, pages))
        }
    };
    Ok(layout::page(&v, Nav::Calls, l.t("Calls", "Llamadas"), body).into_response())
}

/// A conversation turn by turn (shared with the test call).
pub fn conversation(l: Lang, turns: &[calls::Turn], lang_code: &str) -> Markup {
    html! {
        div.thread #transcript {
            @for t in turns {
                @if let Some(said) = t.caller_text.as_deref().filter(|s| !s.trim().is_empty()) {
                    div.bubble.me { (said) small { (l.t("Caller", "Cliente")) @if let Some(c) = t.confidence { " · " (format!("{:.0}%", c * 100.0)) } } }
                } @else if let Some(d) = t.digits.as_deref().filter(|d| !d.is_empty()) {
                    div.bubble.me { "⌨ " (d) small { (l.t("Caller pressed", "El cliente marcó")) } }
                }
                div.bubble data-say=(lang_code) {
                    (t.reply_text)
                    small { (l.t("Receptionist", "Recepcionista")) " · " (format!("{:.1} ms", t.server_ms)) }
                }
            }
        }
    }
}

async fn detail(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> PageResult {
    let l = v.lang;
    let client = v.client_id();
    let (call, turns, tz) = state
        .db
        .read(move |c| {
            let (call, turns) =
                calls::get(c, client, id)?.ok_or_else(|| AppError::not_found("call"))?;
            Ok((call, turns, db::settings::rules(c, client)?.tz))
        })
        .await?;
    let who = call
        .contact_name
        .clone()
        .or(call.caller_name.clone())
        .unwrap_or_else(|| phone(&call.from_number));
    let speech_lang = if call.language.as_deref() == Some("es") {
        "es-US"
    } else {
        "en-US"
    };
    let body = html! {
        div.head {
            h1 { (l.t("Call from", "Llamada de")) " " (who) }
            (badge(l, &call.status))
        }
        div.grid {
            section.card {
                dl.kv {
                    dt { (l.t("When", "Cuándo")) } dd { (when(l, call.start_time.as_deref().unwrap_or(&call.created_at), tz)) }
                    dt { (l.t("From", "De")) } dd { (phone(&call.from_number)) }
                    dt { (l.t("To", "A")) } dd { (phone(&call.to_number)) }
                    dt { (l.t("Length", "Duración")) } dd { (duration(call.duration)) }
                    dt { (l.t("Language", "Idioma")) } dd { (call.language.clone().unwrap_or_else(|| "–".into())) }
                    dt { (l.t("Outcome", "Resultado")) } dd { (outcome(l, call.outcome.as_deref())) }
                    @if call.is_test { dt { (l.t("Test call", "Prueba")) } dd { (l.t("Yes — not billed, nobody texted", "Sí — sin cobro, sin mensajes")) } }
                }
                @if let Some(cid) = call.contact_id { p { a href=(format!("/contacts/{cid}")) { (l.t("Open the contact", "Abrir el contacto")) } } }
                @if call.recording_url.is_some() {
                    h2 { (l.t("Recording", "Grabación")) }
                    audio controls preload="none" src=(format!("/calls/{}/recording", call.id)) {
                        (l.t("Your browser cannot play audio.", "Su navegador no reproduce audio."))
                    }
                    @if let Some(t) = &call.voicemail_transcription { p { b { (l.t("Voicemail: ", "Mensaje de voz: ")) } (t) } }
                }
            }
            section.card {
                h2 { (l.t("Conversation", "Conversación")) }
                @if turns.is_empty() {
                    p.empty { (l.t("No transcript for this call.", "Esta llamada no tiene transcripción.")) }
                } @else {
                    (conversation(l, &turns, speech_lang))
                }
            }
        }
        p { a href="/calls" { "‹ " (l.t("All calls", "Todas las llamadas")) } }
    };
    Ok(layout::page(&v, Nav::Calls, l.t("Call", "Llamada"), body).into_response())
}

/// Streams a call's recording from Twilio with this server's credentials.
async fn recording(State(state): State<AppState>, v: Viewer, Path(id): Path<i64>) -> PageResult {
    let client = v.client_id();
    let url = state
        .db
        .read(move |c| Ok(calls::get(c, client, id)?.and_then(|(call, _)| call.recording_url)))
        .await?
        .ok_or_else(|| AppError::not_found("recording"))?;
    let Some(tw) = state.config.twilio.clone() else {
        return Err(AppError::ServiceUnavailable(
            "Recordings play once Twilio is configured on this server.".into(),
        )
        .into());
    };
    let base = if state.config.twilio_api_base.is_empty() {
        "https://api.twilio.com".to_string()
    } else {
        state
            .config
            .twilio_api_base
            .trim_end_matches('/')
            .to_string()
    };
    // Only Twilio's own API host gets our credentials.
    if !url.starts_with(&format!("{base}/")) {
        return Err(AppError::NotFound("This recording is not stored at Twilio.".into()).into());
    }
    let mp3 = if url.ends_with(".mp3") {
        url
    } else {
        format!("{url}.mp3")
    };
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, AppError> {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", tw.account_sid, tw.auth_token));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(20)))
            .build()
            .into();
        let mut res = agent
            .get(&mp3)
            .header("authorization", &format!("Basic {auth}"))
            .call()
            .map_err(|e| {
                AppError::ServiceUnavailable(format!("Twilio did not send the recording ({e})."))
            })?;
        res.body_mut()
            .with_config()
            .limit(50 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| {
                AppError::ServiceUnavailable(format!("The recording could not be read ({e})."))
            })
    })
    .await
    .map_err(AppError::internal)??;
    Ok((
        [
            (header::CONTENT_TYPE, "audio/mpeg"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}
