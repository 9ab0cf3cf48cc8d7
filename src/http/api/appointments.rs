//! `/api/appointments`: list with filters, create (engine + database checked
//! atomically), detail with history, update (an explicit list of fields),
//! cancel, today in the tenant's zone, availability from the engine, lookup by
//! confirmation code, and resending the confirmation SMS.

use crate::app::AppState;
use crate::booking::{self, Refusal};
use crate::db::{self, appointments as appts};
use crate::error::AppError;
use crate::http::api::input::{email, multiline, one_of, phone, text};
use crate::http::api::pagination;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, int_param};
use crate::scheduling::Period;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/appointments", get(list).post(create))
        .route("/appointments/today", get(today))
        .route("/appointments/available", get(available))
        .route("/appointments/confirmation/{code}", get(by_code))
        .route("/appointments/{id}", get(detail).put(update).delete(cancel))
        .route(
            "/appointments/{id}/send-confirmation",
            post(send_confirmation),
        )
}

/// A date like 2026-03-14, or a validation error naming the field.
pub fn date_param(field: &str, v: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::validation(
            field,
            format!("{field} must be a date like 2026-03-14, not '{v}'"),
        )
    })
}

/// A 24-hour time like 14:30, or a validation error naming the field.
pub fn time_param(field: &str, v: &str) -> Result<NaiveTime, AppError> {
    let v = v.trim();
    NaiveTime::parse_from_str(v, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(v, "%H:%M:%S"))
        .map_err(|_| {
            AppError::validation(
                field,
                format!("{field} must be a 24-hour time like 14:30, not '{v}'"),
            )
        })
}

fn refused(r: Refusal) -> AppError {
    r.into_app_error()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    from: Option<String>,
    to: Option<String>,
    date: Option<String>,
    status: Option<String>,
    contact_id: Option<String>,
    page: Option<String>,
    limit: Option<String>,
}

const STATUSES: &[&str] = &["confirmed", "pending", "cancelled", "completed", "no_show"];

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<Value>, AppError> {
    let mut f = appts::Filter {
        from: p
            .from
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|v| date_param("from", v))
            .transpose()?,
        to: p
            .to
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|v| date_param("to", v))
            .transpose()?,
        status: p
            .status
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| one_of("status", s, STATUSES))
            .transpose()?,
        contact_id: p
            .contact_id
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|v| int_param("contactId", Some(v), 0, 1, i64::MAX))
            .transpose()?,
        page: int_param("page", p.page.as_deref(), 1, 1, 1_000_000)?,
        limit: int_param("limit", p.limit.as_deref(), 50, 1, 200)?,
    };
    if let Some(d) = p.date.as_deref().filter(|s| !s.is_empty()) {
        let d = date_param("date", d)?;
        f.from = Some(d);
        f.to = Some(d);
    }
    if let (Some(a), Some(b)) = (f.from, f.to)
        && a > b
    {
        return Err(AppError::validation("to", "to must not be before from"));
    }
    let (page, limit) = (f.page, f.limit);
    let client = user.client_id();
    let (rows, total) = state.db.read(move |c| appts::list(c, client, &f)).await?;
    Ok(Json(
        json!({ "success": true, "data": { "appointments": rows, "pagination": pagination(page, limit, total, "totalAppointments") } }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CreateBody {
    customer_name: String,
    customer_phone: String,
    customer_email: Option<String>,
    appointment_date: String,
    appointment_time: String,
    duration: Option<i64>,
    purpose: Option<String>,
    notes: Option<String>,
    source: Option<String>,
    language: Option<String>,
    /// Book outside opening hours / notice (the owner's choice); never over another booking.
    allow_outside_hours: Option<bool>,
}

/// An appointment length in minutes (5 to 480).
pub fn duration_param(v: Option<i64>) -> Result<Option<i64>, AppError> {
    match v {
        Some(d) if !(5..=480).contains(&d) => Err(AppError::validation(
            "duration",
            "duration must be between 5 and 480 minutes",
        )),
        other => Ok(other),
    }
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<Response, AppError> {
    let req = booking::Request {
        customer_name: text("customerName", Some(b.customer_name), 200)?
            .ok_or_else(|| AppError::validation("customerName", "customerName is required"))?,
        customer_phone: phone("customerPhone", &b.customer_phone)?,
        customer_email: match b
            .customer_email
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(e) => Some(email("customerEmail", e)?.as_str().to_string()),
            None => None,
        },
        date: date_param("appointmentDate", &b.appointment_date)?,
        time: time_param("appointmentTime", &b.appointment_time)?,
        duration: duration_param(b.duration)?,
        purpose: text("purpose", b.purpose, 500)?,
        notes: multiline("notes", b.notes, 5000)?,
        source: match b.source.as_deref() {
            None => "manual".into(),
            Some(s) => one_of(
                "source",
                s,
                &["manual", "online", "walk_in", "voice_booking", "phone"],
            )?,
        },
        language: crate::http::api::input::language(b.language)?,
        call_sid: None,
        owner_override: b.allow_outside_hours.unwrap_or(false),
        actor: format!("user:{}", user.user_id()),
    };
    let (client, now) = (user.client_id(), state.clock.now());
    let a = state
        .db
        .write(move |c| booking::book(c, client, &req, now))
        .await?
        .map_err(refused)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "success": true, "message": "Appointment booked", "data": a })),
    )
        .into_response())
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let (a, history) = state
        .db
        .read(move |c| {
            let a = appts::get(c, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
            Ok((a, appts::history(c, client, id)?))
        })
        .await?;
    Ok(Json(
        json!({ "success": true, "data": { "appointment": a, "history": history } }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UpdateBody {
    customer_name: Option<String>,
    customer_email: Option<Option<String>>,
    appointment_date: Option<String>,
    appointment_time: Option<String>,
    duration: Option<i64>,
    purpose: Option<Option<String>>,
    notes: Option<Option<String>>,
    status: Option<String>,
    cancel_reason: Option<String>,
    allow_outside_hours: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<UpdateBody>,
) -> Result<Json<Value>, AppError> {
    let edit = appts::Edit {
        customer_name: match b.customer_name {
            Some(n) => Some(text("customerName", Some(n), 200)?.ok_or_else(|| {
                AppError::validation("customerName", "customerName cannot be empty")
            })?),
            None => None,
        },
        customer_email: match b.customer_email {
            Some(Some(e)) if !e.trim().is_empty() => {
                Some(Some(email("customerEmail", &e)?.as_str().to_string()))
            }
            Some(_) => Some(None),
            None => None,
        },
        purpose: b.purpose.map(|p| text("purpose", p, 500)).transpose()?,
        notes: b.notes.map(|n| multiline("notes", n, 5000)).transpose()?,
    };
    let date = b
        .appointment_date
        .as_deref()
        .map(|d| date_param("appointmentDate", d))
        .transpose()?;
    let time = b
        .appointment_time
        .as_deref()
        .map(|t| time_param("appointmentTime", t))
        .transpose()?;
    let duration = duration_param(b.duration)?;
    let status = b
        .status
        .as_deref()
        .map(|s| one_of("status", s, STATUSES))
        .transpose()?;
    let reason = text("cancelReason", b.cancel_reason, 500)?;
    let owner_override = b.allow_outside_hours.unwrap_or(false);
    let actor = format!("user:{}", user.user_id());
    let (client, now) = (user.client_id(), state.clock.now());
    let a = state
        .db
        .write(move |c| {
            let current =
                appts::get(c, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
            appts::edit(c, client, id, &edit, now)?;
            if date.is_some() || time.is_some() || duration.is_some() {
                let d = match date {
                    Some(d) => d,
                    None => current
                        .appointment_date
                        .parse()
                        .map_err(AppError::internal)?,
                };
                let t = match time {
                    Some(t) => t,
                    None => NaiveTime::parse_from_str(&current.appointment_time, "%H:%M")
                        .map_err(AppError::internal)?,
                };
                let mv = booking::Move {
                    date: d,
                    time: t,
                    duration,
                    owner_override,
                };
                if let Err(r) = booking::reschedule(c, client, id, &mv, &actor, now)? {
                    return Err(refused(r));
                }
            }
            match status.as_deref() {
                Some("cancelled") => {
                    booking::cancel(c, client, id, reason.as_deref(), &actor, now)?;
                }
                Some(s) => {
                    booking::set_status(c, client, id, s, &actor, now)?;
                }
                None => {}
            }
            appts::get(c, client, id)?.ok_or_else(|| AppError::not_found("appointment"))
        })
        .await?;
    Ok(Json(
        json!({ "success": true, "message": "Appointment updated", "data": a }),
    ))
}

#[derive(Deserialize)]
struct CancelParams {
    reason: Option<String>,
}

async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<CancelParams>,
) -> Result<Json<Value>, AppError> {
    let reason = text("reason", p.reason, 500)?;
    let actor = format!("user:{}", user.user_id());
    let (client, now) = (user.client_id(), state.clock.now());
    let a = state
        .db
        .write(move |c| booking::cancel(c, client, id, reason.as_deref(), &actor, now))
        .await?;
    Ok(Json(
        json!({ "success": true, "message": "Appointment cancelled", "data": a }),
    ))
}

async fn today(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    let (client, now) = (user.client_id(), state.clock.now());
    let (date, rows) = state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let today = rules.local_today(now);
            Ok((today, appts::on_date(c, client, today)?))
        })
        .await?;
    Ok(Json(
        json!({ "success": true, "data": { "date": date, "appointments": rows } }),
    ))
}

#[derive(Deserialize)]
struct AvailableParams {
    date: Option<String>,
    period: Option<String>,
}

async fn available(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<AvailableParams>,
) -> Result<Json<Value>, AppError> {
    let date = p
        .date
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|d| date_param("date", d))
        .transpose()?;
    let period = match p.period.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<Period>().map_err(|_| {
            AppError::validation("period", "period must be morning, afternoon or evening")
        })?),
    };
    let (client, now) = (user.client_id(), state.clock.now());
    let (date, tz, slots) = state
        .db
        .read(move |c| {
            let rules = db::settings::rules(c, client)?;
            let date = date.unwrap_or_else(|| rules.local_today(now));
            let booked = appts::booked(
                c,
                client,
                date.pred_opt().unwrap_or(date),
                date.succ_opt().unwrap_or(date),
                None,
            )?;
            let slots = match period {
                Some(p) => rules.free_slots_in_period(date, p, &booked, now),
                None => rules.free_slots(date, &booked, now),
            };
            Ok((date, rules.tz.name().to_string(), slots))
        })
        .await?;
    let slots: Vec<Value> = slots
        .iter()
        .map(|s| json!({ "time": s.time.format("%H:%M").to_string(), "startsAt": s.starts_at_utc }))
        .collect();
    Ok(Json(
        json!({ "success": true, "data": { "date": date, "timezone": tz, "slots": slots } }),
    ))
}

async fn by_code(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let code = booking::normalize_code(&code);
    if code.is_empty() || code.len() > 20 {
        return Err(AppError::validation(
            "code",
            "A confirmation code is 6 letters and digits, like K7P2QX.",
        ));
    }
    let client = user.client_id();
    let a = state
        .db
        .read(move |c| appts::get_by_code(c, client, &code))
        .await?
        .ok_or_else(|| AppError::NotFound("No appointment has that confirmation code.".into()))?;
    Ok(Json(json!({ "success": true, "data": a })))
}

async fn send_confirmation(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let (client, now) = (user.client_id(), state.clock.now());
    match state
        .db
        .write(move |c| booking::resend_confirmation(c, client, id, now))
        .await?
    {
        db::messages::Queued::OptedOut => Err(AppError::conflict(
            "The customer replied STOP to your texts, so no confirmation can be sent. They can text START to opt back in.",
            Some(id),
        )),
        _ => Ok(Json(
            json!({ "success": true, "message": "Confirmation SMS queued" }),
        )),
    }
}
