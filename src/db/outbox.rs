//! SQL for the outbox: outbound email and SMS written in the same transaction as
//! the change that causes them, delivered later by a worker with retries. The
//! idempotency key makes queueing the same message twice a no-op.

use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
        }
    }
}

pub struct NewItem<'a> {
    pub client_id: Option<ClientId>,
    pub channel: Channel,
    pub recipient: &'a str,
    pub subject: Option<&'a str>,
    pub body: &'a str,
    pub html_body: Option<&'a str>,
    pub idempotency_key: &'a str,
}

/// Queues a message; returns false when one with the same key was already queued.
pub fn enqueue(
    conn: &Connection,
    item: &NewItem<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let ts = to_db(now);
    let n = conn.execute(
        "INSERT INTO outbox (client_id, channel, recipient, subject, body, html_body, idempotency_key,
             next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (idempotency_key) DO NOTHING",
        params![
            item.client_id.map(ClientId::get),
            item.channel.as_str(),
            item.recipient,
            item.subject,
            item.body,
            item.html_body,
            item.idempotency_key,
            ts
        ],
    )?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub id: i64,
    pub client_id: Option<i64>,
    pub channel: String,
    pub recipient: String,
    pub subject: Option<String>,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
}

/// The newest items first, for the operator and for tests.
pub fn recent(conn: &Connection, limit: i64) -> Result<Vec<Item>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT id, client_id, channel, recipient, subject, body, status, attempts, created_at
         FROM outbox ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Item {
            id: r.get(0)?,
            client_id: r.get(1)?,
            channel: r.get(2)?,
            recipient: r.get(3)?,
            subject: r.get(4)?,
            body: r.get(5)?,
            status: r.get(6)?,
            attempts: r.get(7)?,
            created_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
