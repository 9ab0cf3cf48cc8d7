//! SQL for the dashboard summaries: recent calls and messages and the counts
//! the owner sees at a glance, all for one tenant.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentCall {
    pub id: i64,
    pub from_number: String,
    pub caller_name: Option<String>,
    pub status: String,
    pub duration: Option<i64>,
    pub outcome: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentMessage {
    pub id: i64,
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    pub status: String,
    pub created_at: String,
}

pub fn recent_calls(
    conn: &Connection,
    client: ClientId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<RecentCall>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.from_number, coalesce(c.caller_name, nullif(trim(k.first_name || ' ' || k.last_name), '')),
                c.status, c.duration, c.outcome, c.created_at
         FROM calls c LEFT JOIN contacts k ON k.id = c.contact_id
         WHERE c.client_id = ?1 AND c.created_at >= ?2 AND c.is_test = 0 ORDER BY c.created_at DESC, c.id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![client.get(), to_db(since), limit], |r| {
        Ok(RecentCall {
            id: r.get(0)?,
            from_number: r.get(1)?,
            caller_name: r.get(2)?,
            status: r.get(3)?,
            duration: r.get(4)?,
            outcome: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn recent_messages(
    conn: &Connection,
    client: ClientId,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<RecentMessage>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, direction, from_number, to_number, body, status, created_at FROM messages
         WHERE client_id = ?1 AND created_at >= ?2 ORDER BY created_at DESC, id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![client.get(), to_db(since), limit], |r| {
        Ok(RecentMessage {
            id: r.get(0)?,
            direction: r.get(1)?,
            from_number: r.get(2)?,
            to_number: r.get(3)?,
            body: r.get(4)?,
            status: r.get(5)?,
            created_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub contacts: i64,
    pub appointments_today: i64,
    pub upcoming_appointments: i64,
    pub calls_24h: i64,
    pub messages_24h: i64,
    pub reschedule_requests: i64,
}

pub fn counts(
    conn: &Connection,
    client: ClientId,
    today: NaiveDate,
    until: NaiveDate,
    since: DateTime<Utc>,
) -> Result<Counts, AppError> {
    let id = client.get();
    Ok(conn.query_row_cached(
        "SELECT
            (SELECT contact_count FROM clients WHERE id = ?1),
            (SELECT count(*) FROM appointments WHERE client_id = ?1 AND appointment_date = ?2 AND status IN ('confirmed','pending')),
            (SELECT count(*) FROM appointments WHERE client_id = ?1 AND appointment_date BETWEEN ?2 AND ?3 AND status IN ('confirmed','pending')),
            (SELECT count(*) FROM calls WHERE client_id = ?1 AND created_at >= ?4 AND is_test = 0),
            (SELECT count(*) FROM messages WHERE client_id = ?1 AND created_at >= ?4),
            (SELECT count(*) FROM appointments WHERE client_id = ?1 AND reschedule_requested = 1 AND status IN ('confirmed','pending'))",
        params![id, today.to_string(), until.to_string(), to_db(since)],
        |r| Ok(Counts { contacts: r.get(0)?, appointments_today: r.get(1)?, upcoming_appointments: r.get(2)?, calls_24h: r.get(3)?, messages_24h: r.get(4)?, reschedule_requests: r.get(5)? }),
    )?)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credits {
    pub balance_cents: i64,
    pub free_minutes_used: i64,
    pub monthly_free_minutes: i64,
    pub total_minutes_used: i64,
}

pub fn credits(conn: &Connection, client: ClientId) -> Result<Credits, AppError> {
    Ok(conn.query_row_cached(
        "SELECT a.balance_cents, a.free_minutes_used, c.monthly_free_minutes, a.total_minutes_used
         FROM clients c JOIN credit_accounts a ON a.client_id = c.id WHERE c.id = ?1",
        [client.get()],
        |r| {
            Ok(Credits {
                balance_cents: r.get(0)?,
                free_minutes_used: r.get(1)?,
                monthly_free_minutes: r.get(2)?,
                total_minutes_used: r.get(3)?,
            })
        },
    )?)
}
