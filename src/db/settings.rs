//! SQL for a tenant's settings: business profile, opening hours, closures,
//! booking rules, services with prices, FAQ entries, greetings and voices —
//! and the scheduling `Rules` built from them.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use crate::scheduling::{Closure, Rules, TimeRange, WeeklyHours, parse_tz};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub name: String,
    #[serde(default)]
    pub name_es: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub price_cents: Option<i64>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Faq {
    #[serde(default = "en")]
    pub language: String,
    pub question: String,
    pub answer: String,
}

fn en() -> String {
    "en".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClosureRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// Everything the settings API shows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub business_name: String,
    pub business_phone: String,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub address: Option<String>,
    pub directions: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub owner_email: Option<String>,
    pub ringlypro_number: Option<String>,
    pub timezone: String,
    pub business_hours: serde_json::Value,
    pub closures: Vec<ClosureRow>,
    pub appointment_duration: i64,
    pub buffer_minutes: i64,
    pub min_notice_minutes: i64,
    pub booking_horizon_days: i64,
    pub booking_enabled: bool,
    pub sms_notifications: bool,
    pub reminder_lead_minutes: i64,
    pub after_hours_mode: String,
    pub languages: Vec<String>,
    pub default_language: String,
    pub greeting: Option<String>,
    pub greeting_es: Option<String>,
    pub voice_en: Option<String>,
    pub voice_es: Option<String>,
    pub rachel_enabled: bool,
    pub ai_paused_by_billing: bool,
    pub services: Vec<Service>,
    pub faq: Vec<Faq>,
}

pub fn get(conn: &Connection, client: ClientId) -> Result<Settings, AppError> {
    let id = client.get();
    let mut s = conn
        .query_row_cached(
            "SELECT business_name, business_phone, business_type, website_url, address, directions, owner_name,
                    owner_phone, owner_email, ringlypro_number, timezone, business_hours, appointment_duration,
                    buffer_minutes, min_notice_minutes, booking_horizon_days, booking_enabled, sms_notifications,
                    reminder_lead_minutes, after_hours_mode, languages, default_language, custom_greeting,
                    custom_greeting_es, voice_en, voice_es, rachel_enabled, ai_paused_by_billing
             FROM clients WHERE id = ?1",
            [id],
            |r| {
                let hours: String = r.get(11)?;
                let langs: String = r.get(20)?;
                Ok(Settings {
                    business_name: r.get(0)?,
                    business_phone: r.get(1)?,
                    business_type: r.get(2)?,
                    website_url: r.get(3)?,
                    address: r.get(4)?,
                    directions: r.get(5)?,
                    owner_name: r.get(6)?,
                    owner_phone: r.get(7)?,
                    owner_email: r.get(8)?,
                    ringlypro_number: r.get(9)?,
                    timezone: r.get(10)?,
                    business_hours: serde_json::from_str(&hours).unwrap_or(serde_json::Value::Null),
                    closures: vec![],
                    appointment_duration: r.get(12)?,
                    buffer_minutes: r.get(13)?,
                    min_notice_minutes: r.get(14)?,
                    booking_horizon_days: r.get(15)?,
                    booking_enabled: r.get(16)?,
                    sms_notifications: r.get(17)?,
                    reminder_lead_minutes: r.get(18)?,
                    after_hours_mode: r.get(19)?,
                    languages: langs.split(',').filter(|l| !l.is_empty()).map(String::from).collect(),
                    default_language: r.get(21)?,
                    greeting: r.get(22)?,
                    greeting_es: r.get(23)?,
                    voice_en: r.get(24)?,
                    voice_es: r.get(25)?,
                    rachel_enabled: r.get(26)?,
                    ai_paused_by_billing: r.get(27)?,
                    services: vec![],
                    faq: vec![],
                })
            },
        )
        .optional()?
        .ok_or_else(|| AppError::not_found("business"))?;
    s.closures = closures(conn, client)?;
    s.services = services(conn, client)?;
    s.faq = faq(conn, client)?;
    Ok(s)
}

pub fn closures(conn: &Connection, client: ClientId) -> Result<Vec<ClosureRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_date, to_date, start_time, end_time, reason FROM closures WHERE client_id = ?1 ORDER BY from_date, id",
    )?;
    let rows = stmt.query_map([client.get()], |r| {
        let from: String = r.get(0)?;
        let to: String = r.get(1)?;
        Ok((from, to, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    let mut out = vec![];
    for row in rows {
        let (from, to, start_time, end_time, reason): (
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        ) = row?;
        if let (Ok(from), Ok(to)) = (from.parse(), to.parse()) {
            out.push(ClosureRow {
                from,
                to,
                start_time,
                end_time,
                reason,
            });
        }
    }
    Ok(out)
}

pub fn services(conn: &Connection, client: ClientId) -> Result<Vec<Service>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, name_es, description, price_cents, duration_minutes FROM services
         WHERE client_id = ?1 AND active = 1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([client.get()], |r| {
        Ok(Service {
            name: r.get(0)?,
            name_es: r.get(1)?,
            description: r.get(2)?,
            price_cents: r.get(3)?,
            duration_minutes: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn faq(conn: &Connection, client: ClientId) -> Result<Vec<Faq>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT language, question, answer FROM faq_entries WHERE client_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([client.get()], |r| {
        Ok(Faq {
            language: r.get(0)?,
            question: r.get(1)?,
            answer: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Converts stored closures to the engine's type (rows are validated on write).
pub fn to_engine_closure(c: &ClosureRow) -> Result<Closure, AppError> {
    let mut out = Closure::days(c.from, c.to, c.reason.clone());
    if let (Some(s), Some(e)) = (&c.start_time, &c.end_time) {
        out.times = Some(
            TimeRange::parse(s, e).map_err(|e| AppError::validation("closures", e.to_string()))?,
        );
    }
    Ok(out)
}

/// The scheduling rules of a tenant.
pub fn rules(conn: &Connection, client: ClientId) -> Result<Rules, AppError> {
    let (tz, hours, duration, buffer, notice, horizon): (String, String, i64, i64, i64, i64) = conn
        .query_row_cached(
            "SELECT timezone, business_hours, appointment_duration, buffer_minutes, min_notice_minutes, booking_horizon_days
             FROM clients WHERE id = ?1",
            [client.get()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?
        .ok_or_else(|| AppError::not_found("business"))?;
    let bad = |e: crate::scheduling::SettingsError| {
        AppError::internal(format!("stored settings invalid: {e}"))
    };
    let mut closures_out = vec![];
    for c in closures(conn, client)? {
        closures_out.push(to_engine_closure(&c)?);
    }
    let to_u32 = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
    Ok(Rules {
        tz: parse_tz(&tz).map_err(bad)?,
        hours: WeeklyHours::from_json(&hours).map_err(bad)?,
        duration_min: to_u32(duration),
        buffer_min: to_u32(buffer),
        min_notice_min: to_u32(notice),
        horizon_days: to_u32(horizon),
        closures: closures_out,
    })
}

/// A validated change to the settings; `None` leaves a field as it is.
#[derive(Default)]
pub struct Update {
    pub texts: Vec<(&'static str, Option<String>)>,
    pub ints: Vec<(&'static str, i64)>,
    pub flags: Vec<(&'static str, bool)>,
    pub hours_json: Option<String>,
    pub closures: Option<Vec<ClosureRow>>,
    pub services: Option<Vec<Service>>,
    pub faq: Option<Vec<Faq>>,
}

/// Columns `Update` may touch (a whitelist: field names never come from the request).
const COLUMNS: &[&str] = &[
    "business_name",
    "business_phone",
    "business_type",
    "website_url",
    "address",
    "directions",
    "owner_name",
    "owner_phone",
    "owner_email",
    "timezone",
    "appointment_duration",
    "buffer_minutes",
    "min_notice_minutes",
    "booking_horizon_days",
    "booking_enabled",
    "sms_notifications",
    "reminder_lead_minutes",
    "after_hours_mode",
    "languages",
    "default_language",
    "custom_greeting",
    "custom_greeting_es",
    "voice_en",
    "voice_es",
];

pub fn update(
    conn: &Connection,
    client: ClientId,
    u: &Update,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let id = client.get();
    let check = |col: &str| {
        if COLUMNS.contains(&col) {
            Ok(())
        } else {
            Err(AppError::internal(format!("column {col} is not a setting")))
        }
    };
    for (col, v) in &u.texts {
        check(col)?;
        conn.execute_cached(
            &format!("UPDATE clients SET {col} = ?2 WHERE id = ?1"),
            params![id, v],
        )?;
    }
    for (col, v) in &u.ints {
        check(col)?;
        conn.execute_cached(
            &format!("UPDATE clients SET {col} = ?2 WHERE id = ?1"),
            params![id, v],
        )?;
    }
    for (col, v) in &u.flags {
        check(col)?;
        conn.execute_cached(
            &format!("UPDATE clients SET {col} = ?2 WHERE id = ?1"),
            params![id, v],
        )?;
    }
    if let Some(h) = &u.hours_json {
        conn.execute_cached(
            "UPDATE clients SET business_hours = ?2 WHERE id = ?1",
            params![id, h],
        )?;
    }
    let ts = to_db(now);
    if let Some(list) = &u.closures {
        conn.execute_cached("DELETE FROM closures WHERE client_id = ?1", [id])?;
        for c in list {
            conn.execute_cached(
                "INSERT INTO closures (client_id, from_date, to_date, start_time, end_time, reason, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, c.from.to_string(), c.to.to_string(), c.start_time, c.end_time, c.reason, ts],
            )?;
        }
    }
    if let Some(list) = &u.services {
        conn.execute_cached("DELETE FROM services WHERE client_id = ?1", [id])?;
        for (i, s) in list.iter().enumerate() {
            conn.execute_cached(
                "INSERT INTO services (client_id, name, name_es, description, price_cents, duration_minutes, position, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![id, s.name, s.name_es, s.description, s.price_cents, s.duration_minutes, i as i64, ts],
            )?;
        }
    }
    if let Some(list) = &u.faq {
        conn.execute_cached("DELETE FROM faq_entries WHERE client_id = ?1", [id])?;
        for (i, f) in list.iter().enumerate() {
            conn.execute_cached(
                "INSERT INTO faq_entries (client_id, language, question, answer, position, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![id, f.language, f.question, f.answer, i as i64, ts],
            )?;
        }
    }
    conn.execute_cached(
        "UPDATE clients SET updated_at = ?2 WHERE id = ?1",
        params![id, ts],
    )?;
    Ok(())
}

/// The AI receptionist switch (`rachel_enabled`), as the owner sets it.
pub fn set_ai_enabled(
    conn: &Connection,
    client: ClientId,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE clients SET rachel_enabled = ?2, updated_at = ?3 WHERE id = ?1",
        params![client.get(), on, to_db(now)],
    )?;
    Ok(())
}

/// The calendar feed token: set a new one (returned) or revoke with `None`.
pub fn set_ics_token(
    conn: &Connection,
    client: ClientId,
    token: Option<&str>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE clients SET ics_token = ?2 WHERE id = ?1",
        params![client.get(), token],
    )?;
    Ok(())
}

pub fn ics_token(conn: &Connection, client: ClientId) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT ics_token FROM clients WHERE id = ?1",
            [client.get()],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// The tenant a calendar feed token belongs to.
pub fn client_by_ics_token(conn: &Connection, token: &str) -> Result<Option<ClientId>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id FROM clients WHERE ics_token = ?1 AND active = 1",
            [token],
            |r| r.get(0),
        )
        .optional()?
        .map(ClientId::from_trusted))
}
