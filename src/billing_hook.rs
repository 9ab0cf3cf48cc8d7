//! The one place the call side tells billing that a call ended.
//!
//! `on_call_completed` runs inside the same write transaction as the status
//! callback that marked the call `completed`, exactly once per CallSid (the
//! caller guards it with `calls.billed` and a `webhook_events` row), so billing
//! can charge minutes atomically with the call record: if it returns an error,
//! the status update rolls back with it.
//!
//! Placeholder: it does nothing yet. The billing issue fills it in (free minutes
//! first, then the per-minute rate, a ledger row keyed by the CallSid, balance
//! thresholds).

use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

/// Called once when a call reaches the final `completed` status.
pub fn on_call_completed(
    _conn: &Connection,
    client_id: ClientId,
    call_sid: &str,
    duration_secs: i64,
    _now: DateTime<Utc>,
) -> Result<(), AppError> {
    tracing::debug!(%client_id, %call_sid, duration_secs, "call completed (billing not implemented yet)");
    Ok(())
}
