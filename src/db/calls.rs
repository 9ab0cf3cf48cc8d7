//! SQL for calls and their transcripts: the status-callback upsert (one row per
//! CallSid, never moved back from a final status), the once-per-call completion
//! guard for billing, and the tenant's call history.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, types::Value};
use serde::Serialize;

/// Call statuses Twilio reports, in the order a call goes through them.
pub const STATUSES: &[&str] = &[
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "no-answer",
    "canceled",
];

pub fn is_final(status: &str) -> bool {
    matches!(
        status,
        "completed" | "busy" | "failed" | "no-answer" | "canceled"
    )
}

fn rank(status: &str) -> u8 {
    match status {
        "queued" | "initiated" => 0,
        "ringing" => 1,
        "in-progress" | "answered" => 2,
        s if is_final(s) => 3,
        _ => 0,
    }
}

/// One status callback, already checked.
pub struct StatusCallback<'a> {
    pub client_id: ClientId,
    pub call_sid: &'a str,
    pub status: &'a str,
    pub direction: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub duration_secs: Option<i64>,
    pub answered_by: Option<&'a str>,
    pub caller_name: Option<&'a str>,
    /// When Twilio says it happened (its `Timestamp`), else now.
    pub at: DateTime<Utc>,
}

/// What recording a status callback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub call_id: i64,
    pub status: String,
    pub duration_secs: i64,
    /// True exactly once per CallSid: the first time it is seen `completed`.
    pub newly_completed: bool,
}

/// Inserts or updates the call row of a status callback. Repeated and
/// out-of-order callbacks are harmless: a final status is never replaced and
/// the completion is claimed once (a `webhook_events` row keyed by the sid).
/// None when the sid belongs to another tenant (nothing is changed).
pub fn record_status(
    conn: &Connection,
    cb: &StatusCallback<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Recorded>, AppError> {
    let ts = to_db(now);
    let at = to_db(cb.at);
    let contact_id: Option<i64> = conn
        .query_row_cached(
            "SELECT id FROM contacts WHERE client_id = ?1 AND phone = ?2",
            params![
                cb.client_id.get(),
                if cb.direction.starts_with("outbound") {
                    cb.to
                } else {
                    cb.from
                }
            ],
            |r| r.get(0),
        )
        .optional()?;
    let existing: Option<(i64, i64, String)> = conn
        .query_row_cached(
            "SELECT id, client_id, status FROM calls WHERE twilio_call_sid = ?1",
            [cb.call_sid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let final_at = is_final(cb.status).then_some(at.clone());
    let call_id = match existing {
        Some((_, owner, _)) if owner != cb.client_id.get() => return Ok(None),
        Some((id, _, current)) => {
            let advance = !is_final(&current) && rank(cb.status) >= rank(&current);
            conn.execute_cached(
                "UPDATE calls SET
                     status = CASE WHEN ?2 THEN ?3 ELSE status END,
                     duration = coalesce(?4, duration),
                     answered_by = coalesce(?5, answered_by),
                     caller_name = coalesce(caller_name, ?6),
                     contact_id = coalesce(contact_id, ?7),
                     end_time = CASE WHEN ?2 THEN coalesce(?8, end_time) ELSE end_time END,
                     updated_at = ?9
                 WHERE id = ?1",
                params![
                    id,
                    advance,
                    cb.status,
                    cb.duration_secs,
                    cb.answered_by,
                    cb.caller_name,
                    contact_id,
                    final_at,
                    ts
                ],
            )?;
            id
        }
        None => {
            let start = match (final_at.is_some(), cb.duration_secs) {
                (true, Some(d)) => to_db(cb.at - chrono::Duration::seconds(d)),
                _ => at.clone(),
            };
            conn.execute_cached(
                "INSERT INTO calls (client_id, contact_id, twilio_call_sid, direction, from_number, to_number,
                     status, duration, answered_by, caller_name, start_time, end_time, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
                params![
                    cb.client_id.get(),
                    contact_id,
                    cb.call_sid,
                    cb.direction,
                    cb.from,
                    cb.to,
                    cb.status,
                    cb.duration_secs,
                    cb.answered_by,
                    cb.caller_name,
                    start,
                    final_at,
                    ts
                ],
            )?;
            conn.last_insert_rowid()
        }
    };
    let (status, duration, billed): (String, Option<i64>, bool) = conn.query_row_cached(
        "SELECT status, duration, billed FROM calls WHERE id = ?1",
        [call_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut newly_completed = false;
    if status == "completed" && !billed {
        newly_completed = conn.execute_cached(
            "INSERT INTO webhook_events (provider, event_id, event_type, client_id, received_at, processed_at)
             VALUES ('twilio', ?1, 'call.completed', ?2, ?3, ?3)
             ON CONFLICT (provider, event_id) DO NOTHING",
            params![format!("call-completed:{}", cb.call_sid), cb.client_id.get(), ts],
        )? == 1;
    }
    Ok(Some(Recorded {
        call_id,
        status,
        duration_secs: duration.unwrap_or(0),
        newly_completed,
    }))
}

/// Marks a call as handed to billing (after `billing_hook::on_call_completed`).
pub fn mark_billed(conn: &Connection, client: ClientId, call_id: i64) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE calls SET billed = 1 WHERE client_id = ?1 AND id = ?2",
        params![client.get(), call_id],
    )?;
    Ok(())
}

/// A call as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub id: i64,
    pub twilio_call_sid: String,
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub status: String,
    pub duration: Option<i64>,
    pub language: Option<String>,
    pub outcome: Option<String>,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub caller_name: Option<String>,
    pub answered_by: Option<String>,
    pub recording_url: Option<String>,
    pub recording_duration: Option<i64>,
    pub voicemail_transcription: Option<String>,
    pub is_test: bool,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub created_at: String,
}

const CALL_COLUMNS: &str =
    "k.id, k.twilio_call_sid, k.direction, k.from_number, k.to_number, k.status,
    k.duration, k.language, k.outcome, k.contact_id,
    nullif(trim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')), ''),
    k.caller_name, k.answered_by, k.recording_url, k.recording_duration, k.voicemail_transcription,
    k.is_test, k.start_time, k.end_time, k.created_at";

const CALL_FROM: &str =
    "calls k LEFT JOIN contacts c ON c.id = k.contact_id AND c.client_id = k.client_id";

fn call_from_row(r: &Row<'_>) -> rusqlite::Result<Call> {
    Ok(Call {
        id: r.get(0)?,
        twilio_call_sid: r.get(1)?,
        direction: r.get(2)?,
        from_number: r.get(3)?,
        to_number: r.get(4)?,
        status: r.get(5)?,
        duration: r.get(6)?,
        language: r.get(7)?,
        outcome: r.get(8)?,
        contact_id: r.get(9)?,
        contact_name: r.get(10)?,
        caller_name: r.get(11)?,
        answered_by: r.get(12)?,
        recording_url: r.get(13)?,
        recording_duration: r.get(14)?,
        voicemail_transcription: r.get(15)?,
        is_test: r.get(16)?,
        start_time: r.get(17)?,
        end_time: r.get(18)?,
        created_at: r.get(19)?,
    })
}

/// Filters of the call list; every one optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    /// `inbound` or `outbound` (Twilio's outbound-api/outbound-dial count as outbound).
    pub direction: Option<String>,
    /// Calls created at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Calls created before this instant.
    pub to: Option<DateTime<Utc>>,
    pub contact_id: Option<i64>,
}

/// A page of the tenant's calls, newest first, and how many match in all.
pub fn list(
    conn: &Connection,
    client: ClientId,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Call>, i64), AppError> {
    let mut cond = vec!["k.client_id = ?".to_string()];
    let mut args: Vec<Value> = vec![Value::Integer(client.get())];
    if let Some(s) = &f.status {
        cond.push("k.status = ?".into());
        args.push(Value::Text(s.clone()));
    }
    match f.direction.as_deref() {
        Some("outbound") => cond.push("k.direction LIKE 'outbound%'".into()),
        Some(d) => {
            cond.push("k.direction = ?".into());
            args.push(Value::Text(d.to_string()));
        }
        None => {}
    }
    if let Some(t) = f.from {
        cond.push("k.created_at >= ?".into());
        args.push(Value::Text(to_db(t)));
    }
    if let Some(t) = f.to {
        cond.push("k.created_at < ?".into());
        args.push(Value::Text(to_db(t)));
    }
    if let Some(c) = f.contact_id {
        cond.push("k.contact_id = ?".into());
        args.push(Value::Integer(c));
    }
    let filter = cond.join(" AND ");
    let total: i64 = conn.query_row_cached(
        &format!("SELECT count(*) FROM calls k WHERE {filter}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(Value::Integer(limit));
    args.push(Value::Integer(offset));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM {CALL_FROM} WHERE {filter}
         ORDER BY k.created_at DESC, k.id DESC LIMIT ? OFFSET ?"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), call_from_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// One turn of a call's conversation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub seq: i64,
    pub state: String,
    pub caller_text: Option<String>,
    pub digits: Option<String>,
    pub confidence: Option<f64>,
    pub reply_text: String,
    /// How long the server took to answer this turn, in milliseconds.
    pub server_ms: f64,
    pub created_at: String,
}

/// One call of the tenant, with its transcript in order. None for another
/// tenant's id (the caller answers 404, never 403).
pub fn get(
    conn: &Connection,
    client: ClientId,
    id: i64,
) -> Result<Option<(Call, Vec<Turn>)>, AppError> {
    let call = conn
        .query_row_cached(
            &format!("SELECT {CALL_COLUMNS} FROM {CALL_FROM} WHERE k.client_id = ?1 AND k.id = ?2"),
            params![client.get(), id],
            call_from_row,
        )
        .optional()?;
    let Some(call) = call else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT seq, state, caller_text, digits, confidence, reply_text, server_ms, created_at
         FROM call_turns WHERE client_id = ?1 AND call_id = ?2 ORDER BY seq",
    )?;
    let turns = stmt
        .query_map(params![client.get(), id], |r| {
            Ok(Turn {
                seq: r.get(0)?,
                state: r.get(1)?,
                caller_text: r.get(2)?,
                digits: r.get(3)?,
                confidence: r.get(4)?,
                reply_text: r.get(5)?,
                server_ms: r.get(6)?,
                created_at: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some((call, turns)))
}

/// The tenant's most recent calls for the dashboard's call log.
pub fn recent(conn: &Connection, client: ClientId, limit: i64) -> Result<Vec<Call>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CALL_COLUMNS} FROM {CALL_FROM} WHERE k.client_id = ?1
         ORDER BY k.created_at DESC, k.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![client.get(), limit], call_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tenant's timezone (IANA name), to read dates in the business's terms.
pub fn timezone_of(conn: &Connection, client: ClientId) -> Result<String, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT timezone FROM clients WHERE id = ?1",
            [client.get()],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_else(|| "America/New_York".into()))
}
