//! `/api/messages`: the tenant's SMS threads (`GET /api/messages`, one thread
//! with `?phone=`), sending a text from the business's own number
//! (`POST /api/messages/sms`, queued through the outbox) and
//! `GET /api/messages/test` (is Twilio set up; makes no call).

use super::pagination::Page;
use crate::app::AppState;
use crate::auth::random_hex;
use crate::db::messages::{self, NewSms, Queued, SmsKind};
use crate::db::numbers;
use crate::domain::E164;
use crate::error::AppError;
use crate::http::extract::{ApiJson, ApiQuery, CurrentUser};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(list))
        .route("/messages/sms", post(send_sms))
        .route("/messages/test", get(test))
}

/// Longest SMS body accepted (Twilio's limit: 1600 characters).
const MAX_BODY_CHARS: usize = 1600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    phone: Option<String>,
    page: Option<i64>,
    limit: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let Some(phone) = q.phone.as_deref() else {
        let page = Page::new(q.page, q.limit, 50, 200)?;
        let (threads, total) = state
            .db
            .read(move |c| messages::threads(c, client, page.limit, page.offset()))
            .await?;
        return Ok(Json(json!({
            "success": true,
            "data": { "threads": threads, "pagination": page.meta(total, "totalThreads") }
        })));
    };
    let phone = E164::parse(phone).map_err(|m| AppError::validation("phone", m))?;
    let page = Page::new(q.page, q.limit, 100, 200)?;
    let p = phone.as_str().to_string();
    let (msgs, total, contact, opted_out) = state
        .db
        .read(move |c| {
            let (msgs, total) =
                messages::thread_messages(c, client, &p, page.limit, page.offset())?;
            let contact = messages::contact_for_phone(c, client, &p)?;
            let opted_out = messages::is_opted_out(c, client, &p)?;
            Ok((msgs, total, contact, opted_out))
        })
        .await?;
    Ok(Json(json!({
        "success": true,
        "data": {
            "phone": phone,
            "contact": contact.map(|(id, name)| json!({ "id": id, "name": name })),
            "optedOut": opted_out,
            "messages": msgs,
            "pagination": page.meta(total, "totalMessages"),
        }
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SendBody {
    to: String,
    body: String,
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| (1..=200).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            AppError::validation(
                "Idempotency-Key",
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
            )
        })?;
    Ok(Some(v.to_string()))
}

/// Checks the text of an SMS the owner wrote (1 to 1600 characters, no control characters).
pub fn check_body(body: &str) -> Result<(), AppError> {
    if body.trim().is_empty() {
        return Err(AppError::validation("body", "body is required"));
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(AppError::validation(
            "body",
            format!("body is {chars} characters long; a text can be at most {MAX_BODY_CHARS}"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::validation(
            "body",
            "body cannot contain control characters",
        ));
    }
    Ok(())
}

/// Queues a text the owner wrote, from the business's own number, through the
/// outbox (the worker is woken). Refuses opted-out numbers and the business's
/// own number. Returns the message and whether it is new (false: a replay of
/// the same idempotency key).
pub async fn send_owner_sms(
    state: &AppState,
    client: crate::domain::ClientId,
    to: E164,
    body: String,
    key: String,
) -> Result<(messages::Message, bool), AppError> {
    check_body(&body)?;
    let now = state.clock.now();
    let (message, created) = state
        .db
        .write(move |c| {
            let Some(own) = numbers::number_of(c, client)? else {
                return Err(AppError::conflict(
                    "Your business has no RinglyPro number yet, so there is nothing to text from. Attach a number first.",
                    None,
                ));
            };
            if own == to.as_str() {
                return Err(AppError::validation(
                    "to",
                    "that is your business's own RinglyPro number; texts go to customers",
                ));
            }
            let opted_out = || {
                AppError::conflict(
                    format!(
                        "{} replied STOP and has opted out of texts from your business. They can text START to receive messages again.",
                        to.display()
                    ),
                    None,
                )
            };
            if messages::is_opted_out(c, client, to.as_str())? {
                return Err(opted_out());
            }
            let contact_id = messages::contact_for_phone(c, client, to.as_str())?.map(|(id, _)| id);
            let (id, created) = match messages::queue_sms(
                c,
                &NewSms {
                    client_id: client,
                    to: &to,
                    body: &body,
                    kind: SmsKind::Manual,
                    contact_id,
                    appointment_id: None,
                    idempotency_key: &key,
                },
                now,
            )? {
                Queued::New(id) => (id, true),
                Queued::Duplicate => (
                    messages::message_id_for_key(c, client, &key)?
                        .ok_or_else(|| AppError::internal("queued message without its row"))?,
                    false,
                ),
                Queued::OptedOut => return Err(opted_out()),
            };
            let message = messages::get(c, client, id)?
                .ok_or_else(|| AppError::internal("queued message vanished"))?;
            Ok((message, created))
        })
        .await?;
    crate::outbox::wake(state);
    Ok((message, created))
}

/// What the owner is told about a queued text (sent soon, or held until Twilio is set up).
pub fn delivery_note(state: &AppState) -> (bool, String) {
    let configured = state.providers.sms.unavailable_reason().is_none();
    let note = if configured {
        "Queued; it is sent within seconds.".to_string()
    } else {
        format!(
            "Queued and held: {}. It is sent once Twilio is set up.",
            crate::providers::TWILIO_NOT_CONFIGURED
        )
    };
    (configured, note)
}

async fn send_sms(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SendBody>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let client = user.client_id();
    let to = E164::parse(&req.to).map_err(|m| AppError::validation("to", m))?;
    check_body(&req.body)?;
    let key = idempotency_key(&headers)?.unwrap_or_else(|| random_hex(16));
    let (message, created) = send_owner_sms(&state, client, to, req.body, key).await?;
    let (configured, note) = delivery_note(&state);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "success": true,
            "data": { "message": message, "twilioConfigured": configured, "note": note }
        })),
    ))
}

async fn test(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let number = state
        .db
        .read(move |c| numbers::number_of(c, client))
        .await?;
    let twilio = state.config.twilio.as_ref();
    let configured = twilio.is_some();
    let message = match (configured, &number) {
        (false, _) => {
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN. Texts are kept and sent once it is."
        }
        (true, None) => "Twilio is configured, but your business has no RinglyPro number yet.",
        (true, Some(_)) => {
            "Twilio is configured and your business has a number: texts can be sent."
        }
    };
    Ok(Json(json!({
        "success": true,
        "data": {
            "twilioConfigured": configured,
            "fromNumber": number,
            "messagingService": twilio.is_some_and(|t| t.messaging_service_sid.is_some()),
            "webhookBaseUrlSet": state.config.webhook_base_url.is_some(),
            "canSend": configured && number.is_some(),
            "message": message,
        }
    })))
}
