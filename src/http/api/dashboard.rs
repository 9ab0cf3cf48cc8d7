//! Dashboard API: `/api/dashboard`, `/api/mobile/dashboard`, `/api/mobile/stats`,
//! `/api/mobile/client/toggle` (AI on/off), the iCal feed `/api/calendar.ics`,
//! and call-forwarding help. Everything for the caller's tenant only; "today"
//! is the tenant's local date.

use crate::app::AppState;
use crate::db::{self, appointments as appts, dashboard};
use crate::error::AppError;
use crate::forwarding;
use crate::http::extract::{ApiPath, ApiQuery, CurrentUser};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(summary))
        .route("/mobile/dashboard", get(summary))
        .route("/mobile/stats", get(stats))
        .route("/mobile/client/toggle", post(toggle))
        .route("/calendar.ics", get(ics))
        .route("/call-forwarding/carriers", get(carriers))
        .route("/call-forwarding/setup/{carrier}", get(setup))
}

async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let (client, now) = (user.client_id(), state.clock.now());
    let v = state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            let until = today + Duration::days(14);
            let since = now - Duration::hours(24);
            let f = appts::Filter {
                from: Some(today),
                to: Some(until),
                status: None,
                contact_id: None,
                page: 1,
                limit: 200,
            };
            let (upcoming, _) = appts::list(c, client, &f)?;
            let upcoming: Vec<_> = upcoming
                .into_iter()
                .filter(|a| a.status == "confirmed" || a.status == "pending")
                .collect();
            let todays: Vec<_> = upcoming
                .iter()
                .filter(|a| a.appointment_date == today.to_string())
                .cloned()
                .collect();
            let settings = db::settings::get(c, client)?;
            Ok(json!({
                "today": today,
                "timezone": rules.tz.name(),
                "todayAppointments": todays,
                "upcomingAppointments": upcoming,
                "recentCalls": dashboard::recent_calls(c, client, since, 50)?,
                "recentMessages": dashboard::recent_messages(c, client, since, 50)?,
                "counts": dashboard::counts(c, client, today, until, since)?,
                "credits": dashboard::credits(c, client)?,
                "rachelEnabled": settings.rachel_enabled,
                "aiPausedByBilling": settings.ai_paused_by_billing,
                "ringlyproNumber": settings.ringlypro_number,
            }))
        })
        .await?;
    Ok(Json(json!({ "success": true, "data": v })))
}

async fn stats(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    let (client, now) = (user.client_id(), state.clock.now());
    let v = state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            let counts = dashboard::counts(c, client, today, today + Duration::days(14), now - Duration::hours(24))?;
            let week = dashboard::counts(c, client, today, today + Duration::days(7), now - Duration::days(7))?;
            Ok(json!({
                "today": today,
                "counts": counts,
                "week": { "upcomingAppointments": week.upcoming_appointments, "calls": week.calls_24h, "messages": week.messages_24h },
                "credits": dashboard::credits(c, client)?,
            }))
        })
        .await?;
    Ok(Json(json!({ "success": true, "data": v })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToggleBody {
    enabled: Option<bool>,
}

/// With `{"enabled": true|false}` sets the switch; with an empty body flips it.
async fn toggle(
    State(state): State<AppState>,
    user: CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let wanted = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::http::extract::parse_json::<ToggleBody>(&body)?.enabled
    };
    let (client, now) = (user.client_id(), state.clock.now());
    let on = state
        .db
        .write(move |c| {
            let current = db::settings::get(c, client)?.rachel_enabled;
            let on = wanted.unwrap_or(!current);
            db::settings::set_ai_enabled(c, client, on, now)?;
            Ok(on)
        })
        .await?;
    Ok(Json(json!({
        "success": true,
        "rachelEnabled": on,
        "message": if on { "The AI receptionist is answering calls." } else { "The AI receptionist is off: calls go to forwarding or voicemail." },
    })))
}

#[derive(Deserialize)]
struct IcsParams {
    token: Option<String>,
}

/// Escapes iCalendar TEXT values.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), on character boundaries.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for ch in line.chars() {
        let w = ch.len_utf8();
        if width + w > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(ch);
        width += w;
    }
    out.push_str("\r\n");
    out
}

fn ics_time(s: &str) -> String {
    crate::clock::from_db(s)
        .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

async fn ics(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<IcsParams>,
) -> Result<Response, AppError> {
    let token = p.token.unwrap_or_default();
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound(
            "This calendar link is not valid; copy it again from Settings.".into(),
        ));
    }
    let now = state.clock.now();
    let (name, rows) = state
        .db
        .read(move |c| {
            let client = db::settings::client_by_ics_token(c, &token)?.ok_or_else(|| {
                AppError::NotFound(
                    "This calendar link is not valid; copy it again from Settings.".into(),
                )
            })?;
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            let f = appts::Filter {
                from: Some(today - Duration::days(30)),
                to: Some(today + Duration::days(365)),
                status: None,
                contact_id: None,
                page: 1,
                limit: 5000,
            };
            let (rows, _) = appts::list(c, client, &f)?;
            Ok((db::settings::get(c, client)?.business_name, rows))
        })
        .await?;
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//RinglyPro//Appointments//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        out.push_str(&fold(l));
    }
    out.push_str(&fold(&format!("X-WR-CALNAME:{}", ics_text(&name))));
    for a in rows.iter().filter(|a| a.status != "cancelled") {
        let start = ics_time(&a.starts_at);
        let end = crate::clock::from_db(&a.starts_at)
            .map(|t| {
                (t + Duration::minutes(a.duration))
                    .with_timezone(&Utc)
                    .format("%Y%m%dT%H%M%SZ")
                    .to_string()
            })
            .unwrap_or_default();
        let summary = match &a.purpose {
            Some(p) => format!("{} – {}", a.customer_name, p),
            None => a.customer_name.clone(),
        };
        let desc = format!(
            "Phone: {}\nCode: {}\nStatus: {}{}",
            a.customer_phone,
            a.confirmation_code,
            a.status,
            a.notes
                .as_deref()
                .map(|n| format!("\nNotes: {n}"))
                .unwrap_or_default()
        );
        for l in [
            "BEGIN:VEVENT".to_string(),
            format!("UID:appointment-{}-{}@ringlypro", a.client_id, a.id),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{start}"),
            format!("DTEND:{end}"),
            format!("SUMMARY:{}", ics_text(&summary)),
            format!("DESCRIPTION:{}", ics_text(&desc)),
            format!(
                "STATUS:{}",
                if a.status == "pending" {
                    "TENTATIVE"
                } else {
                    "CONFIRMED"
                }
            ),
            "END:VEVENT".to_string(),
        ] {
            out.push_str(&fold(&l));
        }
    }
    out.push_str(&fold("END:VCALENDAR"));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    Ok((headers, out).into_response())
}

async fn carriers(_user: CurrentUser) -> Json<Value> {
    let list: Vec<Value> = forwarding::CARRIERS
        .iter()
        .map(|c| json!({ "id": c.id, "name": c.name }))
        .collect();
    Json(json!({ "success": true, "data": list }))
}

async fn setup(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(carrier): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let c = forwarding::find(&carrier).ok_or_else(|| {
        let ids: Vec<&str> = forwarding::CARRIERS.iter().map(|c| c.id).collect();
        AppError::NotFound(format!(
            "Unknown carrier '{carrier}'. Known carriers: {}.",
            ids.join(", ")
        ))
    })?;
    let client = user.client_id();
    let number = state
        .db
        .read(move |c| db::settings::get(c, client))
        .await?
        .ringlypro_number;
    let Some(number) = number else {
        return Err(AppError::conflict(
            "Your business has no RinglyPro number yet; get one in Settings first, then come back for the forwarding codes.",
            None,
        ));
    };
    Ok(Json(json!({
        "success": true,
        "data": {
            "carrier": c.name,
            "ringlyproNumber": number,
            "forwardAll": forwarding::fill(c.forward_all, &number),
            "cancelAll": c.cancel_all,
            "forwardBusyNoAnswer": forwarding::fill(c.forward_busy_no_answer, &number),
            "cancelBusyNoAnswer": c.cancel_busy_no_answer,
            "notes": c.notes,
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_text_is_escaped_and_lines_folded() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "é".repeat(60));
        let folded = fold(&long);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75), "{folded}");
        assert_eq!(folded.replace("\r\n ", "").trim_end(), long);
    }
}
