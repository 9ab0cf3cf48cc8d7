//! SQL for the appointment actions a customer can take by text: "C" confirms
//! and "R" asks to reschedule their next upcoming appointment with that
//! business. Each action leaves an `appointment_history` row (changed_by 'sms').

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// The appointment a reply from a phone number is about.
#[derive(Debug, Clone)]
pub struct UpcomingAppointment {
    pub id: i64,
    /// Business-local `YYYY-MM-DD`.
    pub date: String,
    /// Business-local `HH:MM`.
    pub time: String,
    pub status: String,
    pub language: String,
}

/// The caller's next appointment with this business that has not started yet
/// and is still on (confirmed or pending), matched by the booking's phone or by
/// the contact's.
pub fn next_upcoming(
    conn: &Connection,
    client: ClientId,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<Option<UpcomingAppointment>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id, appointment_date, appointment_time, status, language FROM appointments
             WHERE client_id = ?1 AND status IN ('confirmed', 'pending') AND starts_at >= ?3
               AND (customer_phone = ?2
                    OR contact_id IN (SELECT id FROM contacts WHERE client_id = ?1 AND phone = ?2))
             ORDER BY starts_at, id LIMIT 1",
            params![client.get(), phone, to_db(now)],
            |r| {
                Ok(UpcomingAppointment {
                    id: r.get(0)?,
                    date: r.get(1)?,
                    time: r.get(2)?,
                    status: r.get(3)?,
                    language: r.get(4)?,
                })
            },
        )
        .optional()?)
}

fn history(
    conn: &Connection,
    client: ClientId,
    appt: &UpcomingAppointment,
    to_status: &str,
    change: &str,
    detail: &str,
    now: &str,
) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO appointment_history (client_id, appointment_id, from_status, to_status, change, detail,
             changed_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sms', ?7)",
        params![client.get(), appt.id, appt.status, to_status, change, detail, now],
    )?;
    Ok(())
}

/// Marks the appointment confirmed by the customer's reply (a pending one
/// becomes confirmed). The history row is written once per appointment.
pub fn confirm_by_sms(
    conn: &Connection,
    client: ClientId,
    appt: &UpcomingAppointment,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE appointments SET status = 'confirmed', updated_at = ?3
         WHERE client_id = ?1 AND id = ?2 AND status IN ('confirmed', 'pending')",
        params![client.get(), appt.id, ts],
    )?;
    let already: bool = conn.query_row_cached(
        "SELECT count(*) > 0 FROM appointment_history
         WHERE client_id = ?1 AND appointment_id = ?2 AND change = 'confirmed_by_sms'",
        params![client.get(), appt.id],
        |r| r.get(0),
    )?;
    if !already {
        history(
            conn,
            client,
            appt,
            "confirmed",
            "confirmed_by_sms",
            "the customer replied to confirm",
            &ts,
        )?;
    }
    Ok(())
}

/// Flags the appointment for a call back about a new time, tells the owner
/// (a notification) and records it in the history.
pub fn request_reschedule(
    conn: &Connection,
    client: ClientId,
    appt: &UpcomingAppointment,
    phone: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    let n = conn.execute_cached(
        "UPDATE appointments SET reschedule_requested = 1, updated_at = ?3
         WHERE client_id = ?1 AND id = ?2 AND reschedule_requested = 0",
        params![client.get(), appt.id, ts],
    )?;
    if n == 0 {
        return Ok(());
    }
    history(
        conn,
        client,
        appt,
        &appt.status,
        "reschedule_requested",
        "the customer replied R to ask for another time",
        &ts,
    )?;
    conn.execute_cached(
        "INSERT INTO notifications (client_id, kind, title, body, created_at)
         VALUES (?1, 'reschedule_request', 'Reschedule requested', ?2, ?3)",
        params![
            client.get(),
            format!(
                "{phone} asked by text to move their appointment on {} at {}. Please call them back.",
                appt.date, appt.time
            ),
            ts
        ],
    )?;
    Ok(())
}
