//! `/api/client/settings` (GET/PUT): the tenant's business profile, hours,
//! closures, booking rules, services with prices, FAQ, greetings, voices,
//! languages and reminder lead time — every field validated with a message
//! naming it. Also the calendar feed link (`/api/client/calendar-feed`).

use crate::app::AppState;
use crate::db::settings::{self, ClosureRow, Faq, Service, Update};
use crate::domain::TimeZone;
use crate::error::AppError;
use crate::http::api::input::{email, multiline, one_of, phone, text, website};
use crate::http::extract::{ApiJson, CurrentUser};
use crate::scheduling::{TimeRange, WeeklyHours};
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/client/settings", get(get_settings).put(put_settings))
        .route(
            "/client/calendar-feed",
            get(feed).post(regenerate_feed).delete(revoke_feed),
        )
        .route(
            "/client/provision-number",
            axum::routing::post(provision_number),
        )
}

async fn get_settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let s = state.db.read(move |c| settings::get(c, client)).await?;
    Ok(Json(json!({ "success": true, "data": s })))
}

/// A change to the settings: `None` leaves a field as it is. The API's PUT
/// body; the dashboard's settings forms fill the fields of their section.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Body {
    pub business_name: Option<String>,
    pub business_phone: Option<String>,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub address: Option<String>,
    pub directions: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub owner_email: Option<String>,
    pub timezone: Option<String>,
    pub business_hours: Option<Value>,
    pub closures: Option<Vec<ClosureRow>>,
    pub appointment_duration: Option<i64>,
    pub buffer_minutes: Option<i64>,
    pub min_notice_minutes: Option<i64>,
    pub booking_horizon_days: Option<i64>,
    pub booking_enabled: Option<bool>,
    pub sms_notifications: Option<bool>,
    pub reminder_lead_minutes: Option<i64>,
    pub after_hours_mode: Option<String>,
    pub languages: Option<Vec<String>>,
    pub default_language: Option<String>,
    pub greeting: Option<String>,
    pub greeting_es: Option<String>,
    pub voice_en: Option<String>,
    pub voice_es: Option<String>,
    pub services: Option<Vec<Service>>,
    pub faq: Option<Vec<Faq>>,
}

fn range(field: &str, v: i64, min: i64, max: i64) -> Result<i64, AppError> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(AppError::validation(
            field,
            format!("{field} must be between {min} and {max}"),
        ))
    }
}

/// Checks every field (each error names its field) and returns the database change.
pub fn validate(b: Body) -> Result<Update, AppError> {
    let mut u = Update::default();
    let mut t = |col: &'static str, v: Option<String>| u.texts.push((col, v));
    if let Some(v) = b.business_name {
        t(
            "business_name",
            Some(text("businessName", Some(v), 200)?.ok_or_else(|| {
                AppError::validation("businessName", "businessName cannot be empty")
            })?),
        );
    }
    if let Some(v) = b.business_phone {
        t(
            "business_phone",
            Some(phone("businessPhone", &v)?.as_str().to_string()),
        );
    }
    if let Some(v) = b.business_type {
        t("business_type", text("businessType", Some(v), 100)?);
    }
    if let Some(v) = b.website_url {
        t("website_url", website(Some(v))?);
    }
    if let Some(v) = b.address {
        t("address", multiline("address", Some(v), 500)?);
    }
    if let Some(v) = b.directions {
        t("directions", multiline("directions", Some(v), 1000)?);
    }
    if let Some(v) = b.owner_name {
        t("owner_name", text("ownerName", Some(v), 200)?);
    }
    if let Some(v) = b.owner_phone {
        let p = v.trim();
        t(
            "owner_phone",
            if p.is_empty() {
                None
            } else {
                Some(phone("ownerPhone", p)?.as_str().to_string())
            },
        );
    }
    if let Some(v) = b.owner_email {
        let e = v.trim();
        t(
            "owner_email",
            if e.is_empty() {
                None
            } else {
                Some(email("ownerEmail", e)?.as_str().to_string())
            },
        );
    }
    if let Some(v) = b.timezone {
        t(
            "timezone",
            Some(
                TimeZone::parse(&v)
                    .map_err(|m| AppError::validation("timezone", m))?
                    .name()
                    .to_string(),
            ),
        );
    }
    if let Some(v) = b.after_hours_mode {
        t(
            "after_hours_mode",
            Some(one_of("afterHoursMode", &v, &["book", "voicemail"])?),
        );
    }
    if let Some(v) = b.languages {
        if v.is_empty() || v.iter().any(|l| l != "en" && l != "es") {
            return Err(AppError::validation(
                "languages",
                "languages must list en and/or es",
            ));
        }
        let mut v = v;
        v.dedup();
        t("languages", Some(v.join(",")));
    }
    if let Some(v) = b.default_language {
        t(
            "default_language",
            Some(one_of("defaultLanguage", &v, &["en", "es"])?),
        );
    }
    if let Some(v) = b.greeting {
        t("custom_greeting", multiline("greeting", Some(v), 500)?);
    }
    if let Some(v) = b.greeting_es {
        t("custom_greeting_es", multiline("greetingEs", Some(v), 500)?);
    }
    if let Some(v) = b.voice_en {
        t("voice_en", text("voiceEn", Some(v), 100)?);
    }
    if let Some(v) = b.voice_es {
        t("voice_es", text("voiceEs", Some(v), 100)?);
    }
    let mut i = |col: &'static str, v: i64| u.ints.push((col, v));
    if let Some(v) = b.appointment_duration {
        i(
            "appointment_duration",
            range("appointmentDuration", v, 5, 480)?,
        );
    }
    if let Some(v) = b.buffer_minutes {
        i("buffer_minutes", range("bufferMinutes", v, 0, 240)?);
    }
    if let Some(v) = b.min_notice_minutes {
        i(
            "min_notice_minutes",
            range("minNoticeMinutes", v, 0, 60 * 24 * 30)?,
        );
    }
    if let Some(v) = b.booking_horizon_days {
        i(
            "booking_horizon_days",
            range("bookingHorizonDays", v, 1, 730)?,
        );
    }
    if let Some(v) = b.reminder_lead_minutes {
        i(
            "reminder_lead_minutes",
            range("reminderLeadMinutes", v, 0, 60 * 24 * 7)?,
        );
    }
    if let Some(v) = b.booking_enabled {
        u.flags.push(("booking_enabled", v));
    }
    if let Some(v) = b.sms_notifications {
        u.flags.push(("sms_notifications", v));
    }
    if let Some(h) = b.business_hours {
        let hours = WeeklyHours::from_json_value(&h)
            .map_err(|e| AppError::validation("businessHours", e.to_string()))?;
        u.hours_json = Some(hours.to_json());
    }
    if let Some(list) = b.closures {
        if list.len() > 366 {
            return Err(AppError::validation("closures", "at most 366 closures"));
        }
        for (n, c) in list.iter().enumerate() {
            if c.from > c.to {
                return Err(AppError::validation(
                    "closures",
                    format!("closure {}: from {} is after to {}", n + 1, c.from, c.to),
                ));
            }
            match (&c.start_time, &c.end_time) {
                (None, None) => {}
                (Some(s), Some(e)) => {
                    TimeRange::parse(s, e).map_err(|e| {
                        AppError::validation("closures", format!("closure {}: {e}", n + 1))
                    })?;
                }
                _ => {
                    return Err(AppError::validation(
                        "closures",
                        format!(
                            "closure {}: give both startTime and endTime, or neither for the whole day",
                            n + 1
                        ),
                    ));
                }
            }
            if c.reason.chars().count() > 200 {
                return Err(AppError::validation(
                    "closures",
                    format!("closure {}: reason must be at most 200 characters", n + 1),
                ));
            }
        }
        u.closures = Some(list);
    }
    if let Some(list) = b.services {
        if list.len() > 100 {
            return Err(AppError::validation("services", "at most 100 services"));
        }
        let mut out = vec![];
        for (n, s) in list.into_iter().enumerate() {
            let f = format!("services[{n}]");
            let name = text(&f, Some(s.name), 100)?
                .ok_or_else(|| AppError::validation(&f, format!("{f}: name is required")))?;
            if s.price_cents
                .is_some_and(|p| !(0..=10_000_000).contains(&p))
            {
                return Err(AppError::validation(
                    &f,
                    format!("{f}: priceCents must be between 0 and 10000000 (cents)"),
                ));
            }
            if s.duration_minutes.is_some_and(|d| !(5..=480).contains(&d)) {
                return Err(AppError::validation(
                    &f,
                    format!("{f}: durationMinutes must be between 5 and 480"),
                ));
            }
            out.push(Service {
                name,
                name_es: text(&f, s.name_es, 100)?,
                description: multiline(&f, s.description, 1000)?,
                price_cents: s.price_cents,
                duration_minutes: s.duration_minutes,
            });
        }
        u.services = Some(out);
    }
    if let Some(list) = b.faq {
        if list.len() > 100 {
            return Err(AppError::validation("faq", "at most 100 FAQ entries"));
        }
        let mut out = vec![];
        for (n, f) in list.into_iter().enumerate() {
            let field = format!("faq[{n}]");
            out.push(Faq {
                language: one_of(&field, &f.language, &["en", "es"])?,
                question: multiline(&field, Some(f.question), 500)?.ok_or_else(|| {
                    AppError::validation(&field, format!("{field}: question is required"))
                })?,
                answer: multiline(&field, Some(f.answer), 2000)?.ok_or_else(|| {
                    AppError::validation(&field, format!("{field}: answer is required"))
                })?,
            });
        }
        u.faq = Some(out);
    }
    Ok(u)
}

async fn put_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<Body>,
) -> Result<Json<Value>, AppError> {
    let s = save(&state, user.client_id(), b).await?;
    Ok(Json(
        json!({ "success": true, "message": "Settings saved", "data": s }),
    ))
}

/// Validates and saves a settings change; returns the settings as they are now.
pub async fn save(
    state: &AppState,
    client: crate::domain::ClientId,
    b: Body,
) -> Result<settings::Settings, AppError> {
    let u = validate(b)?;
    let now = state.clock.now();
    state
        .db
        .write(move |c| {
            settings::update(c, client, &u, now)?;
            settings::get(c, client)
        })
        .await
}

/// The public address of a calendar feed token.
pub fn feed_url(state: &AppState, token: &str) -> String {
    format!(
        "{}/api/calendar.ics?token={token}",
        state.config.frontend_url
    )
}

async fn feed(State(state): State<AppState>, user: CurrentUser) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let token = state
        .db
        .read(move |c| settings::ics_token(c, client))
        .await?;
    Ok(Json(
        json!({ "success": true, "data": { "url": token.map(|t| feed_url(&state, &t)) } }),
    ))
}

/// Makes a new calendar feed link (the old one stops working); returns its token.
pub async fn new_feed_token(
    state: &AppState,
    client: crate::domain::ClientId,
) -> Result<String, AppError> {
    let token = crate::auth::random_token(24);
    let t = token.clone();
    state
        .db
        .write(move |c| settings::set_ics_token(c, client, Some(&t)))
        .await?;
    Ok(token)
}

async fn regenerate_feed(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let token = new_feed_token(&state, user.client_id()).await?;
    Ok(Json(
        json!({ "success": true, "message": "A new calendar link was created; the old one stopped working.", "data": { "url": feed_url(&state, &token) } }),
    ))
}

async fn revoke_feed(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    state
        .db
        .write(move |c| settings::set_ics_token(c, client, None))
        .await?;
    Ok(Json(
        json!({ "success": true, "message": "The calendar link no longer works." }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProvisionBody {
    area_code: Option<String>,
}

/// `POST /api/client/provision-number`: buys a local Twilio number pointed at
/// our webhooks and attaches it to the business. A number bought but not kept
/// (the business already has one, or saving fails) is released at once.
async fn provision_number(
    State(state): State<AppState>,
    user: CurrentUser,
    body: axum::body::Bytes,
) -> Result<Json<Value>, AppError> {
    let area = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        crate::http::extract::parse_json::<ProvisionBody>(&body)?.area_code
    };
    let area = match area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a)
            if a.len() == 3
                && a.bytes().all(|b| b.is_ascii_digit())
                && !a.starts_with(['0', '1']) =>
        {
            Some(a.to_string())
        }
        Some(_) => {
            return Err(AppError::validation(
                "areaCode",
                "areaCode must be 3 digits, like 415",
            ));
        }
        None => None,
    };
    let Some(numbers) = state.providers.numbers.clone() else {
        return Err(AppError::ServiceUnavailable(
            "Twilio is not configured on this server: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or attach an existing number with `ringlypro tenant set-number`.".into(),
        ));
    };
    let Some(base) = state.config.webhook_base_url.clone() else {
        return Err(AppError::ServiceUnavailable("Set WEBHOOK_BASE_URL to this server's public address first, so Twilio knows where to send calls.".into()));
    };
    let client = user.client_id();
    if state
        .db
        .read(move |c| crate::db::numbers::number_of(c, client))
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "This business already has a number. Detach it first to get a new one.",
            None,
        ));
    }
    let hooks = crate::providers::twilio_numbers::Hooks {
        voice_url: format!("{base}/voice/rachel/"),
        voice_fallback_url: format!("{base}/voice/fallback"),
        sms_url: format!("{base}/webhook/twilio/sms"),
        status_callback: format!("{base}/webhook/twilio/status"),
    };
    let buyer = numbers.clone();
    let bought = tokio::task::spawn_blocking(move || buyer.buy(area.as_deref(), &hooks))
        .await
        .map_err(AppError::internal)?
        .map_err(|m| {
            AppError::ServiceUnavailable(format!("Could not get a number from Twilio: {m}"))
        })?;
    let (num, sid, now) = (bought.number.clone(), bought.sid.clone(), state.clock.now());
    let saved = state
        .db
        .write(move |c| {
            let e164 = crate::domain::E164::parse(&num)
                .map_err(|m| AppError::internal(format!("Twilio returned {num}: {m}")))?;
            if crate::db::numbers::number_of(c, client)?.is_some() {
                return Err(AppError::conflict(
                    "This business already has a number.",
                    None,
                ));
            }
            crate::db::clients::set_number(c, client, Some(&e164), now)?;
            c.execute(
                "UPDATE clients SET twilio_number_sid = ?2 WHERE id = ?1",
                rusqlite::params![client.get(), sid],
            )?;
            Ok(e164.as_str().to_string())
        })
        .await;
    match saved {
        Ok(number) => Ok(Json(
            json!({ "success": true, "message": "Your new number is ready.", "data": { "ringlyproNumber": number, "twilioNumberSid": bought.sid } }),
        )),
        Err(e) => {
            let sid = bought.sid.clone();
            let released = tokio::task::spawn_blocking(move || numbers.release(&sid)).await;
            if !matches!(released, Ok(Ok(()))) {
                tracing::error!(sid = %bought.sid, "could not release a number we could not keep; release it in the Twilio console");
            }
            Err(e)
        }
    }
}
