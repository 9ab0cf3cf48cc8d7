//! The one place the call side tells billing that a call ended.
//!
//! `on_call_completed` runs inside the same write transaction as the status
//! callback that marked the call `completed`, exactly once per CallSid (the
//! caller guards it with `calls.billed` and a `webhook_events` row, and the
//! ledger's idempotency key `call:<CallSid>` guards it once more), so the
//! charge is atomic with the call record: if billing fails, the status update
//! rolls back with it and Twilio's retry tries again.

use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Called once when a call reaches the final `completed` status: free minutes
/// first, then the per-minute rate, thresholds (low balance, AI pause at zero).
/// `dashboard` is the public dashboard URL used in notification emails.
pub fn on_call_completed(
    conn: &Connection,
    client_id: ClientId,
    call_sid: &str,
    duration_secs: i64,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let price = crate::billing::ledger::charge_call(
        conn,
        client_id,
        call_sid,
        duration_secs,
        dashboard,
        now,
    )?;
    if let Some(p) = price {
        tracing::debug!(%client_id, %call_sid, minutes = p.minutes, cents = p.cents, "call billed");
    }
    Ok(())
}
