//! SQL for SMS messages and opt-outs. Outbound SMS is a `messages` row plus an
//! `outbox` row written in the same transaction; the outbox worker delivers it.
//! Inbound SMS are stored once per Twilio sid; threads group a tenant's messages
//! by the other party's number.

use super::CachedSql;
use crate::clock::to_db;
use crate::db::outbox;
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// What an outbound SMS is for (stored as `messages.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsKind {
    Manual,
    Confirmation,
    Cancellation,
    Reschedule,
    Reminder,
    AutoReply,
    Notification,
}

impl SmsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Confirmation => "confirmation",
            Self::Cancellation => "cancellation",
            Self::Reschedule => "reschedule",
            Self::Reminder => "reminder",
            Self::AutoReply => "auto_reply",
            Self::Notification => "notification",
        }
    }
}

pub struct NewSms<'a> {
    pub client_id: ClientId,
    pub to: &'a E164,
    pub body: &'a str,
    pub kind: SmsKind,
    pub contact_id: Option<i64>,
    pub appointment_id: Option<i64>,
    /// Makes queueing idempotent: the same key never queues a second message.
    pub idempotency_key: &'a str,
}

/// The outcome of asking to queue an SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// A new message row (its id) and its outbox row were written.
    New(i64),
    /// A message with this idempotency key was queued before.
    Duplicate,
    /// The recipient replied STOP to this business; nothing is sent.
    OptedOut,
}

pub fn is_opted_out(conn: &Connection, client: ClientId, phone: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT 1 FROM sms_opt_outs WHERE client_id = ?1 AND phone = ?2",
            params![client.get(), phone],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// Writes the message row and its outbox row (same transaction as the caller's
/// change). The sender is the business's own number; nobody can pick another.
pub fn queue_sms(
    conn: &Connection,
    sms: &NewSms<'_>,
    now: DateTime<Utc>,
) -> Result<Queued, AppError> {
    if is_opted_out(conn, sms.client_id, sms.to.as_str())? {
        return Ok(Queued::OptedOut);
    }
    let key = format!("sms:{}:{}", sms.client_id, sms.idempotency_key);
    let exists: Option<i64> = conn
        .query_row_cached(
            "SELECT id FROM outbox WHERE idempotency_key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Ok(Queued::Duplicate);
    }
    let from: String = conn
        .query_row_cached(
            "SELECT coalesce(ringlypro_number, '') FROM clients WHERE id = ?1",
            [sms.client_id.get()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| AppError::not_found("business"))?;
    let ts = to_db(now);
    conn.execute_cached(
        "INSERT INTO messages (client_id, contact_id, appointment_id, direction, from_number, to_number, body,
             kind, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'outbound', ?4, ?5, ?6, ?7, 'queued', ?8, ?8)",
        params![
            sms.client_id.get(),
            sms.contact_id,
            sms.appointment_id,
            from,
            sms.to.as_str(),
            sms.body,
            sms.kind.as_str(),
            ts
        ],
    )?;
    let message_id = conn.last_insert_rowid();
    outbox::enqueue(
        conn,
        &outbox::NewItem {
            client_id: Some(sms.client_id),
            channel: outbox::Channel::Sms,
            recipient: sms.to.as_str(),
            subject: None,
            body: sms.body,
            html_body: None,
            idempotency_key: &key,
        },
        now,
    )?;
    conn.execute_cached(
        "UPDATE outbox SET message_id = ?1 WHERE idempotency_key = ?2",
        params![message_id, key],
    )?;
    Ok(Queued::New(message_id))
}

/// The message id queued under a client-supplied idempotency key (for replays).
pub fn message_id_for_key(
    conn: &Connection,
    client: ClientId,
    idempotency_key: &str,
) -> Result<Option<i64>, AppError> {
    let key = format!("sms:{client}:{idempotency_key}");
    Ok(conn
        .query_row_cached(
            "SELECT message_id FROM outbox WHERE idempotency_key = ?1 AND client_id = ?2",
            params![key, client.get()],
            |r| r.get::<_, Option<i64>>(0),
        )
        .optional()?
        .flatten())
}

/// Records an opt-out; true when the number was not opted out before.
pub fn opt_out(
    conn: &Connection,
    client: ClientId,
    phone: &str,
    keyword: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let n = conn.execute_cached(
        "INSERT INTO sms_opt_outs (client_id, phone, keyword, opted_out_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (client_id, phone) DO NOTHING",
        params![client.get(), phone, keyword, to_db(now)],
    )?;
    Ok(n == 1)
}

/// Removes an opt-out; true when the number was opted out.
pub fn opt_in(conn: &Connection, client: ClientId, phone: &str) -> Result<bool, AppError> {
    let n = conn.execute_cached(
        "DELETE FROM sms_opt_outs WHERE client_id = ?1 AND phone = ?2",
        params![client.get(), phone],
    )?;
    Ok(n > 0)
}

/// The tenant's contact with this phone number: (id, display name).
pub fn contact_for_phone(
    conn: &Connection,
    client: ClientId,
    phone: &str,
) -> Result<Option<(i64, String)>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id, trim(first_name || ' ' || last_name) FROM contacts
             WHERE client_id = ?1 AND phone = ?2",
            params![client.get(), phone],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

pub struct NewInbound<'a> {
    pub client_id: ClientId,
    pub twilio_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
    pub contact_id: Option<i64>,
}

/// Stores an inbound SMS. None when a message with this Twilio sid is already
/// stored (Twilio retried the webhook): nothing new is written.
pub fn insert_inbound(
    conn: &Connection,
    m: &NewInbound<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let ts = to_db(now);
    let n = conn.execute_cached(
        "INSERT INTO messages (client_id, contact_id, twilio_sid, direction, from_number, to_number, body,
             kind, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, 'inbound', ?4, ?5, ?6, 'inbound', 'received', ?7, ?7)
         ON CONFLICT (twilio_sid) DO NOTHING",
        params![
            m.client_id.get(),
            m.contact_id,
            m.twilio_sid,
            m.from,
            m.to,
            m.body,
            ts
        ],
    )?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

fn reply_key(client: ClientId, inbound_sid: &str) -> String {
    format!("sms:{client}:reply:{inbound_sid}")
}

pub struct Reply<'a> {
    pub client_id: ClientId,
    /// The Twilio sid of the inbound message answered.
    pub inbound_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
    pub contact_id: Option<i64>,
}

/// Records the automatic reply given in TwiML to an inbound message (Twilio
/// sends it; we keep it in the thread). Its outbox row is already `sent` and
/// only serves as the record that this inbound message was answered, and how.
pub fn record_reply(conn: &Connection, r: &Reply<'_>, now: DateTime<Utc>) -> Result<(), AppError> {
    let Reply {
        client_id: client,
        inbound_sid,
        from,
        to,
        body,
        contact_id,
    } = *r;
    let ts = to_db(now);
    conn.execute_cached(
        "INSERT INTO messages (client_id, contact_id, direction, from_number, to_number, body,
             kind, status, sent_at, created_at, updated_at)
         VALUES (?1, ?2, 'outbound', ?3, ?4, ?5, 'auto_reply', 'sent', ?6, ?6, ?6)",
        params![client.get(), contact_id, from, to, body, ts],
    )?;
    let message_id = conn.last_insert_rowid();
    conn.execute_cached(
        "INSERT INTO outbox (client_id, channel, recipient, body, message_id, idempotency_key, status,
             attempts, next_attempt_at, provider_id, created_at, sent_at)
         VALUES (?1, 'sms', ?2, ?3, ?4, ?5, 'sent', 1, ?6, 'twiml', ?6, ?6)
         ON CONFLICT (idempotency_key) DO NOTHING",
        params![
            client.get(),
            to,
            body,
            message_id,
            reply_key(client, inbound_sid),
            ts
        ],
    )?;
    Ok(())
}

/// The reply given to an inbound message earlier, to answer a retry the same way.
pub fn reply_for(
    conn: &Connection,
    client: ClientId,
    inbound_sid: &str,
) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT body FROM outbox WHERE idempotency_key = ?1 AND client_id = ?2",
            params![reply_key(client, inbound_sid), client.get()],
            |r| r.get(0),
        )
        .optional()?)
}

/// Gives an outbound message that has no sid yet the sid a status callback
/// reports for it (the callback beat the worker's own record). The message id
/// comes from the callback URL we gave Twilio, so the pair is Twilio-signed.
pub fn adopt_sid(conn: &Connection, message_id: i64, twilio_sid: &str) -> Result<bool, AppError> {
    let n = conn.execute_cached(
        "UPDATE messages SET twilio_sid = ?2
         WHERE id = ?1 AND direction = 'outbound' AND twilio_sid IS NULL
           AND NOT EXISTS (SELECT 1 FROM messages WHERE twilio_sid = ?2)",
        params![message_id, twilio_sid],
    )?;
    Ok(n == 1)
}

/// How far a message has got; a status callback never moves a message back.
fn status_rank(s: &str) -> Option<u8> {
    Some(match s {
        "queued" | "accepted" | "scheduled" => 0,
        "sending" => 1,
        "sent" => 2,
        "delivered" | "undelivered" | "failed" | "canceled" => 3,
        "read" => 4,
        _ => return None,
    })
}

/// What a delivery status callback changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusUpdate {
    Updated,
    /// Same or older news than what is stored (retries, out-of-order callbacks).
    Unchanged,
    /// No message has this sid.
    UnknownSid,
    /// A status Twilio may add that we do not track.
    UnknownStatus,
}

/// Applies a Twilio delivery status to the message with that sid (the sid is
/// Twilio's own, in a signed request: it names one message of one tenant).
pub fn apply_status(
    conn: &Connection,
    twilio_sid: &str,
    status: &str,
    error_code: Option<&str>,
    error_message: Option<&str>,
    now: DateTime<Utc>,
) -> Result<StatusUpdate, AppError> {
    let Some(new_rank) = status_rank(status) else {
        return Ok(StatusUpdate::UnknownStatus);
    };
    let current: Option<(i64, String)> = conn
        .query_row_cached(
            "SELECT id, status FROM messages WHERE twilio_sid = ?1",
            [twilio_sid],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, current)) = current else {
        return Ok(StatusUpdate::UnknownSid);
    };
    if status_rank(&current).is_some_and(|r| r >= new_rank) {
        return Ok(StatusUpdate::Unchanged);
    }
    let ts = to_db(now);
    let failed = matches!(status, "undelivered" | "failed");
    conn.execute_cached(
        "UPDATE messages SET status = ?2,
             error_code = CASE WHEN ?3 THEN coalesce(?4, error_code) ELSE error_code END,
             error_message = CASE WHEN ?3 THEN coalesce(?5, error_message) ELSE error_message END,
             sent_at = CASE WHEN ?2 IN ('sent', 'delivered', 'read') THEN coalesce(sent_at, ?6) ELSE sent_at END,
             delivered_at = CASE WHEN ?2 IN ('delivered', 'read') THEN coalesce(delivered_at, ?6) ELSE delivered_at END,
             updated_at = ?6
         WHERE id = ?1",
        params![id, status, failed, error_code, error_message, ts],
    )?;
    Ok(StatusUpdate::Updated)
}

/// One SMS as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: i64,
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    pub kind: String,
    pub status: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub twilio_sid: Option<String>,
    pub contact_id: Option<i64>,
    pub appointment_id: Option<i64>,
    pub sent_at: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

const MESSAGE_COLUMNS: &str =
    "id, direction, from_number, to_number, body, kind, status, error_code,
    error_message, twilio_sid, contact_id, appointment_id, sent_at, delivered_at, created_at";

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        direction: r.get(1)?,
        from_number: r.get(2)?,
        to_number: r.get(3)?,
        body: r.get(4)?,
        kind: r.get(5)?,
        status: r.get(6)?,
        error_code: r.get(7)?,
        error_message: r.get(8)?,
        twilio_sid: r.get(9)?,
        contact_id: r.get(10)?,
        appointment_id: r.get(11)?,
        sent_at: r.get(12)?,
        delivered_at: r.get(13)?,
        created_at: r.get(14)?,
    })
}

pub fn get(conn: &Connection, client: ClientId, id: i64) -> Result<Option<Message>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE client_id = ?1 AND id = ?2"),
            params![client.get(), id],
            message_from_row,
        )
        .optional()?)
}

/// The other party of a message: who sent an inbound one, who got an outbound one.
const PARTY: &str = "CASE WHEN direction = 'inbound' THEN from_number ELSE to_number END";

/// One conversation: every message between the business and one number.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub phone: String,
    pub contact_id: Option<i64>,
    pub contact_name: Option<String>,
    pub message_count: i64,
    pub inbound_count: i64,
    /// Inbound messages that came after the business's last message to this
    /// number (automatic keyword replies do not count as an answer).
    pub unread_count: i64,
    pub last_message: Message,
}

/// A page of the tenant's threads, most recent activity first, and the total.
pub fn threads(
    conn: &Connection,
    client: ClientId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Thread>, i64), AppError> {
    let total: i64 = conn.query_row_cached(
        &format!("SELECT count(DISTINCT {PARTY}) FROM messages WHERE client_id = ?1"),
        [client.get()],
        |r| r.get(0),
    )?;
    let sql = format!(
        "WITH t AS (
             SELECT {PARTY} AS party, max(id) AS last_id, count(*) AS total,
                    sum(direction = 'inbound') AS inbound,
                    coalesce(max(CASE WHEN direction = 'outbound' AND kind <> 'auto_reply' THEN id END), 0) AS last_out
             FROM messages WHERE client_id = ?1 GROUP BY party
         )
         SELECT t.party, t.total, t.inbound,
                (SELECT count(*) FROM messages u
                  WHERE u.client_id = ?1 AND u.direction = 'inbound' AND u.from_number = t.party
                    AND u.id > t.last_out) AS unread,
                c.id, trim(c.first_name || ' ' || c.last_name),
                {cols}
         FROM t JOIN messages m ON m.id = t.last_id AND m.client_id = ?1
         LEFT JOIN contacts c ON c.client_id = ?1 AND c.phone = t.party
         ORDER BY t.last_id DESC LIMIT ?2 OFFSET ?3",
        cols = MESSAGE_COLUMNS
            .split(',')
            .map(|c| format!("m.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![client.get(), limit, offset], |r| {
        let last: Message = Message {
            id: r.get(6)?,
            direction: r.get(7)?,
            from_number: r.get(8)?,
            to_number: r.get(9)?,
            body: r.get(10)?,
            kind: r.get(11)?,
            status: r.get(12)?,
            error_code: r.get(13)?,
            error_message: r.get(14)?,
            twilio_sid: r.get(15)?,
            contact_id: r.get(16)?,
            appointment_id: r.get(17)?,
            sent_at: r.get(18)?,
            delivered_at: r.get(19)?,
            created_at: r.get(20)?,
        };
        Ok(Thread {
            phone: r.get(0)?,
            message_count: r.get(1)?,
            inbound_count: r.get(2)?,
            unread_count: r.get(3)?,
            contact_id: r.get(4)?,
            contact_name: r.get(5)?,
            last_message: last,
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// A page of one thread's messages, oldest first, and the thread's total.
pub fn thread_messages(
    conn: &Connection,
    client: ClientId,
    phone: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Message>, i64), AppError> {
    let filter = "client_id = ?1 AND ((direction = 'inbound' AND from_number = ?2)
                  OR (direction = 'outbound' AND to_number = ?2))";
    let total: i64 = conn.query_row_cached(
        &format!("SELECT count(*) FROM messages WHERE {filter}"),
        params![client.get(), phone],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE {filter} ORDER BY id LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![client.get(), phone, limit, offset],
        message_from_row,
    )?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}
