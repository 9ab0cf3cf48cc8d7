//! `/api/calls` (history with filters and pagination), `/api/calls/:id` (one
//! call with its transcript) and `/api/call-log` (the dashboard's recent calls).
//! Another tenant's call is a 404, the same as one that does not exist.

use super::pagination::Page;
use crate::app::AppState;
use crate::db::calls::{self, Call, Filter};
use crate::domain::{E164, TimeZone};
use crate::error::AppError;
use crate::http::extract::{ApiPath, ApiQuery, CurrentUser};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calls", get(list))
        .route("/calls/{id}", get(detail))
        .route("/call-log", get(call_log))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListQuery {
    status: Option<String>,
    direction: Option<String>,
    #[serde(alias = "startDate")]
    from: Option<String>,
    #[serde(alias = "endDate")]
    to: Option<String>,
    #[serde(alias = "contactId")]
    contact: Option<i64>,
    page: Option<i64>,
    limit: Option<i64>,
}

/// A date filter: `YYYY-MM-DD` in the business's time zone (the start of that
/// day, or with `end` the start of the next one) or an RFC 3339 instant.
fn instant(field: &str, v: &str, tz: chrono_tz::Tz, end: bool) -> Result<DateTime<Utc>, AppError> {
    let v = v.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
        AppError::validation(
            field,
            format!("{field} must be a date like 2026-11-24 (or an RFC 3339 time)"),
        )
    })?;
    let date = if end {
        date.succ_opt()
            .ok_or_else(|| AppError::validation(field, format!("{field} is out of range")))?
    } else {
        date
    };
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .ok_or_else(|| AppError::validation(field, format!("{field} is out of range")))?;
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::validation(field, format!("{field} is not a valid local date")))
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let page = Page::new(q.page, q.limit, 50, 200)?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if calls::STATUSES.contains(&s) => Some(s.to_string()),
        Some(_) => {
            return Err(AppError::validation(
                "status",
                format!("status must be one of: {}", calls::STATUSES.join(", ")),
            ));
        }
    };
    let direction = match q
        .direction
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some("inbound" | "incoming") => Some("inbound".to_string()),
        Some("outbound" | "outgoing") => Some("outbound".to_string()),
        Some(_) => {
            return Err(AppError::validation(
                "direction",
                "direction must be inbound or outbound",
            ));
        }
    };
    if q.contact.is_some_and(|c| c < 1) {
        return Err(AppError::validation(
            "contact",
            "contact must be a contact id",
        ));
    }
    let tz_name = state
        .db
        .read(move |c| calls::timezone_of(c, client))
        .await?;
    let tz = TimeZone::parse(&tz_name)
        .map(TimeZone::tz)
        .unwrap_or(chrono_tz::America::New_York);
    let from = q
        .from
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|v| instant("from", v, tz, false))
        .transpose()?;
    let to =
        q.to.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|v| instant("to", v, tz, true))
            .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(AppError::validation("to", "to must be after from"));
    }
    let filter = Filter {
        status,
        direction,
        from,
        to,
        contact_id: q.contact,
    };
    let (rows, total) = state
        .db
        .read(move |c| calls::list(c, client, &filter, page.limit, page.offset()))
        .await?;
    Ok(Json(json!({
        "success": true,
        "data": { "calls": rows, "pagination": page.meta(total, "totalCalls") }
    })))
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let (call, turns) = state
        .db
        .read(move |c| calls::get(c, client, id))
        .await?
        .ok_or_else(|| AppError::not_found("call"))?;
    let mut data = json!(call);
    data["transcript"] = json!(turns);
    Ok(Json(json!({ "success": true, "data": data })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogQuery {
    limit: Option<i64>,
}

/// `m:ss` (or `h:mm:ss`) for people.
pub fn format_duration(secs: Option<i64>) -> String {
    let s = secs.unwrap_or(0).max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// What happened on the call, in a word the dashboard can show.
fn outcome(c: &Call) -> String {
    if let Some(o) = &c.outcome {
        return o.clone();
    }
    match c.status.as_str() {
        "completed" if c.voicemail_transcription.is_some() || c.recording_url.is_some() => {
            "voicemail".into()
        }
        "completed" => "answered".into(),
        "no-answer" | "busy" | "canceled" => "missed".into(),
        other => other.to_string(),
    }
}

async fn call_log(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let limit = Page::new(None, q.limit, 20, 200)?.limit;
    let rows = state
        .db
        .read(move |c| calls::recent(c, client, limit))
        .await?;
    let calls: Vec<Value> = rows
        .iter()
        .map(|c| {
            let other = if c.direction.starts_with("outbound") {
                &c.to_number
            } else {
                &c.from_number
            };
            let shown = E164::parse(other)
                .map(|p| p.display())
                .unwrap_or_else(|_| other.clone());
            json!({
                "id": c.id,
                "callSid": c.twilio_call_sid,
                "contactId": c.contact_id,
                "contactName": c.contact_name.clone().or_else(|| c.caller_name.clone()).unwrap_or_else(|| shown.clone()),
                "phone": shown,
                "direction": c.direction,
                "status": c.status,
                "outcome": outcome(c),
                "duration": c.duration.unwrap_or(0),
                "durationFormatted": format_duration(c.duration),
                "hasRecording": c.recording_url.is_some(),
                "hasVoicemail": c.voicemail_transcription.is_some(),
                "startTime": c.start_time,
                "createdAt": c.created_at,
            })
        })
        .collect();
    Ok(Json(json!({ "success": true, "data": { "calls": calls } })))
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_read_as_clock_time() {
        assert_eq!(format_duration(None), "0:00");
        assert_eq!(format_duration(Some(65)), "1:05");
        assert_eq!(format_duration(Some(3725)), "1:02:05");
    }
}
