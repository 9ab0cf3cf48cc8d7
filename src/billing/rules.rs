//! The billing rules as plain functions (no I/O, no clock): minutes of a call,
//! the free/paid split, the price in cents with its one rounding, debits that
//! never take the balance below zero (the rest becomes debt), credits that pay
//! the debt back first, the tenant's billing month, and the balance thresholds.
//!
//! Money is integer: cents for balances, mills (thousandths of a dollar) for
//! rates. The only rounding is [`mills_to_cents`], applied once per call or
//! message to the whole paid amount, never per minute.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// A call shorter than this many paid minutes of credit counts as "low".
pub const LOW_PAID_MINUTES: i64 = 10;
/// Low-balance warnings wait until fewer than this many free minutes are left
/// this month (a tenant with plenty of free minutes is not short of credit).
pub const LOW_FREE_MINUTES: i64 = 10;

/// Minutes billed for a call of `seconds`: ceil(seconds / 60). 0 s (or a
/// nonsensical negative duration) is 0 minutes; 1 s to 60 s is 1 minute; 61 s is 2.
pub fn billable_minutes(seconds: i64) -> i64 {
    if seconds <= 0 {
        0
    } else {
        seconds / 60 + i64::from(seconds % 60 != 0)
    }
}

/// Cents for an amount in mills, **rounded half up**: 1 cent = 10 mills, so
/// 104 mills → 10 ¢, 105 mills → 11 ¢ (half a cent goes to the next cent),
/// 109 mills → 11 ¢. Amounts are never negative here (0 for anything ≤ 0).
/// Applied once to a call's (or message's) whole paid amount.
pub fn mills_to_cents(mills: i64) -> i64 {
    if mills <= 0 {
        0
    } else {
        mills.saturating_add(5) / 10
    }
}

/// A tenant's prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tariff {
    pub monthly_free_minutes: i64,
    /// Price of one paid minute in mills (100 = $0.10).
    pub per_minute_mills: i64,
    /// Price of one SMS in mills (default half the minute rate).
    pub sms_mills: i64,
}

impl Default for Tariff {
    fn default() -> Self {
        Self {
            monthly_free_minutes: 100,
            per_minute_mills: 100,
            sms_mills: 50,
        }
    }
}

/// What one call costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallPrice {
    pub minutes: i64,
    pub free_minutes: i64,
    pub paid_minutes: i64,
    /// The paid part before rounding.
    pub mills: i64,
    /// The paid part in cents, rounded half up once.
    pub cents: i64,
}

/// Prices a call of `seconds` for a tenant that has used `free_used` free
/// minutes this month: free minutes first, the rest at the per-minute rate.
pub fn price_call(seconds: i64, free_used: i64, t: &Tariff) -> CallPrice {
    let minutes = billable_minutes(seconds);
    let free_left = (t.monthly_free_minutes - free_used.max(0)).max(0);
    let free_minutes = minutes.min(free_left);
    let paid_minutes = minutes - free_minutes;
    let mills = paid_minutes.saturating_mul(t.per_minute_mills.max(0));
    CallPrice {
        minutes,
        free_minutes,
        paid_minutes,
        mills,
        cents: mills_to_cents(mills),
    }
}

/// What one SMS costs in cents (from the paid balance; free minutes do not cover SMS).
pub fn price_sms(t: &Tariff) -> i64 {
    mills_to_cents(t.sms_mills)
}

/// The outcome of taking `amount` cents from an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Debit {
    /// Taken from the balance (≤ the balance).
    pub taken: i64,
    /// What the balance could not cover: added to the debt.
    pub uncovered: i64,
    pub balance_after: i64,
    pub debt_after: i64,
}

/// Takes `amount` from `balance`: the balance goes to zero at most, never below;
/// the rest is owed (debt) and collected from the next top-up.
pub fn debit(balance: i64, debt: i64, amount: i64) -> Debit {
    let amount = amount.max(0);
    let balance = balance.max(0);
    let taken = amount.min(balance);
    let uncovered = amount - taken;
    Debit {
        taken,
        uncovered,
        balance_after: balance - taken,
        debt_after: debt.max(0).saturating_add(uncovered),
    }
}

/// The outcome of adding `amount` cents to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credit {
    /// Taken back out of the new balance to pay the debt.
    pub recovered: i64,
    pub balance_after: i64,
    pub debt_after: i64,
}

/// Adds `amount` to the balance, then pays the debt from it first.
pub fn credit(balance: i64, debt: i64, amount: i64) -> Credit {
    let gross = balance.max(0).saturating_add(amount.max(0));
    let recovered = debt.max(0).min(gross);
    Credit {
        recovered,
        balance_after: gross - recovered,
        debt_after: debt.max(0) - recovered,
    }
}

/// The billing month ("YYYY-MM") of an instant in the tenant's time zone: free
/// minutes reset on the 1st at local midnight, and a call is billed in the
/// month (local) in which it ended.
pub fn month_key(at: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{:04}-{:02}", local.year(), local.month())
}

/// Free minutes already used in the month of `current`: the stored counter if
/// it belongs to that month, otherwise 0 (the reset).
pub fn free_used_in(stored_month: Option<&str>, stored_used: i64, current: &str) -> i64 {
    if stored_month == Some(current) {
        stored_used.max(0)
    } else {
        0
    }
}

/// The local date of the next reset (the 1st of next month in `tz`).
pub fn next_reset(at: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<NaiveDate> {
    let local = at.with_timezone(&tz).date_naive();
    let (y, m) = if local.month() == 12 {
        (local.year() + 1, 1)
    } else {
        (local.year(), local.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// What thresholds look at after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub balance: i64,
    pub free_left: i64,
    pub per_minute_mills: i64,
    pub low_threshold_cents: i64,
}

/// Low balance: paid minutes cost something, fewer than [`LOW_FREE_MINUTES`]
/// free minutes are left, and the balance is at or below the tenant's level
/// (default $1.00) or buys fewer than [`LOW_PAID_MINUTES`] paid minutes.
pub fn is_low(s: &Standing) -> bool {
    if s.per_minute_mills <= 0 || s.free_left >= LOW_FREE_MINUTES {
        return false;
    }
    // balance (¢) buys balance*10/rate minutes; "fewer than 10" ⇔ balance*10 < 10*rate.
    let few_minutes = s.balance.saturating_mul(10) < LOW_PAID_MINUTES * s.per_minute_mills;
    s.balance <= s.low_threshold_cents || few_minutes
}

/// Nothing left: no balance and no free minutes (and minutes cost something).
pub fn is_zero(s: &Standing) -> bool {
    s.per_minute_mills > 0 && s.balance <= 0 && s.free_left <= 0
}

/// The notification/pause flags an account carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags {
    pub low_notified: bool,
    pub zero_notified: bool,
    /// The AI receptionist is switched off by billing (not by the owner).
    pub paused_by_billing: bool,
}

/// What to do after a balance change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Decision {
    pub flags: Flags,
    pub notify_low: bool,
    pub notify_zero: bool,
    /// Billing switched the AI back on (it had switched it off).
    pub resumed: bool,
}

/// Evaluates the thresholds: one low-balance notice until the balance is no
/// longer low (a top-up), one zero notice and the AI paused at zero, and the AI
/// resumed once there is credit again (only if billing paused it: the owner's
/// own switch is a different flag billing never touches).
pub fn evaluate(s: &Standing, f: Flags) -> Decision {
    let mut d = Decision {
        flags: f,
        ..Decision::default()
    };
    if is_zero(s) {
        if !f.zero_notified {
            d.notify_zero = true;
        }
        d.flags.zero_notified = true;
        d.flags.paused_by_billing = true;
        // One message at a time: the zero notice says the balance is empty.
        d.flags.low_notified = true;
        return d;
    }
    d.flags.zero_notified = false;
    if f.paused_by_billing {
        d.flags.paused_by_billing = false;
        d.resumed = true;
    }
    if is_low(s) {
        if !f.low_notified {
            d.notify_low = true;
        }
        d.flags.low_notified = true;
    } else {
        d.flags.low_notified = false;
    }
    d
}

/// Formats cents as dollars for people: 1234 → "$12.34".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

/// Cents as a JSON number of dollars (the original API's shape): 1234 → 12.34.
/// Only for display; nothing is computed from it.
pub fn dollars_f64(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Parses an operator's dollar amount ("5", "-2.50", "+10.1") into cents
/// exactly, without floating point. At most two decimals.
pub fn parse_dollars(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('$');
    let (neg, digits) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = digits.trim_start_matches('$');
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    let cents = w.checked_mul(100)?.checked_add(f)?;
    Some(if neg { -cents } else { cents })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    fn t(free: i64, rate: i64) -> Tariff {
        Tariff {
            monthly_free_minutes: free,
            per_minute_mills: rate,
            sms_mills: rate / 2,
        }
    }

    #[test]
    fn minutes_round_up_per_started_minute() {
        assert_eq!(billable_minutes(0), 0);
        assert_eq!(billable_minutes(-5), 0);
        assert_eq!(billable_minutes(1), 1);
        assert_eq!(billable_minutes(59), 1);
        assert_eq!(billable_minutes(60), 1);
        assert_eq!(billable_minutes(61), 2);
        assert_eq!(billable_minutes(120), 2);
        assert_eq!(billable_minutes(121), 3);
    }

    #[test]
    fn zero_seconds_costs_nothing_and_uses_no_free_minutes() {
        let p = price_call(0, 0, &t(100, 100));
        assert_eq!(
            (p.minutes, p.free_minutes, p.paid_minutes, p.cents),
            (0, 0, 0, 0)
        );
        let p = price_call(0, 100, &t(100, 100));
        assert_eq!(p.cents, 0);
    }

    #[test]
    fn free_minutes_first_then_paid() {
        // Plenty of free minutes: all free.
        let p = price_call(61, 0, &t(100, 100));
        assert_eq!(
            (p.minutes, p.free_minutes, p.paid_minutes, p.cents),
            (2, 2, 0, 0)
        );
        // Exactly used up by this call.
        let p = price_call(180, 97, &t(100, 100));
        assert_eq!((p.free_minutes, p.paid_minutes, p.cents), (3, 0, 0));
        // Partly: 2 free left, 5-minute call → 3 paid at 10 ¢.
        let p = price_call(300, 98, &t(100, 100));
        assert_eq!((p.free_minutes, p.paid_minutes, p.cents), (2, 3, 30));
        // None left.
        let p = price_call(60, 100, &t(100, 100));
        assert_eq!((p.free_minutes, p.paid_minutes, p.cents), (0, 1, 10));
        // A counter past the allowance (allowance lowered mid-month) is not negative free minutes.
        let p = price_call(60, 150, &t(100, 100));
        assert_eq!((p.free_minutes, p.paid_minutes), (0, 1));
    }

    #[test]
    fn rates_with_half_cents_round_half_up_once_per_call() {
        // 10.5 ¢ a minute.
        assert_eq!(price_call(60, 0, &t(0, 105)).cents, 11); // 10.5 → 11
        assert_eq!(price_call(120, 0, &t(0, 105)).cents, 21); // 21.0
        assert_eq!(price_call(180, 0, &t(0, 105)).cents, 32); // 31.5 → 32 (not 3 × 11 = 33)
        // 10.4 ¢ rounds down, 10.6 ¢ up.
        assert_eq!(price_call(60, 0, &t(0, 104)).cents, 10);
        assert_eq!(price_call(60, 0, &t(0, 106)).cents, 11);
        assert_eq!(mills_to_cents(5), 1);
        assert_eq!(mills_to_cents(4), 0);
        assert_eq!(mills_to_cents(0), 0);
        assert_eq!(mills_to_cents(-7), 0);
    }

    #[test]
    fn sms_price_defaults_to_half_a_minute() {
        let tariff = Tariff::default();
        assert_eq!(price_sms(&tariff), 5);
        assert_eq!(price_sms(&t(0, 75)), 4); // 37 mills → 3.7 ¢ → 4 ¢
    }

    #[test]
    fn debit_stops_at_zero_and_records_debt() {
        assert_eq!(
            debit(500, 0, 120),
            Debit {
                taken: 120,
                uncovered: 0,
                balance_after: 380,
                debt_after: 0
            }
        );
        assert_eq!(
            debit(50, 0, 120),
            Debit {
                taken: 50,
                uncovered: 70,
                balance_after: 0,
                debt_after: 70
            }
        );
        assert_eq!(debit(0, 70, 30).debt_after, 100);
    }

    #[test]
    fn top_up_pays_the_debt_first() {
        assert_eq!(
            credit(0, 70, 500),
            Credit {
                recovered: 70,
                balance_after: 430,
                debt_after: 0
            }
        );
        // A top-up smaller than the debt leaves the balance at zero.
        assert_eq!(
            credit(0, 700, 500),
            Credit {
                recovered: 500,
                balance_after: 0,
                debt_after: 200
            }
        );
        assert_eq!(credit(100, 0, 500).balance_after, 600);
    }

    #[test]
    fn month_is_the_tenants_local_month() {
        let ny = chrono_tz::America::New_York; // behind UTC
        let tokyo = chrono_tz::Asia::Tokyo; // ahead of UTC
        // 2026-12-01 03:00 UTC is still 30 November (22:00) in New York…
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).unwrap();
        assert_eq!(month_key(at, ny), "2026-11");
        assert_eq!(month_key(at, tokyo), "2026-12");
        // …and 2026-11-30 16:00 UTC is already 1 December (01:00) in Tokyo.
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap();
        assert_eq!(month_key(at, tokyo), "2026-12");
        assert_eq!(month_key(at, ny), "2026-11");
        // New York's 1st starts at 05:00 UTC (EST).
        let before = Utc.with_ymd_and_hms(2026, 12, 1, 4, 59, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 12, 1, 5, 0, 0).unwrap();
        assert_eq!(month_key(before, ny), "2026-11");
        assert_eq!(month_key(after, ny), "2026-12");
        // Year end.
        let at = Utc.with_ymd_and_hms(2027, 1, 1, 0, 30, 0).unwrap();
        assert_eq!(month_key(at, tokyo), "2027-01");
        assert_eq!(month_key(at, ny), "2026-12");
        assert_eq!(next_reset(at, ny), NaiveDate::from_ymd_opt(2027, 1, 1));
        assert_eq!(next_reset(at, tokyo), NaiveDate::from_ymd_opt(2027, 2, 1));
    }

    #[test]
    fn free_minutes_reset_when_the_month_changes() {
        assert_eq!(free_used_in(Some("2026-11"), 80, "2026-11"), 80);
        assert_eq!(free_used_in(Some("2026-11"), 80, "2026-12"), 0);
        assert_eq!(free_used_in(None, 80, "2026-12"), 0);
    }

    fn standing(balance: i64, free_left: i64) -> Standing {
        Standing {
            balance,
            free_left,
            per_minute_mills: 100,
            low_threshold_cents: 100,
        }
    }

    #[test]
    fn low_balance_is_noticed_once_until_a_top_up() {
        let f = Flags::default();
        // Plenty of free minutes: not low.
        assert!(!evaluate(&standing(0, 50), f).notify_low);
        let d = evaluate(&standing(90, 5), f);
        assert!(d.notify_low && d.flags.low_notified && !d.notify_zero);
        let again = evaluate(&standing(80, 0), d.flags);
        assert!(!again.notify_low);
        // A top-up above the level re-arms it.
        let topped = evaluate(&standing(2_000, 0), again.flags);
        assert!(!topped.flags.low_notified);
        assert!(evaluate(&standing(50, 0), topped.flags).notify_low);
        // Fewer than 10 paid minutes at a higher rate is low even above $1.00.
        let dear = Standing {
            per_minute_mills: 250,
            ..standing(200, 0)
        };
        assert!(is_low(&dear));
    }

    #[test]
    fn zero_pauses_once_and_a_top_up_resumes() {
        let d = evaluate(&standing(0, 0), Flags::default());
        assert!(d.notify_zero && d.flags.paused_by_billing && !d.notify_low);
        let again = evaluate(&standing(0, 0), d.flags);
        assert!(!again.notify_zero && again.flags.paused_by_billing);
        let topped = evaluate(&standing(500, 0), again.flags);
        assert!(topped.resumed && !topped.flags.paused_by_billing && !topped.flags.zero_notified);
        // Not paused by billing: nothing to resume.
        assert!(!evaluate(&standing(500, 0), Flags::default()).resumed);
        // Free minutes left: not zero.
        assert!(!is_zero(&standing(0, 1)));
        // Free calling (rate 0) never pauses.
        let free = Standing {
            per_minute_mills: 0,
            ..standing(0, 0)
        };
        assert!(!is_zero(&free) && !is_low(&free));
    }

    #[test]
    fn dollar_amounts_parse_exactly() {
        assert_eq!(parse_dollars("5"), Some(500));
        assert_eq!(parse_dollars("-2.5"), Some(-250));
        assert_eq!(parse_dollars("+10.01"), Some(1001));
        assert_eq!(parse_dollars("$3.10"), Some(310));
        assert_eq!(parse_dollars(".5"), Some(50));
        for bad in ["", "abc", "1.234", "1e3", "--1", "1,00", "."] {
            assert_eq!(parse_dollars(bad), None, "{bad}");
        }
        assert_eq!(dollars(1234), "$12.34");
        assert_eq!(dollars(-5), "-$0.05");
    }
}
