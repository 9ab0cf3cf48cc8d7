//! Read-only SQL for what the owner sees about money and usage: the credit
//! account with this month's free minutes, the ledger, payments, notifications
//! and calls per day. Billing itself (charging, top-ups) writes these tables
//! elsewhere; nothing here changes them.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

/// The credit account as the dashboard shows it.
#[derive(Debug, Clone, Default)]
pub struct Account {
    pub balance_cents: i64,
    pub debt_cents: i64,
    /// Free minutes used in `month` (0 when the counter belongs to an earlier month).
    pub free_minutes_used: i64,
    pub monthly_free_minutes: i64,
    pub per_minute_rate_mills: i64,
    pub low_balance_threshold_cents: i64,
    pub total_minutes_used: i64,
    pub auto_reload_enabled: bool,
    pub auto_reload_amount_cents: i64,
    pub auto_reload_threshold_cents: i64,
    pub ai_paused_by_billing: bool,
    pub has_payment_method: bool,
}

/// The account of a tenant; `month` is the current `YYYY-MM` in the tenant's zone.
pub fn account(conn: &Connection, client: ClientId, month: &str) -> Result<Account, AppError> {
    conn.query_row_cached(
            "SELECT coalesce(a.balance_cents, 0), coalesce(a.debt_cents, 0),
                    CASE WHEN a.free_minutes_month = ?2 THEN a.free_minutes_used ELSE 0 END,
                    c.monthly_free_minutes, c.per_minute_rate_mills, c.low_balance_threshold_cents,
                    coalesce(a.total_minutes_used, 0), c.auto_reload_enabled, c.auto_reload_amount_cents,
                    c.auto_reload_threshold_cents, c.ai_paused_by_billing, c.stripe_payment_method_id IS NOT NULL
             FROM clients c LEFT JOIN credit_accounts a ON a.client_id = c.id WHERE c.id = ?1",
            params![client.get(), month],
            |r| {
                Ok(Account {
                    balance_cents: r.get(0)?,
                    debt_cents: r.get(1)?,
                    free_minutes_used: r.get(2)?,
                    monthly_free_minutes: r.get(3)?,
                    per_minute_rate_mills: r.get(4)?,
                    low_balance_threshold_cents: r.get(5)?,
                    total_minutes_used: r.get(6)?,
                    auto_reload_enabled: r.get(7)?,
                    auto_reload_amount_cents: r.get(8)?,
                    auto_reload_threshold_cents: r.get(9)?,
                    ai_paused_by_billing: r.get(10)?,
                    has_payment_method: r.get(11)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| AppError::not_found("business"))
}

/// One line of the credit ledger.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub kind: String,
    pub amount_cents: i64,
    pub balance_after_cents: i64,
    pub minutes: Option<i64>,
    pub description: String,
    pub created_at: String,
}

/// The newest ledger lines first, and how many there are.
pub fn ledger(
    conn: &Connection,
    client: ClientId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LedgerLine>, i64), AppError> {
    let total: i64 = conn.query_row_cached(
        "SELECT count(*) FROM credit_ledger WHERE client_id = ?1",
        [client.get()],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, amount_cents, balance_after_cents, minutes, description, created_at
         FROM credit_ledger WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(params![client.get(), limit, offset], |r| {
        Ok(LedgerLine {
            kind: r.get(0)?,
            amount_cents: r.get(1)?,
            balance_after_cents: r.get(2)?,
            minutes: r.get(3)?,
            description: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// One payment (top-up).
#[derive(Debug, Clone)]
pub struct Payment {
    pub kind: String,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub status: String,
    pub failure_message: Option<String>,
    pub created_at: String,
}

pub fn payments(conn: &Connection, client: ClientId, limit: i64) -> Result<Vec<Payment>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, amount_cents, refunded_cents, status, failure_message, created_at
         FROM payments WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![client.get(), limit], |r| {
        Ok(Payment {
            kind: r.get(0)?,
            amount_cents: r.get(1)?,
            refunded_cents: r.get(2)?,
            status: r.get(3)?,
            failure_message: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A notification for the owner (low balance, voicemail, payment…).
#[derive(Debug, Clone)]
pub struct Notification {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub read: bool,
    pub created_at: String,
}

pub fn notifications(
    conn: &Connection,
    client: ClientId,
    limit: i64,
) -> Result<Vec<Notification>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, title, body, read_at IS NOT NULL, created_at FROM notifications
         WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![client.get(), limit], |r| {
        Ok(Notification {
            kind: r.get(0)?,
            title: r.get(1)?,
            body: r.get(2)?,
            read: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Real (not test) calls since `since`: (started at, seconds), for the usage chart.
pub fn calls_since(
    conn: &Connection,
    client: ClientId,
    since: DateTime<Utc>,
) -> Result<Vec<(String, i64)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT coalesce(start_time, created_at), coalesce(duration, 0) FROM calls
         WHERE client_id = ?1 AND is_test = 0 AND created_at >= ?2 ORDER BY created_at",
    )?;
    let rows = stmt.query_map(params![client.get(), to_db(since)], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
