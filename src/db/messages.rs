//! SQL for SMS messages and opt-outs. Outbound SMS is a `messages` row plus an
//! `outbox` row written in the same transaction; the outbox worker delivers it.

use crate::clock::to_db;
use crate::db::outbox;
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

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
        .query_row(
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
        .query_row(
            "SELECT id FROM outbox WHERE idempotency_key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Ok(Queued::Duplicate);
    }
    let from: String = conn
        .query_row(
            "SELECT coalesce(ringlypro_number, '') FROM clients WHERE id = ?1",
            [sms.client_id.get()],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| AppError::not_found("business"))?;
    let ts = to_db(now);
    conn.execute(
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
    conn.execute(
        "UPDATE outbox SET message_id = ?1 WHERE idempotency_key = ?2",
        params![message_id, key],
    )?;
    Ok(Queued::New(message_id))
}
