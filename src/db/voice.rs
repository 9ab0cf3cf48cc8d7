//! SQL for voice calls in progress: the conversation state of each call
//! (`call_sessions`, keyed by CallSid, with the last request and answer for
//! Twilio retries), the call row, the turn-by-turn transcript, voicemails, and
//! the tenant facts the receptionist needs.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

pub struct Stored {
    pub state: String,
    pub turn: i64,
    pub last_request: Option<String>,
    pub last_response: Option<String>,
}

pub fn load_session(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
) -> Result<Option<Stored>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT state, turn, last_request, last_response FROM call_sessions WHERE call_sid = ?1 AND client_id = ?2",
            params![call_sid, client.get()],
            |r| Ok(Stored { state: r.get(0)?, turn: r.get(1)?, last_request: r.get(2)?, last_response: r.get(3)? }),
        )
        .optional()?)
}

/// True when the CallSid is already in use by another tenant (a forged or confused request).
pub fn sid_taken_elsewhere(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
) -> Result<bool, AppError> {
    let other: Option<i64> = conn
        .query_row_cached(
            "SELECT client_id FROM call_sessions WHERE call_sid = ?1",
            [call_sid],
            |r| r.get(0),
        )
        .optional()?;
    Ok(other.is_some_and(|c| c != client.get()))
}

/// One save of a call's conversation state with the request it answered.
#[derive(Clone, Copy)]
pub struct SessionWrite<'a> {
    pub call_sid: &'a str,
    pub state: &'a str,
    pub turn: i64,
    pub request: &'a str,
    pub response: &'a str,
}

pub fn save_session(
    conn: &Connection,
    client: ClientId,
    w: &SessionWrite<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let SessionWrite {
        call_sid,
        state,
        turn,
        request,
        response,
    } = *w;
    let ts = to_db(now);
    conn.execute_cached(
        "INSERT INTO call_sessions (call_sid, client_id, state, turn, last_request, last_response, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (call_sid) DO UPDATE SET state = ?3, turn = ?4, last_request = ?5, last_response = ?6, updated_at = ?7
         WHERE call_sessions.client_id = ?2",
        params![call_sid, client.get(), state, turn, request, response, ts],
    )?;
    Ok(())
}

/// The call row of a call the receptionist answers (created once per CallSid).
/// A call the receptionist answers.
#[derive(Clone, Copy)]
pub struct NewCall<'a> {
    pub call_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub contact_id: Option<i64>,
    pub is_test: bool,
}

pub fn ensure_call(
    conn: &Connection,
    client: ClientId,
    c: &NewCall<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let NewCall {
        call_sid,
        from,
        to,
        contact_id,
        is_test,
    } = *c;
    let ts = to_db(now);
    conn.execute_cached(
        "INSERT INTO calls (client_id, contact_id, twilio_call_sid, direction, from_number, to_number, status, is_test,
             start_time, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'inbound', ?4, ?5, 'in-progress', ?6, ?7, ?7, ?7)
         ON CONFLICT (twilio_call_sid) DO NOTHING",
        params![client.get(), contact_id, call_sid, from, to, is_test, ts],
    )?;
    conn.query_row_cached(
        "SELECT id FROM calls WHERE twilio_call_sid = ?1 AND client_id = ?2",
        params![call_sid, client.get()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| AppError::Forbidden("that call belongs to another business".into()))
}

pub struct TurnRow<'a> {
    pub call_id: i64,
    pub seq: i64,
    pub state: &'a str,
    pub caller_text: Option<&'a str>,
    pub digits: Option<&'a str>,
    pub confidence: Option<f64>,
    pub reply: &'a str,
    pub server_ms: f64,
}

pub fn add_turn(
    conn: &Connection,
    client: ClientId,
    t: &TurnRow<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO call_turns (client_id, call_id, seq, state, caller_text, digits, confidence, reply_text, server_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (call_id, seq) DO NOTHING",
        params![client.get(), t.call_id, t.seq, t.state, t.caller_text, t.digits, t.confidence, t.reply, t.server_ms, to_db(now)],
    )?;
    Ok(())
}

pub fn set_call_language_and_outcome(
    conn: &Connection,
    client: ClientId,
    call_id: i64,
    language: Option<&str>,
    outcome: Option<&str>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE calls SET language = coalesce(?3, language), outcome = coalesce(?4, outcome) WHERE id = ?1 AND client_id = ?2",
        params![call_id, client.get(), language, outcome],
    )?;
    Ok(())
}

/// Stores a voicemail recording (and later its transcription) on the call.
pub fn set_recording(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
    url: Option<&str>,
    sid: Option<&str>,
    duration: Option<i64>,
    transcription: Option<&str>,
) -> Result<bool, AppError> {
    let n = conn.execute_cached(
        "UPDATE calls SET recording_url = coalesce(?3, recording_url), recording_sid = coalesce(?4, recording_sid),
             recording_duration = coalesce(?5, recording_duration),
             voicemail_transcription = coalesce(?6, voicemail_transcription), outcome = 'voicemail'
         WHERE twilio_call_sid = ?1 AND client_id = ?2",
        params![call_sid, client.get(), url, sid, duration, transcription],
    )?;
    Ok(n > 0)
}

/// The contact's name and language for a caller number, when known.
pub fn caller(
    conn: &Connection,
    client: ClientId,
    phone: &str,
) -> Result<Option<(i64, String, Option<String>)>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id, trim(first_name || ' ' || last_name), language FROM contacts WHERE client_id = ?1 AND phone = ?2",
            params![client.get(), phone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

pub fn set_contact_language(
    conn: &Connection,
    client: ClientId,
    contact: i64,
    lang: &str,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE contacts SET language = ?3 WHERE id = ?1 AND client_id = ?2",
        params![contact, client.get(), lang],
    )?;
    Ok(())
}

/// Whether the receptionist may answer: switched on by the owner and not
/// paused by billing (the billing module sets `ai_paused_by_billing`).
pub fn ai_enabled(conn: &Connection, client: ClientId) -> Result<bool, AppError> {
    Ok(conn.query_row_cached(
        "SELECT rachel_enabled = 1 AND ai_paused_by_billing = 0 AND active = 1 FROM clients WHERE id = ?1",
        [client.get()],
        |r| r.get(0),
    )?)
}

/// Ends a dashboard test call: completed, with its length. Test calls never
/// reach billing (no Twilio status callback exists for them).
pub fn end_test_call(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let start: Option<String> = conn
        .query_row_cached(
            "SELECT start_time FROM calls WHERE twilio_call_sid = ?1 AND client_id = ?2 AND is_test = 1",
            params![call_sid, client.get()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let duration = start
        .as_deref()
        .and_then(crate::clock::from_db)
        .map(|s| (now - s).num_seconds().max(0));
    conn.execute_cached(
        "UPDATE calls SET status = 'completed', end_time = ?3, duration = coalesce(?4, duration), updated_at = ?3
         WHERE twilio_call_sid = ?1 AND client_id = ?2 AND is_test = 1 AND status = 'in-progress'",
        params![call_sid, client.get(), to_db(now), duration],
    )?;
    Ok(())
}

/// The id of a test call of this tenant (None for real calls and other tenants' calls).
pub fn test_call_id(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
) -> Result<Option<i64>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id FROM calls WHERE twilio_call_sid = ?1 AND client_id = ?2 AND is_test = 1",
            params![call_sid, client.get()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Appointments a call booked or moved: (id, local date, local time, code).
pub fn appointments_of_call(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
) -> Result<Vec<(i64, String, String, String)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, appointment_date, appointment_time, confirmation_code FROM appointments
         WHERE client_id = ?1 AND call_sid = ?2 AND status IN ('confirmed', 'pending') ORDER BY id",
    )?;
    let rows = stmt.query_map(params![client.get(), call_sid], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
