//! Applies billing decisions to a tenant's account, inside the caller's write
//! transaction (the group-commit writer's `BEGIN IMMEDIATE` batch, in the
//! caller's savepoint): read the account, decide with `rules`, write the
//! ledger rows and the account row together. Every balance change is a ledger
//! row with a unique idempotency key — a call is keyed by its CallSid, an SMS
//! by its message id, a payment by its payment id — so the same trigger twice
//! is a no-op, and the ledger always sums to the balance (and to the debt).

use super::notify::{self, Notice};
use super::rules::{self, CallPrice, Flags, Standing, Tariff};
use crate::clock::to_db;
use crate::db::billing::{self as bdb, Account, AccountState, NewEntry, Payment};
use crate::domain::{ClientId, TimeZone};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

fn tz(a: &Account) -> chrono_tz::Tz {
    TimeZone::parse(&a.timezone)
        .map(TimeZone::tz)
        .unwrap_or(chrono_tz::America::New_York)
}

pub fn tariff(a: &Account) -> Tariff {
    Tariff {
        monthly_free_minutes: a.monthly_free_minutes,
        per_minute_mills: a.per_minute_rate_mills,
        sms_mills: a.sms_rate_mills,
    }
}

/// The account of `client`, created if it is missing.
fn load(conn: &Connection, client: ClientId, now: DateTime<Utc>) -> Result<Account, AppError> {
    bdb::ensure_account(conn, client, now)?;
    bdb::account(conn, client)?.ok_or_else(|| AppError::not_found("business"))
}

/// The account state with this month's free-minute counter (the monthly reset,
/// applied in the same transaction as whatever change follows).
fn current(a: &Account, now: DateTime<Utc>) -> AccountState {
    let month = rules::month_key(now, tz(a));
    let mut st = AccountState::from(a);
    st.free_minutes_used =
        rules::free_used_in(a.free_minutes_month.as_deref(), a.free_minutes_used, &month);
    st.free_minutes_month = Some(month);
    st
}

/// Free minutes left this month for a state made by [`current`].
fn free_left(a: &Account, st: &AccountState) -> i64 {
    (a.monthly_free_minutes - st.free_minutes_used).max(0)
}

/// Saves the new state after checking the thresholds: one low-balance notice,
/// the AI paused (and one notice) at zero, resumed when credit is back, and the
/// end of an auto-reload crossing once the balance is back over the threshold.
fn settle(
    conn: &Connection,
    a: &Account,
    mut st: AccountState,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let standing = Standing {
        balance: st.balance_cents,
        free_left: free_left(a, &st),
        per_minute_mills: a.per_minute_rate_mills,
        low_threshold_cents: a.low_balance_threshold_cents,
    };
    let d = rules::evaluate(
        &standing,
        Flags {
            low_notified: st.low_balance_notified,
            zero_notified: st.zero_balance_notified,
            paused_by_billing: a.ai_paused_by_billing,
        },
    );
    st.low_balance_notified = d.flags.low_notified;
    st.zero_balance_notified = d.flags.zero_notified;
    if st.balance_cents >= a.auto_reload_threshold_cents {
        st.auto_reload_in_flight = false;
    }
    bdb::save_account(conn, a.client_id, &st, now)?;
    if d.flags.paused_by_billing != a.ai_paused_by_billing {
        bdb::set_paused_by_billing(conn, a.client_id, d.flags.paused_by_billing, now)?;
        tracing::info!(client = %a.client_id, paused = d.flags.paused_by_billing, "AI receptionist switched by billing");
    }
    // Each notice is numbered by how many of its kind came before (unique and
    // deterministic inside the writer's transaction).
    let mut notices: Vec<Notice<'_>> = Vec::new();
    if d.notify_zero {
        notices.push(Notice::ZeroBalance);
    }
    if d.notify_low {
        notices.push(Notice::LowBalance {
            balance_cents: st.balance_cents,
            free_minutes_left: standing.free_left,
        });
    }
    if d.resumed {
        notices.push(Notice::Resumed);
    }
    for n in &notices {
        let seq = bdb::notification_count(conn, a.client_id, n.kind())? + 1;
        notify::send(conn, a, n, &seq.to_string(), dashboard, now)?;
    }
    Ok(())
}

/// Writes the usage (and, when the balance fell short, the debt) rows of a charge.
fn write_charge(
    conn: &Connection,
    a: &Account,
    st: &mut AccountState,
    cents: i64,
    base: NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let d = rules::debit(st.balance_cents, st.debt_cents, cents);
    bdb::insert_entry(
        conn,
        a.client_id,
        &NewEntry {
            amount_cents: -d.taken,
            balance_after_cents: d.balance_after,
            debt_after_cents: st.debt_cents,
            ..base.clone()
        },
        now,
    )?;
    if d.uncovered > 0 {
        let key = format!("{}:debt", base.idempotency_key);
        let description = format!(
            "{} owed: the balance did not cover {} (collected from the next top-up)",
            rules::dollars(d.uncovered),
            base.description
        );
        bdb::insert_entry(
            conn,
            a.client_id,
            &NewEntry {
                kind: "debt",
                amount_cents: 0,
                debt_change_cents: d.uncovered,
                balance_after_cents: d.balance_after,
                debt_after_cents: d.debt_after,
                description: &description,
                idempotency_key: &key,
                ..base
            },
            now,
        )?;
    }
    st.balance_cents = d.balance_after;
    st.debt_cents = d.debt_after;
    st.total_amount_spent_cents += cents;
    st.last_usage_date = Some(to_db(now));
    Ok(())
}

/// Writes a credit row and, when there is debt, the row that pays it back.
fn write_credit(
    conn: &Connection,
    a: &Account,
    st: &mut AccountState,
    cents: i64,
    base: NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let c = rules::credit(st.balance_cents, st.debt_cents, cents);
    let gross = st.balance_cents + cents;
    bdb::insert_entry(
        conn,
        a.client_id,
        &NewEntry {
            amount_cents: cents,
            balance_after_cents: gross,
            debt_after_cents: st.debt_cents,
            ..base.clone()
        },
        now,
    )?;
    if c.recovered > 0 {
        let key = format!("{}:debt-recovery", base.idempotency_key);
        let description = format!(
            "{} of earlier usage paid from this credit",
            rules::dollars(c.recovered)
        );
        bdb::insert_entry(
            conn,
            a.client_id,
            &NewEntry {
                kind: "debt_recovery",
                amount_cents: -c.recovered,
                debt_change_cents: -c.recovered,
                balance_after_cents: c.balance_after,
                debt_after_cents: c.debt_after,
                description: &description,
                idempotency_key: &key,
                ..base
            },
            now,
        )?;
    }
    st.balance_cents = c.balance_after;
    st.debt_cents = c.debt_after;
    Ok(())
}

/// Bills a completed call once per CallSid. Test (simulated) calls are free.
/// Returns the price, or None when the call was billed before or is a test.
pub fn charge_call(
    conn: &Connection,
    client: ClientId,
    call_sid: &str,
    seconds: i64,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<Option<CallPrice>, AppError> {
    let key = format!("call:{call_sid}");
    if bdb::ledger_has(conn, &key)? || bdb::call_is_test(conn, client, call_sid)? {
        return Ok(None);
    }
    let a = load(conn, client, now)?;
    let mut st = current(&a, now);
    let price = rules::price_call(seconds, st.free_minutes_used, &tariff(&a));
    st.free_minutes_used += price.free_minutes;
    st.total_minutes_used += price.minutes;
    let description = format!(
        "Call {call_sid}: {} min ({} free, {} paid at {}/min)",
        price.minutes,
        price.free_minutes,
        price.paid_minutes,
        rate_text(a.per_minute_rate_mills)
    );
    write_charge(
        conn,
        &a,
        &mut st,
        price.cents,
        NewEntry {
            kind: "usage",
            minutes: Some(price.minutes),
            free_minutes: Some(price.free_minutes),
            paid_minutes: Some(price.paid_minutes),
            call_sid: Some(call_sid),
            description: &description,
            idempotency_key: &key,
            ..NewEntry::default()
        },
        now,
    )?;
    bdb::set_call_cost(conn, client, call_sid, price.cents)?;
    settle(conn, &a, st, dashboard, now)?;
    Ok(Some(price))
}

/// "$0.10" or "$0.105" for a rate in mills.
fn rate_text(mills: i64) -> String {
    if mills % 10 == 0 {
        rules::dollars(mills / 10)
    } else {
        format!("${}.{:03}", mills / 1000, mills % 1000)
    }
}

/// Bills an outbound SMS once (its sent/delivered status callback). Returns the
/// cents charged, or None when it was billed before.
pub fn charge_sms(
    conn: &Connection,
    twilio_sid: &str,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let Some(m) = bdb::billable_sms(conn, twilio_sid)? else {
        return Ok(None);
    };
    let key = format!("sms:{}", m.id);
    if bdb::ledger_has(conn, &key)? {
        bdb::mark_sms_billed(conn, m.client_id, m.id, 0)?;
        return Ok(None);
    }
    let a = load(conn, m.client_id, now)?;
    let mut st = current(&a, now);
    let cents = rules::price_sms(&tariff(&a));
    let description = format!("SMS {twilio_sid}");
    write_charge(
        conn,
        &a,
        &mut st,
        cents,
        NewEntry {
            kind: "usage",
            message_id: Some(m.id),
            description: &description,
            idempotency_key: &key,
            ..NewEntry::default()
        },
        now,
    )?;
    bdb::mark_sms_billed(conn, m.client_id, m.id, cents)?;
    settle(conn, &a, st, dashboard, now)?;
    Ok(Some(cents))
}

/// Credits a payment that succeeded, once: the amount of the stored payment
/// (never an amount from the request), debt paid first. False when it was
/// credited before.
pub fn credit_payment(
    conn: &Connection,
    p: &Payment,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let key = format!("payment:{}", p.id);
    if bdb::ledger_has(conn, &key)? {
        return Ok(false);
    }
    let client = ClientId::from_trusted(p.client_id);
    let a = load(conn, client, now)?;
    let mut st = current(&a, now);
    let description = match p.kind.as_str() {
        "auto_reload" => format!("Automatic reload {}", rules::dollars(p.amount_cents)),
        _ => format!("Top-up {}", rules::dollars(p.amount_cents)),
    };
    write_credit(
        conn,
        &a,
        &mut st,
        p.amount_cents,
        NewEntry {
            kind: "payment",
            payment_id: Some(p.id),
            description: &description,
            idempotency_key: &key,
            ..NewEntry::default()
        },
        now,
    )?;
    bdb::set_payment_status(conn, p.id, "succeeded", None, now)?;
    let balance = st.balance_cents;
    settle(conn, &a, st, dashboard, now)?;
    notify::send(
        conn,
        &a,
        &Notice::PaymentReceived {
            amount_cents: p.amount_cents,
            balance_cents: balance,
        },
        &key,
        dashboard,
        now,
    )?;
    Ok(true)
}

/// Takes back a refund of a credited payment. `refunded_total` is Stripe's
/// cumulative refunded amount, so each partial refund is applied once.
/// Returns the cents debited now.
pub fn debit_refund(
    conn: &Connection,
    p: &Payment,
    refunded_total: i64,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let total = refunded_total.clamp(0, p.amount_cents);
    let delta = total - p.refunded_cents;
    let key = format!("refund:{}:{total}", p.id);
    if delta <= 0 || bdb::ledger_has(conn, &key)? {
        return Ok(0);
    }
    let status = if total >= p.amount_cents {
        "refunded"
    } else {
        p.status.as_str()
    };
    bdb::set_refunded(conn, p.id, total, status, now)?;
    if !bdb::ledger_has(conn, &format!("payment:{}", p.id))? {
        // Never credited (still pending): nothing to take back.
        return Ok(0);
    }
    let client = ClientId::from_trusted(p.client_id);
    let a = load(conn, client, now)?;
    let mut st = current(&a, now);
    let description = format!("Refund of {} (payment {})", rules::dollars(delta), p.id);
    write_charge(
        conn,
        &a,
        &mut st,
        delta,
        NewEntry {
            kind: "refund",
            payment_id: Some(p.id),
            description: &description,
            idempotency_key: &key,
            ..NewEntry::default()
        },
        now,
    )?;
    // A refund is not spending.
    st.total_amount_spent_cents -= delta;
    st.last_usage_date = a.last_usage_date.clone();
    settle(conn, &a, st, dashboard, now)?;
    notify::send(
        conn,
        &a,
        &Notice::Refunded {
            amount_cents: delta,
        },
        &key,
        dashboard,
        now,
    )?;
    Ok(delta)
}

/// A support adjustment: positive credits (paying any debt first), negative
/// debits (down to zero, the rest owed). `key` makes it idempotent.
pub fn adjust(
    conn: &Connection,
    client: ClientId,
    cents: i64,
    reason: &str,
    key: &str,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if cents == 0 {
        return Err(AppError::validation(
            "amount",
            "the amount must not be zero",
        ));
    }
    let key = format!("adjust:{key}");
    if bdb::ledger_has(conn, &key)? {
        return Ok(false);
    }
    let a = load(conn, client, now)?;
    let mut st = current(&a, now);
    let description = format!("Adjustment {}: {reason}", rules::dollars(cents));
    let base = NewEntry {
        kind: "adjustment",
        description: &description,
        idempotency_key: &key,
        ..NewEntry::default()
    };
    if cents > 0 {
        write_credit(conn, &a, &mut st, cents, base, now)?;
    } else {
        let before = st.total_amount_spent_cents;
        let last = st.last_usage_date.clone();
        write_charge(conn, &a, &mut st, -cents, base, now)?;
        st.total_amount_spent_cents = before;
        st.last_usage_date = last;
    }
    settle(conn, &a, st, dashboard, now)?;
    Ok(true)
}

/// Applies the monthly reset and re-checks the thresholds without any charge
/// (a paused tenant gets its free minutes back on the 1st).
pub fn refresh(
    conn: &Connection,
    client: ClientId,
    dashboard: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let a = load(conn, client, now)?;
    let st = current(&a, now);
    if st.free_minutes_month == a.free_minutes_month {
        // Same month as the last change: nothing new to decide.
        return Ok(());
    }
    settle(conn, &a, st, dashboard, now)
}

/// Free minutes used this month (as of `now`) for an account read elsewhere.
pub fn free_used_now(a: &Account, now: DateTime<Utc>) -> i64 {
    current(a, now).free_minutes_used
}

/// The tenant's billing time zone.
pub fn zone(a: &Account) -> chrono_tz::Tz {
    tz(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{self, billing as bdb};
    use chrono::TimeZone as _;

    fn setup() -> (rusqlite::Connection, ClientId) {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        db::migrate(&mut conn).unwrap();
        let now = Utc::now();
        let id = db::clients::insert(
            &conn,
            &db::clients::NewClient {
                business_name: "Shop".into(),
                business_phone: crate::domain::E164::parse("+15552120987").unwrap(),
                business_type: None,
                website_url: None,
                timezone: "America/New_York".into(),
                owner_name: None,
                owner_email: Some("owner@example.com".into()),
                ringlypro_number: None,
            },
            now,
        )
        .unwrap();
        (conn, id)
    }

    fn acct(conn: &Connection, c: ClientId) -> Account {
        bdb::account(conn, c).unwrap().unwrap()
    }

    fn verify(conn: &Connection) {
        assert_eq!(bdb::verify(conn).unwrap(), vec![]);
    }

    #[test]
    fn debt_is_recorded_then_recovered_from_the_next_top_up() {
        let (conn, c) = setup();
        let now = Utc.with_ymd_and_hms(2026, 11, 10, 15, 0, 0).unwrap();
        conn.execute(
            "UPDATE clients SET monthly_free_minutes = 0 WHERE id = ?1",
            [c.get()],
        )
        .unwrap();
        adjust(&conn, c, 25, "start", "k1", "http://x", now).unwrap();
        // 5 minutes at 10 ¢ = 50 ¢ with 25 ¢ in the account: 25 ¢ taken, 25 ¢ owed.
        let p = charge_call(&conn, c, "CA1", 300, "http://x", now)
            .unwrap()
            .unwrap();
        assert_eq!(p.cents, 50);
        let a = acct(&conn, c);
        assert_eq!((a.balance_cents, a.debt_cents), (0, 25));
        verify(&conn);
        // The AI is paused at zero.
        assert!(a.ai_paused_by_billing);
        // A $1.00 credit pays the 25 ¢ first.
        adjust(&conn, c, 100, "top up", "k2", "http://x", now).unwrap();
        let a = acct(&conn, c);
        assert_eq!((a.balance_cents, a.debt_cents), (75, 0));
        assert!(!a.ai_paused_by_billing);
        verify(&conn);
        // The same charge again changes nothing.
        assert!(
            charge_call(&conn, c, "CA1", 300, "http://x", now)
                .unwrap()
                .is_none()
        );
        assert_eq!(acct(&conn, c).balance_cents, 75);
        verify(&conn);
    }

    #[test]
    fn the_first_call_of_a_new_local_month_uses_fresh_free_minutes() {
        let (conn, c) = setup();
        let nov = Utc.with_ymd_and_hms(2026, 11, 30, 20, 0, 0).unwrap();
        charge_call(&conn, c, "CA1", 99 * 60, "http://x", nov).unwrap();
        assert_eq!(acct(&conn, c).free_minutes_used, 99);
        // 04:30 UTC on 1 December is still 30 November in New York: 1 free minute left.
        let late = Utc.with_ymd_and_hms(2026, 12, 1, 4, 30, 0).unwrap();
        let p = charge_call(&conn, c, "CA2", 120, "http://x", late)
            .unwrap()
            .unwrap();
        assert_eq!((p.free_minutes, p.paid_minutes), (1, 1));
        // 05:30 UTC is 1 December in New York: the counter starts again.
        let dec = Utc.with_ymd_and_hms(2026, 12, 1, 5, 30, 0).unwrap();
        let p = charge_call(&conn, c, "CA3", 120, "http://x", dec)
            .unwrap()
            .unwrap();
        assert_eq!((p.free_minutes, p.paid_minutes), (2, 0));
        let a = acct(&conn, c);
        assert_eq!(
            (a.free_minutes_used, a.free_minutes_month.as_deref()),
            (2, Some("2026-12"))
        );
        verify(&conn);
    }
}
