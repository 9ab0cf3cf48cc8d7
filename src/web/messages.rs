//! `/messages`: SMS threads (newest activity first, unread counts), one thread
//! as a conversation, and replying — always from the business's own number,
//! through the outbox, refused for numbers that replied STOP (shown plainly).
//! The same sending code as `POST /api/messages/sms`.

use super::components::{Errors, Input, badge, csrf, flash, form_errors, pager, phone, when};
use super::errors::PageResult;
use super::i18n::Lang;
use super::layout::{self, Nav};
use super::session::{Fields, Form, Viewer};
use super::today::{truncate, urlencode};
use crate::app::AppState;
use crate::db::{self, messages};
use crate::domain::E164;
use crate::error::AppError;
use crate::http::api::messages::send_owner_sms;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list))
        .route("/messages/thread", get(thread))
        .route("/messages/send", post(send))
}

const PAGE_SIZE: i64 = 25;

#[derive(Deserialize, Default)]
struct ListParams {
    page: Option<String>,
}

fn compose(l: Lang, v: &Viewer, to: Option<&str>, f: &Fields, e: &Errors) -> Markup {
    html! {
        form method="post" action="/messages/send" {
            (csrf(&v.csrf))
            (form_errors(l, e))
            @if let Some(t) = to {
                input type="hidden" name="to" value=(t);
            } @else {
                (Input::new("to", l.t("To (phone number)", "Para (teléfono)"), f.raw("to")).kind("tel").required().errors(e))
            }
            (Input::new("body", l.t("Message", "Mensaje"), f.raw("body")).kind("textarea").required().hint(l.t("Up to 1600 characters. Sent from your business number.", "Hasta 1600 caracteres. Se envía desde el número de su negocio.")).errors(e))
            button type="submit" { (l.t("Send", "Enviar")) }
        }
    }
}

async fn list(State(state): State<AppState>, v: Viewer, Query(p): Query<ListParams>) -> PageResult {
    let l = v.lang;
    let client = v.client_id();
    let page = crate::http::extract::int_param("page", p.page.as_deref(), 1, 1, 100_000)?;
    let (threads, total, tz) = state
        .db
        .read(move |c| {
            let (t, n) = messages::threads(c, client, PAGE_SIZE, (page - 1) * PAGE_SIZE)?;
            Ok((t, n, db::settings::rules(c, client)?.tz))
        })
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let body = html! {
        h1 { (l.t("Messages", "Mensajes")) }
        div.grid {
            section.card {
                h2 { (l.t("Conversations", "Conversaciones")) }
                @if threads.is_empty() {
                    p.empty { (l.t("No texts yet. Confirmations and replies appear here.", "Aún no hay mensajes. Aquí aparecen confirmaciones y respuestas.")) }
                } @else {
                    ul.list {
                        @for t in &threads {
                            li {
                                span {
                                    a href=(format!("/messages/thread?phone={}", urlencode(&t.phone))) {
                                        (t.contact_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| phone(&t.phone)))
                                    }
                                    @if t.unread_count > 0 { " " span.badge.warn { (t.unread_count) " " (l.t("new", "nuevos")) } }
                                    br;
                                    small { @if t.last_message.direction == "inbound" { "← " } @else { "→ " } (truncate(&t.last_message.body, 90)) }
                                }
                                small { (when(l, &t.last_message.created_at, tz)) }
                            }
                        }
                    }
                    (pager(l, "/messages", page, pages))
                }
            }
            section.card {
                h2 { (l.t("New text", "Nuevo mensaje")) }
                (compose(l, &v, None, &Fields::default(), &Errors::default()))
            }
        }
    };
    Ok(layout::page(&v, Nav::Messages, l.t("Messages", "Mensajes"), body).into_response())
}

#[derive(Deserialize, Default)]
struct ThreadParams {
    phone: Option<String>,
    page: Option<String>,
    sent: Option<String>,
}

async fn thread_page(
    state: &AppState,
    v: &Viewer,
    number: &E164,
    page: i64,
    f: &Fields,
    e: &Errors,
    note: Option<&str>,
) -> Result<Markup, AppError> {
    let l = v.lang;
    let client = v.client_id();
    let p = number.as_str().to_string();
    let (rows, total, opted_out, contact, tz) = state
        .db
        .read(move |c| {
            let (rows, total) = messages::thread_messages(c, client, &p, 200, (page - 1) * 200)?;
            let opted = messages::is_opted_out(c, client, &p)?;
            let contact = messages::contact_for_phone(c, client, &p)?;
            Ok((
                rows,
                total,
                opted,
                contact,
                db::settings::rules(c, client)?.tz,
            ))
        })
        .await?;
    let pages = ((total + 199) / 200).max(1);
    let title = contact
        .as_ref()
        .map(|(_, n)| n.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| number.display());
    let body = html! {
        div.head {
            h1 { (title) }
            @if let Some((id, _)) = &contact { a href=(format!("/contacts/{id}")) { (l.t("Contact", "Contacto")) } }
        }
        p.muted { (number.display()) }
        (flash(note))
        div.card {
            @if rows.is_empty() {
                p.empty { (l.t("No messages with this number yet.", "Aún no hay mensajes con este número.")) }
            } @else {
                div.thread #transcript {
                    @for m in &rows {
                        div class=(if m.direction == "outbound" { "bubble me" } else { "bubble" }) {
                            (m.body)
                            small {
                                (when(l, &m.created_at, tz)) " · " (badge(l, &m.status))
                                @if let Some(err) = &m.error_message { " · " (err) }
                            }
                        }
                    }
                }
                (pager(l, &format!("/messages/thread?phone={}", urlencode(number.as_str())), page, pages))
            }
        }
        div.card {
            @if opted_out {
                p.alert role="status" { (l.t("This number replied STOP and has opted out of your texts. You cannot text it until it texts START.", "Este número respondió STOP y no recibe sus mensajes. No puede escribirle hasta que envíe START.")) }
            } @else {
                h2 { (l.t("Reply", "Responder")) }
                (compose(l, v, Some(number.as_str()), f, e))
            }
        }
        p { a href="/messages" { "‹ " (l.t("All conversations", "Todas las conversaciones")) } }
    };
    Ok(layout::page(v, Nav::Messages, &title, body))
}

async fn thread(
    State(state): State<AppState>,
    v: Viewer,
    Query(p): Query<ThreadParams>,
) -> PageResult {
    let l = v.lang;
    let number = E164::parse(p.phone.as_deref().unwrap_or(""))
        .map_err(|m| AppError::validation("phone", m))?;
    let page = crate::http::extract::int_param("page", p.page.as_deref(), 1, 1, 100_000)?;
    let note = p.sent.map(|_| {
        if state.providers.sms.unavailable_reason().is_none() {
            l.t(
                "Queued; it is sent within seconds.",
                "En cola; se envía en segundos.",
            )
        } else {
            l.t(
                "Queued and held: Twilio is not configured yet. It is sent once Twilio is set up.",
                "En cola y retenido: Twilio aún no está configurado. Se envía cuando lo esté.",
            )
        }
    });
    Ok(thread_page(
        &state,
        &v,
        &number,
        page,
        &Fields::default(),
        &Errors::default(),
        note,
    )
    .await?
    .into_response())
}

async fn send(State(state): State<AppState>, v: Viewer, Form(f): Form) -> PageResult {
    let to = E164::parse(f.raw("to")).map_err(|m| AppError::validation("to", m));
    let key = crate::auth::random_hex(16);
    let result = match &to {
        Ok(number) => send_owner_sms(
            &state,
            v.client_id(),
            number.clone(),
            f.raw("body").to_string(),
            key,
        )
        .await
        .map(|_| ()),
        Err(_) => Err(AppError::validation(
            "to",
            v.lang.t(
                "Enter a phone number, e.g. (555) 212-0987.",
                "Escriba un teléfono, p. ej. (555) 212-0987.",
            ),
        )),
    };
    match (result, to) {
        (Ok(()), Ok(number)) => Ok(Redirect::to(&format!(
            "/messages/thread?phone={}&sent=1",
            urlencode(number.as_str())
        ))
        .into_response()),
        (Err(e), Ok(number)) => {
            let errors = Errors::from_app(e, &[])?;
            let page = thread_page(&state, &v, &number, 1, &f, &errors, None).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        (Err(e), Err(_)) | (Ok(()), Err(e)) => {
            let l = v.lang;
            let errors = Errors::from_app(e, &[])?;
            let body = html! {
                h1 { (l.t("New text", "Nuevo mensaje")) }
                div.card { (compose(l, &v, None, &f, &errors)) }
            };
            Ok((
                StatusCode::BAD_REQUEST,
                layout::page(&v, Nav::Messages, l.t("Messages", "Mensajes"), body),
            )
                .into_response())
        }
    }
}
