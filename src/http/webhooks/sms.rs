//! `POST /webhook/twilio/sms` (an inbound text) and `POST /webhook/twilio/sms-status`
//! (delivery status of one we sent). Inbound texts are stored once per Twilio sid,
//! so a retried webhook stores nothing new and gets the same answer; keywords
//! (STOP/START/HELP, C/R to a reminder) act for the tenant that owns the `To` number.
//! A status of `sent` or `delivered` bills the outbound message once, in the
//! same transaction (the message's `billed` flag and the ledger key `sms:<id>`).

use super::twilio::TwilioRequest;
use super::{WebhookError, optional, required, sid};
use crate::app::AppState;
use crate::db::{self, messages, numbers, sms_replies};
use crate::domain::E164;
use crate::error::AppError;
use crate::sms::{self, Business, Keyword, Lang};
use crate::voice::twiml::Twiml;
use axum::extract::State;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Longest inbound text stored (Twilio's own limit is 1600 characters).
const MAX_INBOUND_CHARS: usize = 10_000;

pub async fn inbound(
    State(state): State<AppState>,
    req: TwilioRequest,
) -> Result<Twiml, WebhookError> {
    let message_sid = sid(&req, &["MessageSid", "SmsSid"])?.to_string();
    let from_raw = required(&req, "From", 64)?.to_string();
    let body = req.get("Body").unwrap_or("").to_string();
    if body.chars().count() > MAX_INBOUND_CHARS {
        return Err(AppError::BadRequest("Body is too long".into()).into());
    }
    let Some(to) = req.non_empty("To").and_then(|t| E164::parse(t).ok()) else {
        tracing::info!(%message_sid, "inbound SMS to a number that is not E.164; ignored");
        return Ok(Twiml::empty());
    };
    let now = state.clock.now();
    let outcome = state
        .db
        .write(move |c| receive(c, &message_sid, &from_raw, &to, &body, now))
        .await?;
    Ok(match outcome {
        Received::UnknownNumber(to) => {
            tracing::info!(to = %to, "inbound SMS to a number no business owns; ignored");
            Twiml::empty()
        }
        Received::Reply(Some(text)) => Twiml::message(text),
        Received::Reply(None) => Twiml::empty(),
    })
}

enum Received {
    UnknownNumber(String),
    /// The answer (None: nothing to say). A retry gets the first answer again.
    Reply(Option<String>),
}

/// Stores the text and acts on it, all in the caller's write transaction.
fn receive(
    c: &Connection,
    message_sid: &str,
    from_raw: &str,
    to: &E164,
    body: &str,
    now: DateTime<Utc>,
) -> Result<Received, AppError> {
    let Some(owner) = numbers::owner_of(c, to)? else {
        return Ok(Received::UnknownNumber(to.to_string()));
    };
    let client = owner.client_id;
    // Short codes and alphanumeric senders are stored as given; only real
    // numbers are linked to contacts and can use keywords.
    let from = E164::parse(from_raw).ok();
    let from_str = from.as_ref().map_or(from_raw, E164::as_str);
    let contact_id = match &from {
        Some(f) => messages::contact_for_phone(c, client, f.as_str())?.map(|(id, _)| id),
        None => None,
    };
    let stored = messages::insert_inbound(
        c,
        &messages::NewInbound {
            client_id: client,
            twilio_sid: message_sid,
            from: from_str,
            to: to.as_str(),
            body,
            contact_id,
        },
        now,
    )?;
    if stored.is_none() {
        return Ok(Received::Reply(messages::reply_for(
            c,
            client,
            message_sid,
        )?));
    }
    let (Some(from), Some((keyword, word, lang))) = (from, sms::classify(body)) else {
        return Ok(Received::Reply(None));
    };
    let phone = E164::from_db(owner.business_phone.clone()).display();
    let business = Business {
        name: &owner.business_name,
        phone: &phone,
    };
    let reply = match keyword {
        Keyword::OptOut => messages::opt_out(c, client, from.as_str(), &word, now)?
            .then(|| sms::opted_out(lang.unwrap_or(Lang::En), &business)),
        Keyword::OptIn => {
            messages::opt_in(c, client, from.as_str())?;
            Some(sms::opted_in(lang.unwrap_or(Lang::En), &business))
        }
        Keyword::Help => Some(sms::help(lang.unwrap_or(Lang::En), &business)),
        Keyword::Confirm | Keyword::Reschedule => {
            match sms_replies::next_upcoming(c, client, from.as_str(), now)? {
                None => Some(sms::no_appointment(lang.unwrap_or(Lang::En), &business)),
                Some(appt) => {
                    let lang = lang.unwrap_or_else(|| Lang::from_code(&appt.language));
                    let when = sms::when(lang, &appt.date, &appt.time);
                    if keyword == Keyword::Confirm {
                        sms_replies::confirm_by_sms(c, client, &appt, now)?;
                        Some(sms::confirmed(lang, &business, &when))
                    } else {
                        sms_replies::request_reschedule(c, client, &appt, from.as_str(), now)?;
                        Some(sms::reschedule_requested(lang, &business, &when))
                    }
                }
            }
        }
    };
    if let Some(text) = &reply {
        messages::record_reply(
            c,
            &messages::Reply {
                client_id: client,
                inbound_sid: message_sid,
                from: &owner.number,
                to: from.as_str(),
                body: text,
                contact_id,
            },
            now,
        )?;
    }
    Ok(Received::Reply(reply))
}

pub async fn status(
    State(state): State<AppState>,
    req: TwilioRequest,
) -> Result<Twiml, WebhookError> {
    let message_sid = sid(&req, &["MessageSid", "SmsSid"])?.to_string();
    let status = req
        .non_empty("MessageStatus")
        .or_else(|| req.non_empty("SmsStatus"))
        .ok_or_else(|| AppError::BadRequest("MessageStatus is missing".into()))?
        .to_ascii_lowercase();
    if status.len() > 32 {
        return Err(AppError::BadRequest("MessageStatus is too long".into()).into());
    }
    let error_code = optional(&req, "ErrorCode", 16)?.map(str::to_string);
    let error_message = optional(&req, "ErrorMessage", 500)?.map(str::to_string);
    let message_id = req.query("m").and_then(|m| m.parse::<i64>().ok());
    let now = state.clock.now();
    let sid_for_log = message_sid.clone();
    let status_for_log = status.clone();
    let dashboard = state.config.frontend_url.clone();
    let result = state
        .db
        .write(move |c| {
            let apply = |c| {
                db::messages::apply_status(
                    c,
                    &message_sid,
                    &status,
                    error_code.as_deref(),
                    error_message.as_deref(),
                    now,
                )
            };
            let r = match (apply(c)?, message_id) {
                (messages::StatusUpdate::UnknownSid, Some(id))
                    if messages::adopt_sid(c, id, &message_sid)? =>
                {
                    apply(c)?
                }
                (r, _) => r,
            };
            crate::billing::ledger::charge_sms(c, &message_sid, &dashboard, now)?;
            Ok(r)
        })
        .await?;
    match result {
        messages::StatusUpdate::UnknownSid => {
            tracing::info!(sid = %sid_for_log, "status callback for a message we do not know; ignored")
        }
        messages::StatusUpdate::UnknownStatus => {
            tracing::info!(sid = %sid_for_log, status = %status_for_log, "unknown message status; ignored")
        }
        _ => {}
    }
    Ok(Twiml::empty())
}
