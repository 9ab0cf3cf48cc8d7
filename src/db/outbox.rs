//! SQL for the outbox: outbound email and SMS written in the same transaction as
//! the change that causes them, delivered later by a worker with retries. The
//! idempotency key makes queueing the same message twice a no-op.

use super::CachedSql;
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
    let n = conn.execute_cached(
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
    let mut stmt = conn.prepare_cached(
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

/// An SMS item the worker took for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedSms {
    pub id: i64,
    pub client_id: Option<i64>,
    pub message_id: Option<i64>,
    /// The business's number (empty when it has none: the provider's default applies).
    pub from: String,
    pub to: String,
    pub body: String,
    pub idempotency_key: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// True when some SMS or email is due now (a cheap read, so an idle worker
/// does not open write transactions).
pub fn anything_due(conn: &Connection, now: DateTime<Utc>) -> Result<bool, AppError> {
    Ok(conn.query_row_cached(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?1)",
        [to_db(now)],
        |r| r.get(0),
    )?)
}

/// Holds every due item of `channel` with a reason the dashboard can show
/// (e.g. Twilio is not configured); nothing is dropped. Returns how many.
pub fn hold_due(
    conn: &Connection,
    channel: Channel,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let ts = to_db(now);
    let n = conn.execute_cached(
        "UPDATE outbox SET status = 'held', last_error = ?2
         WHERE channel = ?1 AND status IN ('pending', 'sending') AND next_attempt_at <= ?3",
        params![channel.as_str(), reason, ts],
    )?;
    if channel == Channel::Sms && n > 0 {
        conn.execute_cached(
            "UPDATE messages SET error_message = ?1, updated_at = ?2
             WHERE id IN (SELECT message_id FROM outbox WHERE channel = 'sms' AND status = 'held'
                            AND last_error = ?3 AND message_id IS NOT NULL)
               AND status = 'queued'",
            params![format!("Held: {reason}"), ts, reason],
        )?;
    }
    Ok(n)
}

/// Puts items held for `reason` back in the queue (the service is configured now).
pub fn release_held(
    conn: &Connection,
    channel: Channel,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE messages SET error_message = NULL, updated_at = ?2
         WHERE id IN (SELECT message_id FROM outbox WHERE channel = ?1 AND status = 'held'
                        AND last_error = ?3 AND message_id IS NOT NULL)
           AND status = 'queued'",
        params![channel.as_str(), ts, reason],
    )?;
    Ok(conn.execute_cached(
        "UPDATE outbox SET status = 'pending', last_error = NULL, next_attempt_at = ?2
         WHERE channel = ?1 AND status = 'held' AND last_error = ?3",
        params![channel.as_str(), ts, reason],
    )?)
}

/// What a claim took, and how many due items it failed on the spot.
#[derive(Debug, Default)]
pub struct Claim {
    pub items: Vec<ClaimedSms>,
    pub failed: usize,
}

/// Takes up to `limit` due SMS items: `pending` ones whose time has come, and
/// `sending` ones whose lease ran out (a crash between sending and recording).
/// Each becomes `sending` with one more attempt and a lease of `lease` from now.
/// Items that already used `max_attempts` fail instead, and so do items whose
/// recipient has opted out since they were queued.
pub fn claim_due_sms(
    conn: &Connection,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    max_attempts: i64,
    limit: i64,
) -> Result<Claim, AppError> {
    let ts = to_db(now);
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.client_id, o.message_id,
                coalesce(nullif(m.from_number, ''), cl.ringlypro_number, ''),
                o.recipient, o.body, o.idempotency_key, o.attempts
         FROM outbox o
         LEFT JOIN messages m ON m.id = o.message_id
         LEFT JOIN clients cl ON cl.id = o.client_id
         WHERE o.channel = 'sms' AND o.status IN ('pending', 'sending') AND o.next_attempt_at <= ?1
         ORDER BY o.next_attempt_at, o.id LIMIT ?2",
    )?;
    let due = stmt
        .query_map(params![ts, limit], |r| {
            Ok(ClaimedSms {
                id: r.get(0)?,
                client_id: r.get(1)?,
                message_id: r.get(2)?,
                from: r.get(3)?,
                to: r.get(4)?,
                body: r.get(5)?,
                idempotency_key: r.get(6)?,
                attempts: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let lease_until = to_db(now + lease);
    let mut claim = Claim::default();
    for mut item in due {
        if let Some(client) = item.client_id.map(ClientId::from_trusted)
            && crate::db::messages::is_opted_out(conn, client, &item.to)?
        {
            // They replied STOP after this was queued: it is never sent.
            mark_failed(
                conn,
                &item,
                None,
                "not sent: the recipient replied STOP",
                now,
            )?;
            claim.failed += 1;
            continue;
        }
        if item.attempts >= max_attempts {
            mark_failed(
                conn,
                &item,
                None,
                &format!("gave up after {} attempts", item.attempts),
                now,
            )?;
            claim.failed += 1;
            continue;
        }
        conn.execute_cached(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?2
             WHERE id = ?1",
            params![item.id, lease_until],
        )?;
        item.attempts += 1;
        claim.items.push(item);
    }
    Ok(claim)
}

/// Records a delivery the provider accepted: the outbox item is done and the
/// message carries the provider's sid (so status callbacks find it).
pub fn mark_sent(
    conn: &Connection,
    item: &ClaimedSms,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE outbox SET status = 'sent', provider_id = ?2, last_error = NULL, sent_at = ?3
         WHERE id = ?1",
        params![item.id, provider_id, ts],
    )?;
    if let Some(mid) = item.message_id {
        conn.execute_cached(
            "UPDATE messages SET twilio_sid = ?2,
                 status = CASE WHEN status IN ('queued', 'failed') THEN 'sent' ELSE status END,
                 error_code = NULL, error_message = NULL,
                 sent_at = coalesce(sent_at, ?3), updated_at = ?3
             WHERE id = ?1",
            params![mid, provider_id, ts],
        )?;
    }
    Ok(())
}

/// Puts an item back in the queue for another attempt at `next_at`.
pub fn mark_retry(
    conn: &Connection,
    item: &ClaimedSms,
    error: &str,
    next_at: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE outbox SET status = 'pending', last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
        params![item.id, error, to_db(next_at)],
    )?;
    Ok(())
}

/// Gives up on an item; its message shows as failed with the reason.
pub fn mark_failed(
    conn: &Connection,
    item: &ClaimedSms,
    code: Option<&str>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1",
        params![item.id, error],
    )?;
    if let Some(mid) = item.message_id {
        conn.execute_cached(
            "UPDATE messages SET status = 'failed', error_code = ?2, error_message = ?3, updated_at = ?4
             WHERE id = ?1 AND status = 'queued'",
            params![mid, code, error, ts],
        )?;
    }
    Ok(())
}

/// Why items queued by a dashboard test call stay unsent.
pub const TEST_CALL_HELD: &str = "Not sent: this came from a test call";

/// The newest outbox id (0 when empty): marks where a transaction's own items begin.
pub fn last_id(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.query_row_cached("SELECT coalesce(max(id), 0) FROM outbox", [], |r| r.get(0))?)
}

/// Holds for good what a test call of `client` queued after `mark` (confirmation
/// texts, voicemail alerts), so nobody is texted or emailed; the items and their
/// messages stay visible with the reason. Returns how many were held.
pub fn hold_test_items(
    conn: &Connection,
    client: ClientId,
    mark: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE messages SET status = 'canceled', error_message = ?3, updated_at = ?4
         WHERE client_id = ?1 AND id IN (SELECT message_id FROM outbox
                                          WHERE client_id = ?1 AND id > ?2 AND message_id IS NOT NULL)",
        params![client.get(), mark, TEST_CALL_HELD, ts],
    )?;
    Ok(conn.execute_cached(
        "UPDATE outbox SET status = 'held', last_error = ?3 WHERE client_id = ?1 AND id > ?2",
        params![client.get(), mark, TEST_CALL_HELD],
    )?)
}

/// An email item the worker took for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub client_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub html_body: Option<String>,
    pub idempotency_key: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// Takes up to `limit` due email items, like [`claim_due_sms`]: each becomes
/// `sending` with one more attempt and a lease; items out of attempts fail.
pub fn claim_due_email(
    conn: &Connection,
    now: DateTime<Utc>,
    lease: chrono::Duration,
    max_attempts: i64,
    limit: i64,
) -> Result<(Vec<ClaimedEmail>, usize), AppError> {
    let ts = to_db(now);
    let mut stmt = conn.prepare_cached(
        "SELECT id, client_id, recipient, coalesce(subject, ''), body, html_body, idempotency_key, attempts
         FROM outbox
         WHERE channel = 'email' AND status IN ('pending', 'sending') AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let due = stmt
        .query_map(params![ts, limit], |r| {
            Ok(ClaimedEmail {
                id: r.get(0)?,
                client_id: r.get(1)?,
                recipient: r.get(2)?,
                subject: r.get(3)?,
                body: r.get(4)?,
                html_body: r.get(5)?,
                idempotency_key: r.get(6)?,
                attempts: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let lease_until = to_db(now + lease);
    let mut items = Vec::new();
    let mut failed = 0;
    for mut item in due {
        if item.attempts >= max_attempts {
            mark_email_failed(
                conn,
                item.id,
                &format!("gave up after {} attempts", item.attempts),
            )?;
            failed += 1;
            continue;
        }
        conn.execute_cached(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = ?2 WHERE id = ?1",
            params![item.id, lease_until],
        )?;
        item.attempts += 1;
        items.push(item);
    }
    Ok((items, failed))
}

pub fn mark_email_sent(
    conn: &Connection,
    id: i64,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE outbox SET status = 'sent', provider_id = ?2, last_error = NULL, sent_at = ?3 WHERE id = ?1",
        params![id, provider_id, to_db(now)],
    )?;
    Ok(())
}

pub fn mark_email_retry(
    conn: &Connection,
    id: i64,
    error: &str,
    next_at: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE outbox SET status = 'pending', last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
        params![id, error, to_db(next_at)],
    )?;
    Ok(())
}

pub fn mark_email_failed(conn: &Connection, id: i64, error: &str) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE outbox SET status = 'failed', last_error = ?2 WHERE id = ?1",
        params![id, error],
    )?;
    Ok(())
}
