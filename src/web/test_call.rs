//! `/test-call`: talk to your receptionist in the browser. Type (or speak,
//! where the browser has speech recognition) what a caller would say and see
//! — or hear, with the browser's speech synthesis — what Rachel or Lina
//! answers. Each turn runs `voice::engine::handle`, the very code behind real
//! calls, on a simulated call flagged `is_test`: it books for real (so the
//! appointment shows on the calendar) but is never billed and texts nobody.

use super::calls::conversation;
use super::components::{Errors, Input, csrf, form_errors, select};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::{Form, Viewer};
use crate::app::AppState;
use crate::db::{self, calls, voice as vdb};
use crate::domain::E164;
use crate::error::AppError;
use crate::nlu;
use crate::voice::engine::{self, Call, Event};
use crate::voice::readback::{Answer, read_twiml};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/test-call", get(show))
        .route("/test-call/start", post(start))
        .route("/test-call/say", post(say))
}

/// Test calls carry this CallSid prefix (real Twilio sids start with "CA").
const PREFIX: &str = "TEST";
const DEFAULT_CALLER: &str = "+15555550100";

#[derive(Deserialize, Default)]
struct Params {
    call: Option<String>,
}

/// A test call as the page shows it.
struct Conversation {
    sid: String,
    turns: Vec<calls::Turn>,
    answer: Answer,
    lang: Option<String>,
    booked: Vec<(i64, String, String, String)>,
}

async fn load(state: &AppState, v: &Viewer, sid: &str) -> Result<Conversation, AppError> {
    let client = v.client_id();
    let s = sid.to_string();
    state
        .db
        .read(move |c| {
            let id = vdb::test_call_id(c, client, &s)?
                .ok_or_else(|| AppError::not_found("test call"))?;
            let (call, turns) =
                calls::get(c, client, id)?.ok_or_else(|| AppError::not_found("test call"))?;
            let last = vdb::load_session(c, client, &s)?.and_then(|st| st.last_response);
            Ok(Conversation {
                answer: last.as_deref().map(read_twiml).unwrap_or_default(),
                booked: vdb::appointments_of_call(c, client, &s)?,
                sid: s,
                turns,
                lang: call.language,
            })
        })
        .await
}

fn speech_lang(c: &Conversation) -> &'static str {
    if c.lang.as_deref() == Some("es") {
        "es-US"
    } else {
        "en-US"
    }
}

fn panel(l: Lang, v: &Viewer, c: &Conversation, e: &Errors) -> Markup {
    let next = &c.answer.next;
    let transfer = next.contains("transfers");
    let record = next.contains("voicemail");
    html! {
        section.card #call-panel aria-labelledby="h-call" {
            div.head {
                h2 #h-call { (l.t("Your test call", "Su llamada de prueba")) }
                label.check { input #speak type="checkbox"; (l.t("Read answers aloud", "Leer respuestas en voz alta")) }
            }
            (conversation(l, &c.turns, speech_lang(c)))
            @for (id, date, time, code) in &c.booked {
                p.flash role="status" {
                    (l.t("Booked for real:", "Reservada de verdad:")) " " (date) " " (time) " · " (code) " · "
                    a href=(format!("/calendar?date={date}")) { (l.t("see it on the calendar", "verla en el calendario")) }
                    " · " a href=(format!("/calendar/appointments/{id}")) { (l.t("open", "abrir")) }
                }
            }
            (form_errors(l, e))
            @if c.answer.hangup || c.answer.action.is_none() {
                p.next role="status" { (l.t("The receptionist ended the call.", "La recepcionista terminó la llamada.")) }
            } @else if transfer {
                p.next { (l.t("The receptionist transfers the call to your phone. What happens?", "La recepcionista transfiere la llamada a su teléfono. ¿Qué pasa?")) }
                div.row {
                    @for (status, label) in [("completed", l.t("You answer", "Usted contesta")), ("no-answer", l.t("Nobody answers", "Nadie contesta"))] {
                        form method="post" action="/test-call/say" hx-post="/test-call/say" hx-target="#call-panel" hx-swap="outerHTML" {
                            (csrf(&v.csrf))
                            input type="hidden" name="call" value=(c.sid);
                            input type="hidden" name="dial" value=(status);
                            button.secondary type="submit" { (label) }
                        }
                    }
                }
            } @else {
                form method="post" action="/test-call/say" hx-post="/test-call/say" hx-target="#call-panel" hx-swap="outerHTML" hx-disabled-elt="find button" {
                    (csrf(&v.csrf))
                    input type="hidden" name="call" value=(c.sid);
                    @if record { input type="hidden" name="record" value="1"; }
                    div.inline {
                        div.field {
                            label for="say" {
                                @if record { (l.t("Leave a voicemail", "Deje un mensaje de voz")) } @else { (l.t("What the caller says (or keys they press)", "Lo que dice el cliente (o las teclas que marca)")) }
                            }
                            input #say type="text" name="text" autocomplete="off" autofocus required maxlength="500";
                        }
                        button type="submit" { (l.t("Say it", "Decirlo")) }
                        button.secondary type="button" hidden data-mic="say" data-lang=(speech_lang(c)) aria-pressed="false" { "🎤 " (l.t("Speak", "Hablar")) }
                    }
                }
            }
            form method="post" action="/test-call/start" {
                (csrf(&v.csrf))
                input type="hidden" name="language" value=(c.lang.clone().unwrap_or_default());
                p { button.link type="submit" { (l.t("Hang up and start a new test call", "Colgar y empezar otra prueba")) } }
            }
        }
    }
}

fn start_form(l: Lang, v: &Viewer, caller: &str, e: &Errors) -> Markup {
    html! {
        section.card aria-labelledby="h-start" {
            h2 #h-start { (l.t("Start a test call", "Empezar una llamada de prueba")) }
            (form_errors(l, e))
            form method="post" action="/test-call/start" {
                (csrf(&v.csrf))
                (select("language", l.t("The caller speaks", "El cliente habla"), "", &[("", l.t("Let the receptionist ask", "Que la recepcionista pregunte")), ("en", "English (Rachel)"), ("es", "Español (Lina)")], &Errors::default()))
                (Input::new("caller", l.t("Calling from", "Llama desde"), caller).kind("tel").hint(l.t("Use one of your contacts' numbers to test how callers are recognised. Nobody is texted.", "Use el número de un contacto para probar cómo se reconoce a quien llama. No se envían mensajes.")).errors(e))
                button type="submit" { (l.t("Call my receptionist", "Llamar a mi recepcionista")) }
            }
        }
    }
}

fn page(l: Lang, v: &Viewer, conv: Option<&Conversation>, caller: &str, e: &Errors) -> Markup {
    let body = html! {
        h1 { (l.t("Test call", "Llamada de prueba")) }
        p.muted { (l.t("Talk to your receptionist as a caller would. It is the same receptionist that answers your phone: bookings are real (cancel them afterwards), but test calls are never billed and text nobody.", "Hable con su recepcionista como lo haría un cliente. Es la misma que contesta su teléfono: las reservas son reales (cancélelas después), pero las pruebas no se cobran ni envían mensajes.")) }
        @match conv {
            Some(c) => (panel(l, v, c, &Errors::default())),
            None => (start_form(l, v, caller, e)),
        }
    };
    layout::page(
        v,
        Nav::TestCall,
        l.t("Test call", "Llamada de prueba"),
        body,
    )
}

async fn show(State(state): State<AppState>, v: Viewer, Query(p): Query<Params>) -> PageResult {
    let conv = match p.call.as_deref().filter(|s| s.starts_with(PREFIX)) {
        Some(sid) => Some(load(&state, &v, sid).await?),
        None => None,
    };
    Ok(page(
        v.lang,
        &v,
        conv.as_ref(),
        DEFAULT_CALLER,
        &Errors::default(),
    )
    .into_response())
}

/// What the browser sent this turn.
enum Turn {
    Start(Option<nlu::Lang>),
    Speech(String),
    Keys(String),
    Dial(String),
    Voicemail(String),
}

async fn run_turn(
    state: &AppState,
    v: &Viewer,
    sid: String,
    caller: String,
    turn: Turn,
) -> Result<(), AppError> {
    let client = v.client_id();
    let now = state.clock.now();
    let started = std::time::Instant::now();
    let key = crate::auth::random_hex(16);
    let dashboard = state.config.frontend_url.clone();
    state
        .db
        .write(move |c| {
            let to = db::settings::get(c, client)?
                .ringlypro_number
                .unwrap_or_else(|| "+10000000000".into());
            let (speech, digits) = match &turn {
                Turn::Speech(s) => (Some(s.as_str()), None),
                Turn::Keys(k) => (Some(""), Some(k.as_str())),
                _ => (None, None),
            };
            let call = Call {
                call_sid: &sid,
                from: Some(&caller),
                to: &to,
                speech,
                digits,
                confidence: speech.map(|_| 0.95),
                request_key: key,
                turn: None,
                is_test: true,
                dashboard: &dashboard,
            };
            let event = match &turn {
                Turn::Start(lang) => Event::Start { lang: *lang },
                Turn::Speech(_) | Turn::Keys(_) => Event::Gather,
                Turn::Dial(status) => Event::DialResult(status),
                Turn::Voicemail(words) => Event::Recorded {
                    url: None,
                    sid: None,
                    duration: Some(words.split_whitespace().count().max(1) as i64),
                },
            };
            let twiml = engine::handle(c, client, &call, event, now, started)?;
            if read_twiml(&twiml).hangup {
                vdb::end_test_call(c, client, &sid, now)?;
            }
            Ok(())
        })
        .await
}

/// The caller of an existing test call (its stored `from`).
async fn caller_of(state: &AppState, v: &Viewer, sid: &str) -> Result<String, AppError> {
    let client = v.client_id();
    let s = sid.to_string();
    state
        .db
        .read(move |c| {
            let id = vdb::test_call_id(c, client, &s)?
                .ok_or_else(|| AppError::not_found("test call"))?;
            Ok(calls::get(c, client, id)?
                .map(|(call, _)| call.from_number)
                .unwrap_or_else(|| DEFAULT_CALLER.into()))
        })
        .await
}

fn respond(
    headers: &HeaderMap,
    l: Lang,
    v: &Viewer,
    c: &Conversation,
    e: &Errors,
) -> axum::response::Response {
    if headers.contains_key("hx-request") {
        panel(l, v, c, e).into_response()
    } else {
        Redirect::to(&format!("/test-call?call={}", c.sid)).into_response()
    }
}

async fn start(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let lang = match f.raw("language") {
        "en" => Some(nlu::Lang::En),
        "es" => Some(nlu::Lang::Es),
        _ => None,
    };
    let caller = match f.opt("caller").map(|c| E164::parse(&c)) {
        Some(Ok(c)) => c.as_str().to_string(),
        Some(Err(m)) => {
            let e = Errors::field("caller", m);
            let body = page(v.lang, &v, None, f.raw("caller"), &e);
            return Ok((axum::http::StatusCode::BAD_REQUEST, body).into_response());
        }
        None => DEFAULT_CALLER.to_string(),
    };
    let sid = format!("{PREFIX}{}", crate::auth::random_hex(16));
    run_turn(&state, &v, sid.clone(), caller, Turn::Start(lang)).await?;
    Ok(Redirect::to(&format!("/test-call?call={sid}")).into_response())
}

async fn say(
    State(state): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Form(f): Form,
) -> PageResult {
    let l = v.lang;
    let sid = f.raw("call").to_string();
    if !sid.starts_with(PREFIX) || sid.len() > 64 {
        return Err(AppError::not_found("test call").into());
    }
    let caller = caller_of(&state, &v, &sid).await?;
    let text: String = f.raw("text").trim().chars().take(500).collect();
    let turn = if let Some(status) = f.opt("dial") {
        Turn::Dial(if status == "completed" {
            "completed".into()
        } else {
            "no-answer".into()
        })
    } else if f.checked("record") {
        Turn::Voicemail(text)
    } else if text.is_empty() {
        Turn::Speech(String::new())
    } else if let Some(keys) = text
        .strip_prefix('#')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .or_else(|| {
            (text.len() <= 2 && text.chars().all(|c| c.is_ascii_digit() || c == '*'))
                .then_some(text.as_str())
        })
    {
        Turn::Keys(keys.to_string())
    } else {
        Turn::Speech(text.clone())
    };
    let errors = match run_turn(&state, &v, sid.clone(), caller, turn).await {
        Ok(()) => Errors::default(),
        Err(e) => Errors::from_app(e, &[])?,
    };
    let conv = load(&state, &v, &sid).await?;
    Ok(respond(&headers, l, &v, &conv, &errors))
}
