//! SQL for appointments and their status history. The business rules (is the
//! slot bookable, which SMS to send) live in `crate::booking`.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::{AppError, is_unique_violation};
use crate::scheduling::Booked;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub id: i64,
    pub client_id: i64,
    pub contact_id: Option<i64>,
    pub customer_name: String,
    pub customer_phone: String,
    pub customer_email: Option<String>,
    pub appointment_date: String,
    pub appointment_time: String,
    pub timezone: String,
    pub starts_at: String,
    pub duration: i64,
    pub purpose: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub confirmation_code: String,
    pub source: String,
    pub language: String,
    pub reminder_sent: bool,
    pub confirmation_sent: bool,
    pub reschedule_requested: bool,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, client_id, contact_id, customer_name, customer_phone, customer_email, appointment_date,
    appointment_time, timezone, starts_at, duration, purpose, notes, status, confirmation_code, source, language,
    reminder_sent, confirmation_sent, reschedule_requested, cancel_reason, cancelled_at, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Appointment> {
    Ok(Appointment {
        id: r.get(0)?,
        client_id: r.get(1)?,
        contact_id: r.get(2)?,
        customer_name: r.get(3)?,
        customer_phone: r.get(4)?,
        customer_email: r.get(5)?,
        appointment_date: r.get(6)?,
        appointment_time: r.get(7)?,
        timezone: r.get(8)?,
        starts_at: r.get(9)?,
        duration: r.get(10)?,
        purpose: r.get(11)?,
        notes: r.get(12)?,
        status: r.get(13)?,
        confirmation_code: r.get(14)?,
        source: r.get(15)?,
        language: r.get(16)?,
        reminder_sent: r.get::<_, i64>(17)? != 0,
        confirmation_sent: r.get(18)?,
        reschedule_requested: r.get(19)?,
        cancel_reason: r.get(20)?,
        cancelled_at: r.get(21)?,
        created_at: r.get(22)?,
        updated_at: r.get(23)?,
    })
}

pub const ACTIVE: &str = "('confirmed', 'pending')";

#[derive(Default)]
pub struct Filter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<String>,
    pub contact_id: Option<i64>,
    pub page: i64,
    pub limit: i64,
}

pub fn list(
    conn: &Connection,
    client: ClientId,
    f: &Filter,
) -> Result<(Vec<Appointment>, i64), AppError> {
    use rusqlite::types::Value as V;
    let mut conds = vec!["client_id = ?1".to_string()];
    let mut vals: Vec<V> = vec![V::Integer(client.get())];
    if let Some(d) = f.from {
        vals.push(V::Text(d.to_string()));
        conds.push(format!("appointment_date >= ?{}", vals.len()));
    }
    if let Some(d) = f.to {
        vals.push(V::Text(d.to_string()));
        conds.push(format!("appointment_date <= ?{}", vals.len()));
    }
    if let Some(s) = &f.status {
        vals.push(V::Text(s.clone()));
        conds.push(format!("status = ?{}", vals.len()));
    }
    if let Some(c) = f.contact_id {
        vals.push(V::Integer(c));
        conds.push(format!("contact_id = ?{}", vals.len()));
    }
    let wher = conds.join(" AND ");
    let total: i64 = conn.query_row_cached(
        &format!("SELECT count(*) FROM appointments WHERE {wher}"),
        params_from_iter(vals.iter()),
        |r| r.get(0),
    )?;
    let n = vals.len();
    vals.push(V::Integer(f.limit));
    vals.push(V::Integer((f.page - 1).max(0) * f.limit));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM appointments WHERE {wher} ORDER BY appointment_date, appointment_time, id LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let rows = stmt.query_map(params_from_iter(vals.iter()), from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

pub fn get(conn: &Connection, client: ClientId, id: i64) -> Result<Option<Appointment>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {COLUMNS} FROM appointments WHERE client_id = ?1 AND id = ?2"),
            params![client.get(), id],
            from_row,
        )
        .optional()?)
}

pub fn get_by_code(
    conn: &Connection,
    client: ClientId,
    code: &str,
) -> Result<Option<Appointment>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!(
                "SELECT {COLUMNS} FROM appointments WHERE client_id = ?1 AND confirmation_code = ?2"
            ),
            params![client.get(), code],
            from_row,
        )
        .optional()?)
}

/// Active appointments on local dates `from..=to`, as the engine sees them.
pub fn booked(
    conn: &Connection,
    client: ClientId,
    from: NaiveDate,
    to: NaiveDate,
    except: Option<i64>,
) -> Result<Vec<Booked>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT appointment_date, appointment_time, duration FROM appointments
         WHERE client_id = ?1 AND appointment_date BETWEEN ?2 AND ?3 AND status IN {ACTIVE} AND id IS NOT ?4"
    ))?;
    let rows = stmt.query_map(
        params![client.get(), from.to_string(), to.to_string(), except],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        },
    )?;
    let mut out = vec![];
    for row in rows {
        let (d, t, dur) = row?;
        if let (Ok(date), Ok(time)) = (
            d.parse::<NaiveDate>(),
            NaiveTime::parse_from_str(&t, "%H:%M"),
        ) {
            out.push(Booked {
                date,
                time,
                duration_min: u32::try_from(dur.max(1)).unwrap_or(30),
            });
        }
    }
    Ok(out)
}

/// Active appointments of one day (local date) in time order.
pub fn on_date(
    conn: &Connection,
    client: ClientId,
    date: NaiveDate,
) -> Result<Vec<Appointment>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM appointments WHERE client_id = ?1 AND appointment_date = ?2 AND status IN {ACTIVE}
         ORDER BY appointment_time, id"
    ))?;
    let rows = stmt.query_map(params![client.get(), date.to_string()], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Upcoming active appointments of a phone number (caller ID lookups), soonest first.
pub fn upcoming_for_phone(
    conn: &Connection,
    client: ClientId,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Appointment>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM appointments WHERE client_id = ?1 AND customer_phone = ?2 AND status IN {ACTIVE}
         AND starts_at >= ?3 ORDER BY starts_at LIMIT 10"
    ))?;
    let rows = stmt.query_map(params![client.get(), phone, to_db(now)], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct NewAppointment<'a> {
    pub contact_id: Option<i64>,
    pub customer_name: &'a str,
    pub customer_phone: &'a str,
    pub customer_email: Option<&'a str>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub timezone: &'a str,
    pub starts_at: DateTime<Utc>,
    pub duration: i64,
    pub purpose: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub code: &'a str,
    pub source: &'a str,
    pub language: &'a str,
    pub call_sid: Option<&'a str>,
}

/// What stopped an insert.
pub enum InsertError {
    /// Another active booking holds this exact slot.
    SlotTaken,
    /// The confirmation code is in use; pick another.
    CodeTaken,
    Other(AppError),
}

pub fn insert(
    conn: &Connection,
    client: ClientId,
    a: &NewAppointment<'_>,
    now: DateTime<Utc>,
) -> Result<i64, InsertError> {
    let ts = to_db(now);
    let res = conn.execute_cached(
        "INSERT INTO appointments (client_id, contact_id, customer_name, customer_phone, customer_email, appointment_date,
             appointment_time, timezone, starts_at, duration, purpose, notes, status, confirmation_code, source, language,
             call_sid, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'confirmed', ?13, ?14, ?15, ?16, ?17, ?17)",
        params![
            client.get(),
            a.contact_id,
            a.customer_name,
            a.customer_phone,
            a.customer_email,
            a.date.to_string(),
            a.time.format("%H:%M").to_string(),
            a.timezone,
            to_db(a.starts_at),
            a.duration,
            a.purpose,
            a.notes,
            a.code,
            a.source,
            a.language,
            a.call_sid,
            ts
        ],
    );
    match res {
        Ok(_) => Ok(conn.last_insert_rowid()),
        Err(e) if is_unique_violation(&e) => {
            if e.to_string().contains("confirmation_code") {
                Err(InsertError::CodeTaken)
            } else {
                Err(InsertError::SlotTaken)
            }
        }
        Err(e) => Err(InsertError::Other(e.into())),
    }
}

pub fn code_exists(conn: &Connection, client: ClientId, code: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT 1 FROM appointments WHERE client_id = ?1 AND confirmation_code = ?2",
            params![client.get(), code],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Where an appointment sits: local date and time, the instant, the length.
#[derive(Clone, Copy)]
pub struct Placement {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub starts_at: DateTime<Utc>,
    pub duration: i64,
}

/// Moves an appointment; `Ok(false)` when another active booking holds the slot.
pub fn move_to(
    conn: &Connection,
    client: ClientId,
    id: i64,
    p: &Placement,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Placement {
        date,
        time,
        starts_at,
        duration,
    } = *p;
    let res = conn.execute_cached(
        "UPDATE appointments SET appointment_date = ?3, appointment_time = ?4, starts_at = ?5, duration = ?6,
             reminder_sent = 0, reschedule_requested = 0, updated_at = ?7
         WHERE client_id = ?1 AND id = ?2",
        params![client.get(), id, date.to_string(), time.format("%H:%M").to_string(), to_db(starts_at), duration, to_db(now)],
    );
    match res {
        Ok(0) => Err(AppError::not_found("appointment")),
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn set_status(
    conn: &Connection,
    client: ClientId,
    id: i64,
    status: &str,
    cancel_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let cancelled_at = (status == "cancelled").then(|| to_db(now));
    let res = conn.execute_cached(
        "UPDATE appointments SET status = ?3, cancel_reason = coalesce(?4, cancel_reason),
             cancelled_at = CASE WHEN ?3 = 'cancelled' THEN ?5 ELSE NULL END, updated_at = ?6
         WHERE client_id = ?1 AND id = ?2",
        params![
            client.get(),
            id,
            status,
            cancel_reason,
            cancelled_at,
            to_db(now)
        ],
    );
    match res {
        Ok(0) => Err(AppError::not_found("appointment")),
        Ok(_) => Ok(true),
        // Re-activating a cancelled booking whose slot was taken since.
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The fields an owner may edit in place (no date/time/status: those have their own paths).
#[derive(Default)]
pub struct Edit {
    pub customer_name: Option<String>,
    pub customer_email: Option<Option<String>>,
    pub purpose: Option<Option<String>>,
    pub notes: Option<Option<String>>,
}

pub fn edit(
    conn: &Connection,
    client: ClientId,
    id: i64,
    e: &Edit,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let n = conn.execute_cached(
        "UPDATE appointments SET
            customer_name = coalesce(?3, customer_name),
            customer_email = CASE WHEN ?4 THEN ?5 ELSE customer_email END,
            purpose = CASE WHEN ?6 THEN ?7 ELSE purpose END,
            notes = CASE WHEN ?8 THEN ?9 ELSE notes END,
            updated_at = ?10
         WHERE client_id = ?1 AND id = ?2",
        params![
            client.get(),
            id,
            e.customer_name,
            e.customer_email.is_some(),
            e.customer_email.clone().flatten(),
            e.purpose.is_some(),
            e.purpose.clone().flatten(),
            e.notes.is_some(),
            e.notes.clone().flatten(),
            to_db(now)
        ],
    )?;
    if n == 0 {
        return Err(AppError::not_found("appointment"));
    }
    Ok(())
}

pub fn mark_confirmation_sent(
    conn: &Connection,
    client: ClientId,
    id: i64,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE appointments SET confirmation_sent = 1 WHERE client_id = ?1 AND id = ?2",
        params![client.get(), id],
    )?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub fn add_history(
    conn: &Connection,
    client: ClientId,
    appointment: i64,
    from: Option<&str>,
    to: &str,
    change: &str,
    detail: Option<&str>,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO appointment_history (client_id, appointment_id, from_status, to_status, change, detail, changed_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![client.get(), appointment, from, to, change, detail, by, to_db(now)],
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub from_status: Option<String>,
    pub to_status: String,
    pub change: String,
    pub detail: Option<String>,
    pub changed_by: String,
    pub created_at: String,
}

pub fn history(
    conn: &Connection,
    client: ClientId,
    appointment: i64,
) -> Result<Vec<HistoryEntry>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT from_status, to_status, change, detail, changed_by, created_at FROM appointment_history
         WHERE client_id = ?1 AND appointment_id = ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![client.get(), appointment], |r| {
        Ok(HistoryEntry {
            from_status: r.get(0)?,
            to_status: r.get(1)?,
            change: r.get(2)?,
            detail: r.get(3)?,
            changed_by: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
