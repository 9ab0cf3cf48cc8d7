//! `POST /webhook/twilio/status`: Twilio's call status callback. Upserts the
//! call row by CallSid for the tenant that owns the called number (the calling
//! number for outbound calls); repeats change nothing. The first `completed`
//! hands the call to billing (`billing_hook::on_call_completed`) in the same
//! write transaction, once per CallSid.

use super::twilio::TwilioRequest;
use super::{WebhookError, optional, sid};
use crate::app::AppState;
use crate::db::{calls, numbers};
use crate::domain::E164;
use crate::error::AppError;
use crate::voice::twiml::Twiml;
use axum::extract::State;
use chrono::{DateTime, Utc};

/// Longest call duration believed (a week), in seconds.
const MAX_DURATION_SECS: i64 = 7 * 24 * 3600;

pub async fn status(
    State(state): State<AppState>,
    req: TwilioRequest,
) -> Result<Twiml, WebhookError> {
    let call_sid = sid(&req, &["CallSid"])?.to_string();
    let call_status = req
        .non_empty("CallStatus")
        .ok_or_else(|| AppError::BadRequest("CallStatus is missing".into()))?
        .to_ascii_lowercase();
    if !calls::STATUSES.contains(&call_status.as_str()) {
        tracing::info!(%call_sid, status = %call_status, "unknown call status; ignored");
        return Ok(Twiml::empty());
    }
    let direction = optional(&req, "Direction", 32)?
        .unwrap_or("inbound")
        .to_ascii_lowercase();
    let outbound = direction.starts_with("outbound");
    // Numbers in E.164 when they are numbers ("anonymous", SIP addresses stay as sent).
    let normalise = |v: &str| E164::parse(v).map_or_else(|_| v.to_string(), |e| e.to_string());
    let from = normalise(
        optional(&req, "From", 64)?
            .or(optional(&req, "Caller", 64)?)
            .unwrap_or("anonymous"),
    );
    let to = normalise(
        optional(&req, "To", 64)?
            .or(optional(&req, "Called", 64)?)
            .unwrap_or(""),
    );
    let duration_secs = match optional(&req, "CallDuration", 12)? {
        None => None,
        Some(d) => match d.parse::<i64>() {
            Ok(n) if (0..=MAX_DURATION_SECS).contains(&n) => Some(n),
            _ => {
                return Err(AppError::BadRequest(
                    "CallDuration must be a whole number of seconds".into(),
                )
                .into());
            }
        },
    };
    let answered_by = optional(&req, "AnsweredBy", 64)?.map(str::to_string);
    let caller_name = optional(&req, "CallerName", 255)?.map(str::to_string);
    let now = state.clock.now();
    let at = optional(&req, "Timestamp", 64)?
        .and_then(|t| DateTime::parse_from_rfc2822(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    // The business's number: the one called, or the caller for outbound calls.
    let mut candidates: Vec<E164> = Vec::new();
    let order: &[&str] = if outbound {
        &["From", "Caller", "To", "Called"]
    } else {
        &["To", "Called"]
    };
    for name in order {
        if let Some(n) = req.non_empty(name).and_then(|v| E164::parse(v).ok())
            && !candidates.contains(&n)
        {
            candidates.push(n);
        }
    }
    let sid_for_log = call_sid.clone();
    let dashboard = state.config.frontend_url.clone();
    let recorded = state
        .db
        .write(move |c| {
            let mut owner = None;
            for n in &candidates {
                if let Some(o) = numbers::owner_of(c, n)? {
                    owner = Some(o);
                    break;
                }
            }
            let Some(owner) = owner else {
                return Ok(None);
            };
            let client = owner.client_id;
            let Some(rec) = calls::record_status(
                c,
                &calls::StatusCallback {
                    client_id: client,
                    call_sid: &call_sid,
                    status: &call_status,
                    direction: &direction,
                    from: &from,
                    to: &to,
                    duration_secs,
                    answered_by: answered_by.as_deref(),
                    caller_name: caller_name.as_deref(),
                    at,
                },
                now,
            )?
            else {
                return Ok(None);
            };
            if rec.newly_completed {
                crate::billing_hook::on_call_completed(
                    c,
                    client,
                    &call_sid,
                    rec.duration_secs,
                    &dashboard,
                    now,
                )?;
                calls::mark_billed(c, client, rec.call_id)?;
            }
            Ok(Some(rec))
        })
        .await?;
    if recorded.is_none() {
        tracing::info!(call_sid = %sid_for_log, "call status for a number no business owns (or another tenant's call); ignored");
    }
    Ok(Twiml::empty())
}
