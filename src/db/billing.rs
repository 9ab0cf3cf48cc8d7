//! SQL for billing: the credit account of a tenant (with the prices and flags
//! from its `clients` row), the ledger (one row per balance change, unique
//! idempotency key), payments, notifications, Stripe webhook events and the
//! ledger verification. The decisions live in `crate::billing`; this module
//! only reads and writes rows, always inside the caller's transaction.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::ClientId;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// A tenant's credit account and what billing needs from its `clients` row.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: ClientId,
    pub balance_cents: i64,
    pub debt_cents: i64,
    pub free_minutes_used: i64,
    pub free_minutes_month: Option<String>,
    pub total_minutes_used: i64,
    pub total_amount_spent_cents: i64,
    pub last_usage_date: Option<String>,
    pub low_balance_notified: bool,
    pub zero_balance_notified: bool,
    pub auto_reload_in_flight: bool,
    pub timezone: String,
    pub monthly_free_minutes: i64,
    pub per_minute_rate_mills: i64,
    pub sms_rate_mills: i64,
    pub low_balance_threshold_cents: i64,
    pub rachel_enabled: bool,
    pub ai_paused_by_billing: bool,
    pub auto_reload_enabled: bool,
    pub auto_reload_amount_cents: i64,
    pub auto_reload_threshold_cents: i64,
    pub stripe_customer_id: Option<String>,
    pub stripe_payment_method_id: Option<String>,
    pub business_name: String,
    pub owner_email: Option<String>,
    /// The owner's language (their user's, else the business default).
    pub language: String,
}

const ACCOUNT_SQL: &str = "
    SELECT a.client_id, a.balance_cents, a.debt_cents, a.free_minutes_used, a.free_minutes_month,
           a.total_minutes_used, a.total_amount_spent_cents, a.last_usage_date,
           a.low_balance_notified, a.zero_balance_notified, a.auto_reload_in_flight,
           c.timezone, c.monthly_free_minutes, c.per_minute_rate_mills, c.sms_rate_mills,
           c.low_balance_threshold_cents, c.rachel_enabled, c.ai_paused_by_billing,
           c.auto_reload_enabled, c.auto_reload_amount_cents, c.auto_reload_threshold_cents,
           c.stripe_customer_id, c.stripe_payment_method_id, c.business_name, c.owner_email,
           coalesce((SELECT u.language FROM users u WHERE u.client_id = c.id AND u.role = 'owner'
                     ORDER BY u.id LIMIT 1), c.default_language)
    FROM credit_accounts a JOIN clients c ON c.id = a.client_id";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        client_id: ClientId::from_trusted(r.get(0)?),
        balance_cents: r.get(1)?,
        debt_cents: r.get(2)?,
        free_minutes_used: r.get(3)?,
        free_minutes_month: r.get(4)?,
        total_minutes_used: r.get(5)?,
        total_amount_spent_cents: r.get(6)?,
        last_usage_date: r.get(7)?,
        low_balance_notified: r.get(8)?,
        zero_balance_notified: r.get(9)?,
        auto_reload_in_flight: r.get(10)?,
        timezone: r.get(11)?,
        monthly_free_minutes: r.get(12)?,
        per_minute_rate_mills: r.get(13)?,
        sms_rate_mills: r.get(14)?,
        low_balance_threshold_cents: r.get(15)?,
        rachel_enabled: r.get(16)?,
        ai_paused_by_billing: r.get(17)?,
        auto_reload_enabled: r.get(18)?,
        auto_reload_amount_cents: r.get(19)?,
        auto_reload_threshold_cents: r.get(20)?,
        stripe_customer_id: r.get(21)?,
        stripe_payment_method_id: r.get(22)?,
        business_name: r.get(23)?,
        owner_email: r.get(24)?,
        language: r.get(25)?,
    })
}

/// Creates the account row of a tenant that lacks one (every tenant gets one
/// when it is created; this covers databases from before).
pub fn ensure_account(
    conn: &Connection,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO credit_accounts (client_id, created_at, updated_at)
         SELECT id, ?2, ?2 FROM clients WHERE id = ?1
         ON CONFLICT (client_id) DO NOTHING",
        params![client.get(), to_db(now)],
    )?;
    Ok(())
}

/// The tenant's account; None when the tenant does not exist.
pub fn account(conn: &Connection, client: ClientId) -> Result<Option<Account>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("{ACCOUNT_SQL} WHERE a.client_id = ?1"),
            [client.get()],
            account_from_row,
        )
        .optional()?)
}

/// The changed state of an account after one billing step.
#[derive(Debug, Clone)]
pub struct AccountState {
    pub balance_cents: i64,
    pub debt_cents: i64,
    pub free_minutes_used: i64,
    pub free_minutes_month: Option<String>,
    pub total_minutes_used: i64,
    pub total_amount_spent_cents: i64,
    pub last_usage_date: Option<String>,
    pub low_balance_notified: bool,
    pub zero_balance_notified: bool,
    pub auto_reload_in_flight: bool,
}

impl From<&Account> for AccountState {
    fn from(a: &Account) -> Self {
        Self {
            balance_cents: a.balance_cents,
            debt_cents: a.debt_cents,
            free_minutes_used: a.free_minutes_used,
            free_minutes_month: a.free_minutes_month.clone(),
            total_minutes_used: a.total_minutes_used,
            total_amount_spent_cents: a.total_amount_spent_cents,
            last_usage_date: a.last_usage_date.clone(),
            low_balance_notified: a.low_balance_notified,
            zero_balance_notified: a.zero_balance_notified,
            auto_reload_in_flight: a.auto_reload_in_flight,
        }
    }
}

pub fn save_account(
    conn: &Connection,
    client: ClientId,
    s: &AccountState,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE credit_accounts SET balance_cents = ?2, debt_cents = ?3, free_minutes_used = ?4,
             free_minutes_month = ?5, total_minutes_used = ?6, total_amount_spent_cents = ?7,
             last_usage_date = ?8, low_balance_notified = ?9, zero_balance_notified = ?10,
             auto_reload_in_flight = ?11, updated_at = ?12
         WHERE client_id = ?1",
        params![
            client.get(),
            s.balance_cents,
            s.debt_cents,
            s.free_minutes_used,
            s.free_minutes_month,
            s.total_minutes_used,
            s.total_amount_spent_cents,
            s.last_usage_date,
            s.low_balance_notified,
            s.zero_balance_notified,
            s.auto_reload_in_flight,
            to_db(now)
        ],
    )?;
    Ok(())
}

/// Sets billing's own pause of the AI receptionist (never the owner's switch).
pub fn set_paused_by_billing(
    conn: &Connection,
    client: ClientId,
    paused: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE clients SET ai_paused_by_billing = ?2, updated_at = ?3
         WHERE id = ?1 AND ai_paused_by_billing != ?2",
        params![client.get(), paused, to_db(now)],
    )?;
    Ok(())
}

/// True when a ledger row with this idempotency key exists (the change was made).
pub fn ledger_has(conn: &Connection, key: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT 1 FROM credit_ledger WHERE idempotency_key = ?1",
            [key],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// One ledger line.
#[derive(Debug, Clone, Default)]
pub struct NewEntry<'a> {
    pub kind: &'a str,
    pub amount_cents: i64,
    pub debt_change_cents: i64,
    pub balance_after_cents: i64,
    pub debt_after_cents: i64,
    pub minutes: Option<i64>,
    pub free_minutes: Option<i64>,
    pub paid_minutes: Option<i64>,
    pub call_sid: Option<&'a str>,
    pub message_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub description: &'a str,
    pub idempotency_key: &'a str,
}

pub fn insert_entry(
    conn: &Connection,
    client: ClientId,
    e: &NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    conn.execute_cached(
        "INSERT INTO credit_ledger (client_id, kind, amount_cents, debt_change_cents, balance_after_cents,
             debt_after_cents, minutes, free_minutes, paid_minutes, call_sid, message_id, payment_id,
             description, idempotency_key, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            client.get(),
            e.kind,
            e.amount_cents,
            e.debt_change_cents,
            e.balance_after_cents,
            e.debt_after_cents,
            e.minutes,
            e.free_minutes,
            e.paid_minutes,
            e.call_sid,
            e.message_id,
            e.payment_id,
            e.description,
            e.idempotency_key,
            to_db(now)
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Whether a call is a test (simulated) call: those are never billed.
pub fn call_is_test(conn: &Connection, client: ClientId, call_sid: &str) -> Result<bool, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT is_test FROM calls WHERE twilio_call_sid = ?1 AND client_id = ?2",
            params![call_sid, client.get()],
            |r| r.get::<_, bool>(0),
        )
        .optional()?
        .unwrap_or(false))
}

/// Records what a call cost on the call row.
pub fn set_call_cost(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
    cents: i64,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE calls SET cost_cents = ?3 WHERE twilio_call_sid = ?1 AND client_id = ?2",
        params![call_sid, client.get(), cents],
    )?;
    Ok(())
}

/// An outbound SMS a status callback reported as sent or delivered, not yet billed.
pub struct BillableSms {
    pub id: i64,
    pub client_id: ClientId,
}

/// The message with this Twilio sid if it is ours to bill: outbound, sent or
/// delivered, not billed yet. (The sid comes from a signed Twilio request.)
pub fn billable_sms(conn: &Connection, twilio_sid: &str) -> Result<Option<BillableSms>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id, client_id FROM messages
             WHERE twilio_sid = ?1 AND direction = 'outbound' AND billed = 0
               AND status IN ('sent', 'delivered', 'read')",
            [twilio_sid],
            |r| {
                Ok(BillableSms {
                    id: r.get(0)?,
                    client_id: ClientId::from_trusted(r.get(1)?),
                })
            },
        )
        .optional()?)
}

pub fn mark_sms_billed(
    conn: &Connection,
    client: ClientId,
    message_id: i64,
    cents: i64,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE messages SET billed = 1, cost_cents = ?3 WHERE id = ?1 AND client_id = ?2",
        params![message_id, client.get(), cents],
    )?;
    Ok(())
}

// ---------- payments ----------

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: i64,
    #[serde(skip)]
    pub client_id: i64,
    pub kind: String,
    pub payment_intent_id: Option<String>,
    pub checkout_session_id: Option<String>,
    pub amount_cents: i64,
    pub refunded_cents: i64,
    pub status: String,
    pub failure_message: Option<String>,
    #[serde(skip)]
    pub idempotency_key: String,
    #[serde(skip)]
    pub customer_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const PAYMENT_COLUMNS: &str =
    "id, client_id, kind, payment_intent_id, checkout_session_id, amount_cents,
    refunded_cents, status, failure_message, idempotency_key, customer_id, created_at, updated_at";

fn payment_from_row(r: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        id: r.get(0)?,
        client_id: r.get(1)?,
        kind: r.get(2)?,
        payment_intent_id: r.get(3)?,
        checkout_session_id: r.get(4)?,
        amount_cents: r.get(5)?,
        refunded_cents: r.get(6)?,
        status: r.get(7)?,
        failure_message: r.get(8)?,
        idempotency_key: r.get(9)?,
        customer_id: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// A pending payment row; its idempotency key is also the Stripe Idempotency-Key.
pub fn insert_payment(
    conn: &Connection,
    client: ClientId,
    kind: &str,
    amount_cents: i64,
    idempotency_key: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    conn.execute_cached(
        "INSERT INTO payments (client_id, kind, amount_cents, idempotency_key, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![client.get(), kind, amount_cents, idempotency_key, to_db(now)],
    )
    .map_err(|e| {
        if crate::error::is_unique_violation(&e) {
            AppError::conflict("a payment with this Idempotency-Key was started before", None)
        } else {
            e.into()
        }
    })?;
    Ok(conn.last_insert_rowid())
}

pub fn payment(conn: &Connection, client: ClientId, id: i64) -> Result<Option<Payment>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = ?1 AND client_id = ?2"),
            params![id, client.get()],
            payment_from_row,
        )
        .optional()?)
}

/// The payment a Stripe PaymentIntent belongs to (the id comes from a signed event).
pub fn payment_by_intent(conn: &Connection, intent: &str) -> Result<Option<Payment>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE payment_intent_id = ?1"),
            [intent],
            payment_from_row,
        )
        .optional()?)
}

/// The payment a Stripe Checkout session belongs to (the id comes from a signed event).
pub fn payment_by_session(conn: &Connection, session: &str) -> Result<Option<Payment>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE checkout_session_id = ?1"),
            [session],
            payment_from_row,
        )
        .optional()?)
}

/// Links a payment to Stripe's objects (set once; later values do not replace them).
pub fn link_payment(
    conn: &Connection,
    id: i64,
    intent: Option<&str>,
    session: Option<&str>,
    customer: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE payments SET payment_intent_id = coalesce(payment_intent_id, ?2),
             checkout_session_id = coalesce(checkout_session_id, ?3),
             customer_id = coalesce(customer_id, ?4), updated_at = ?5
         WHERE id = ?1",
        params![id, intent, session, customer, to_db(now)],
    )?;
    Ok(())
}

pub fn set_payment_status(
    conn: &Connection,
    id: i64,
    status: &str,
    failure: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE payments SET status = ?2, failure_message = coalesce(?3, failure_message), updated_at = ?4
         WHERE id = ?1",
        params![id, status, failure, to_db(now)],
    )?;
    Ok(())
}

pub fn set_refunded(
    conn: &Connection,
    id: i64,
    refunded_cents: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE payments SET refunded_cents = ?2, status = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, refunded_cents, status, to_db(now)],
    )?;
    Ok(())
}

/// Remembers the Stripe customer (and card) a tenant paid with, for auto-reload.
pub fn save_stripe_customer(
    conn: &Connection,
    client: ClientId,
    customer: Option<&str>,
    payment_method: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE clients SET stripe_customer_id = coalesce(?2, stripe_customer_id),
             stripe_payment_method_id = coalesce(?3, stripe_payment_method_id), updated_at = ?4
         WHERE id = ?1",
        params![client.get(), customer, payment_method, to_db(now)],
    )?;
    Ok(())
}

pub fn configure_auto_reload(
    conn: &Connection,
    client: ClientId,
    enabled: bool,
    amount_cents: i64,
    threshold_cents: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE clients SET auto_reload_enabled = ?2, auto_reload_amount_cents = ?3,
             auto_reload_threshold_cents = ?4, updated_at = ?5 WHERE id = ?1",
        params![client.get(), enabled, amount_cents, threshold_cents, ts],
    )?;
    // A new setting starts a new threshold crossing.
    conn.execute_cached(
        "UPDATE credit_accounts SET auto_reload_in_flight = 0, updated_at = ?2 WHERE client_id = ?1",
        params![client.get(), ts],
    )?;
    Ok(())
}

pub fn disable_auto_reload(
    conn: &Connection,
    client: ClientId,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let ts = to_db(now);
    conn.execute_cached(
        "UPDATE clients SET auto_reload_enabled = 0, updated_at = ?2 WHERE id = ?1",
        params![client.get(), ts],
    )?;
    conn.execute_cached(
        "UPDATE credit_accounts SET auto_reload_in_flight = 0, updated_at = ?2 WHERE client_id = ?1",
        params![client.get(), ts],
    )?;
    Ok(())
}

/// Tenants whose balance is below their auto-reload threshold, with a saved
/// card, and no reload made yet for this crossing.
pub fn auto_reload_due(conn: &Connection) -> Result<Vec<Account>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ACCOUNT_SQL} WHERE c.auto_reload_enabled = 1 AND a.auto_reload_in_flight = 0
           AND a.balance_cents < c.auto_reload_threshold_cents
           AND c.stripe_customer_id IS NOT NULL AND c.stripe_payment_method_id IS NOT NULL
           AND c.active = 1
         ORDER BY a.client_id"
    ))?;
    let rows = stmt.query_map([], account_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many auto-reload payments a tenant has had (numbers the next one's key).
pub fn auto_reload_count(conn: &Connection, client: ClientId) -> Result<i64, AppError> {
    Ok(conn.query_row_cached(
        "SELECT count(*) FROM payments WHERE client_id = ?1 AND kind = 'auto_reload'",
        [client.get()],
        |r| r.get(0),
    )?)
}

/// An auto-reload payment still to be sent to Stripe.
#[derive(Debug, Clone)]
pub struct PendingReload {
    pub payment_id: i64,
    pub client_id: ClientId,
    pub amount_cents: i64,
    pub idempotency_key: String,
    pub customer: String,
    pub payment_method: String,
}

/// Auto-reload payments created but not yet answered by Stripe (including any
/// left by a crash: they are sent again with the same idempotency key).
pub fn pending_reloads(conn: &Connection) -> Result<Vec<PendingReload>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.client_id, p.amount_cents, p.idempotency_key, c.stripe_customer_id, c.stripe_payment_method_id
         FROM payments p JOIN clients c ON c.id = p.client_id
         WHERE p.kind = 'auto_reload' AND p.status = 'pending' AND p.payment_intent_id IS NULL
           AND c.stripe_customer_id IS NOT NULL AND c.stripe_payment_method_id IS NOT NULL
         ORDER BY p.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(PendingReload {
            payment_id: r.get(0)?,
            client_id: ClientId::from_trusted(r.get(1)?),
            amount_cents: r.get(2)?,
            idempotency_key: r.get(3)?,
            customer: r.get(4)?,
            payment_method: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Tenants the AI is paused for by billing (checked for a new month's free minutes).
pub fn paused_clients(conn: &Connection) -> Result<Vec<ClientId>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM clients WHERE ai_paused_by_billing = 1 ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok(ClientId::from_trusted(r.get(0)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn payments(conn: &Connection, client: ClientId, limit: i64) -> Result<Vec<Payment>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![client.get(), limit], payment_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------- notifications ----------

pub fn insert_notification(
    conn: &Connection,
    client: ClientId,
    kind: &str,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    conn.execute_cached(
        "INSERT INTO notifications (client_id, kind, title, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![client.get(), kind, title, body, to_db(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// How many notifications of `kind` a tenant has had (numbers the next one).
pub fn notification_count(
    conn: &Connection,
    client: ClientId,
    kind: &str,
) -> Result<i64, AppError> {
    Ok(conn.query_row_cached(
        "SELECT count(*) FROM notifications WHERE client_id = ?1 AND kind = ?2",
        params![client.get(), kind],
        |r| r.get(0),
    )?)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub message: String,
    pub read: bool,
    pub read_at: Option<String>,
    pub created_at: String,
}

pub fn notifications(
    conn: &Connection,
    client: ClientId,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Notification>, i64), AppError> {
    let total: i64 = conn.query_row_cached(
        "SELECT count(*) FROM notifications WHERE client_id = ?1 AND (?2 = 0 OR read_at IS NULL)",
        params![client.get(), unread_only],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, title, body, read_at, created_at FROM notifications
         WHERE client_id = ?1 AND (?2 = 0 OR read_at IS NULL)
         ORDER BY id DESC LIMIT ?3 OFFSET ?4",
    )?;
    let rows = stmt.query_map(params![client.get(), unread_only, limit, offset], |r| {
        let read_at: Option<String> = r.get(4)?;
        Ok(Notification {
            id: r.get(0)?,
            kind: r.get(1)?,
            title: r.get(2)?,
            message: r.get(3)?,
            read: read_at.is_some(),
            read_at,
            created_at: r.get(5)?,
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Marks the tenant's notifications read (all, or the one `id`); returns how many.
pub fn mark_read(
    conn: &Connection,
    client: ClientId,
    id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    Ok(conn.execute_cached(
        "UPDATE notifications SET read_at = ?3
         WHERE client_id = ?1 AND read_at IS NULL AND (?2 IS NULL OR id = ?2)",
        params![client.get(), id, to_db(now)],
    )?)
}

/// An email of the tenant's in the outbox, as the notifications list shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailItem {
    pub id: i64,
    pub recipient: String,
    pub subject: Option<String>,
    pub status: String,
    /// Why it waits (e.g. no mailer configured) or why it failed.
    pub note: Option<String>,
    pub attempts: i64,
    pub created_at: String,
    pub sent_at: Option<String>,
}

pub fn emails(conn: &Connection, client: ClientId, limit: i64) -> Result<Vec<EmailItem>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient, subject, status, last_error, attempts, created_at, sent_at FROM outbox
         WHERE client_id = ?1 AND channel = 'email' ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![client.get(), limit], |r| {
        Ok(EmailItem {
            id: r.get(0)?,
            recipient: r.get(1)?,
            subject: r.get(2)?,
            status: r.get(3)?,
            note: r.get(4)?,
            attempts: r.get(5)?,
            created_at: r.get(6)?,
            sent_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------- webhook events ----------

/// Records a provider event id; false when it was recorded before (a replay).
pub fn record_event(
    conn: &Connection,
    provider: &str,
    event_id: &str,
    event_type: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let n = conn.execute_cached(
        "INSERT INTO webhook_events (provider, event_id, event_type, received_at)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (provider, event_id) DO NOTHING",
        params![provider, event_id, event_type, to_db(now)],
    )?;
    Ok(n == 1)
}

pub fn event_processed(
    conn: &Connection,
    provider: &str,
    event_id: &str,
    client: Option<ClientId>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE webhook_events SET processed_at = ?3, client_id = ?4 WHERE provider = ?1 AND event_id = ?2",
        params![provider, event_id, to_db(now), client.map(ClientId::get)],
    )?;
    Ok(())
}

// ---------- reading the ledger ----------

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub amount_cents: i64,
    pub debt_change_cents: i64,
    pub balance_after_cents: i64,
    pub debt_after_cents: i64,
    pub minutes: Option<i64>,
    pub free_minutes: Option<i64>,
    pub paid_minutes: Option<i64>,
    pub call_sid: Option<String>,
    pub message_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub description: String,
    /// For usage: the whole charge (taken from the balance plus any part owed).
    pub charged_cents: Option<i64>,
    pub created_at: String,
}

/// Filters of a ledger listing; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub kinds: Vec<&'static str>,
    /// Usage of calls (`call`) or of SMS (`sms`).
    pub usage_of: Option<&'static str>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub fn entries(
    conn: &Connection,
    client: ClientId,
    f: &EntryFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Entry>, i64), AppError> {
    let mut cond = String::from("client_id = ?1");
    let mut args: Vec<rusqlite::types::Value> = vec![client.get().into()];
    if !f.kinds.is_empty() {
        let marks: Vec<String> = f
            .kinds
            .iter()
            .map(|k| {
                args.push((*k).to_string().into());
                format!("?{}", args.len())
            })
            .collect();
        cond.push_str(&format!(" AND kind IN ({})", marks.join(", ")));
    }
    match f.usage_of {
        Some("call") => cond.push_str(" AND call_sid IS NOT NULL"),
        Some("sms") => cond.push_str(" AND message_id IS NOT NULL"),
        _ => {}
    }
    if let Some(from) = f.from {
        args.push(to_db(from).into());
        cond.push_str(&format!(" AND created_at >= ?{}", args.len()));
    }
    if let Some(to) = f.to {
        args.push(to_db(to).into());
        cond.push_str(&format!(" AND created_at < ?{}", args.len()));
    }
    let total: i64 = conn.query_row_cached(
        &format!("SELECT count(*) FROM credit_ledger WHERE {cond}"),
        rusqlite::params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    args.push(limit.into());
    let l = args.len();
    args.push(offset.into());
    let o = args.len();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, kind, amount_cents, debt_change_cents, balance_after_cents, debt_after_cents, minutes,
                free_minutes, paid_minutes, call_sid, message_id, payment_id, description, created_at,
                CASE WHEN kind = 'usage' THEN -amount_cents + coalesce(
                    (SELECT d.debt_change_cents FROM credit_ledger d
                     WHERE d.idempotency_key = credit_ledger.idempotency_key || ':debt'), 0) END
         FROM credit_ledger WHERE {cond} ORDER BY id DESC LIMIT ?{l} OFFSET ?{o}"
    ))?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        Ok(Entry {
            id: r.get(0)?,
            kind: r.get(1)?,
            amount_cents: r.get(2)?,
            debt_change_cents: r.get(3)?,
            balance_after_cents: r.get(4)?,
            debt_after_cents: r.get(5)?,
            minutes: r.get(6)?,
            free_minutes: r.get(7)?,
            paid_minutes: r.get(8)?,
            call_sid: r.get(9)?,
            message_id: r.get(10)?,
            payment_id: r.get(11)?,
            description: r.get(12)?,
            created_at: r.get(13)?,
            charged_cents: r.get(14)?,
        })
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

// ---------- verification ----------

/// A tenant whose ledger does not add up to its account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mismatch {
    pub client_id: i64,
    pub balance_cents: i64,
    pub ledger_balance_cents: i64,
    pub debt_cents: i64,
    pub ledger_debt_cents: i64,
}

/// Every tenant whose balance (or debt) differs from the sum of its ledger.
/// Empty means the books are consistent.
pub fn verify(conn: &Connection) -> Result<Vec<Mismatch>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.client_id, a.balance_cents, coalesce(l.amount, 0), a.debt_cents, coalesce(l.debt, 0)
         FROM credit_accounts a
         LEFT JOIN (SELECT client_id, sum(amount_cents) AS amount, sum(debt_change_cents) AS debt
                    FROM credit_ledger GROUP BY client_id) l ON l.client_id = a.client_id
         WHERE a.balance_cents != coalesce(l.amount, 0) OR a.debt_cents != coalesce(l.debt, 0)
         UNION ALL
         SELECT l.client_id, 0, sum(l.amount_cents), 0, sum(l.debt_change_cents)
         FROM credit_ledger l WHERE NOT EXISTS (SELECT 1 FROM credit_accounts a WHERE a.client_id = l.client_id)
         GROUP BY l.client_id
         ORDER BY 1",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Mismatch {
            client_id: r.get(0)?,
            balance_cents: r.get(1)?,
            ledger_balance_cents: r.get(2)?,
            debt_cents: r.get(3)?,
            ledger_debt_cents: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many accounts and ledger lines were checked (for the verify report).
pub fn ledger_size(conn: &Connection) -> Result<(i64, i64), AppError> {
    Ok(conn.query_row_cached(
        "SELECT (SELECT count(*) FROM credit_accounts), (SELECT count(*) FROM credit_ledger)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
