//! Appointment reminders: an SMS about `reminder_lead_minutes` (default 24 h)
//! before each appointment, exactly once, never during quiet hours (21:00–08:00
//! in the business's zone) and not at all for appointments booked less than the
//! lead time ahead. `decide` is the pure rule; `run_once` applies it, queueing
//! the SMS and setting `reminder_sent` in one transaction (so a crash between
//! the two cannot happen and a restart never sends twice).

use crate::app::AppState;
use crate::clock::{from_db, to_db};
use crate::db::CachedSql;
use crate::db::messages::{self, NewSms, SmsKind};
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use crate::texts;
use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, params};

pub const QUIET_FROM_HOUR: u32 = 21;
pub const QUIET_UNTIL_HOUR: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Queue the reminder now.
    Send,
    /// Not yet (too early, or quiet hours); look again later.
    Wait,
    /// Never: booked too late for a reminder, or the appointment has begun.
    Skip,
}

/// Whether to send the reminder of an appointment starting at `starts_at`,
/// booked at `booked_at`, with the tenant's lead time, at `now`.
pub fn decide(
    starts_at: DateTime<Utc>,
    booked_at: DateTime<Utc>,
    lead: Duration,
    now: DateTime<Utc>,
    tz: Tz,
) -> Decision {
    if starts_at <= now || starts_at - booked_at < lead {
        return Decision::Skip;
    }
    if now < starts_at - lead {
        return Decision::Wait;
    }
    let hour = now.with_timezone(&tz).hour();
    if (QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour) {
        Decision::Send
    } else {
        Decision::Wait
    }
}

struct Due {
    id: i64,
    client_id: i64,
    phone: String,
    contact_id: Option<i64>,
    date: String,
    time: String,
    code: String,
    language: String,
    starts_at: String,
    created_at: String,
    timezone: String,
    business: String,
    lead: i64,
}

fn due(conn: &Connection, now: DateTime<Utc>) -> Result<Vec<Due>, AppError> {
    // Candidates: active, not yet reminded, starting within the next 8 days.
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.client_id, a.customer_phone, a.contact_id, a.appointment_date, a.appointment_time,
                a.confirmation_code, a.language, a.starts_at, a.created_at, c.timezone, c.business_name,
                c.reminder_lead_minutes
         FROM appointments a JOIN clients c ON c.id = a.client_id
         WHERE a.reminder_sent = 0 AND a.status IN ('confirmed', 'pending') AND c.active = 1
           AND c.sms_notifications = 1 AND c.reminder_lead_minutes > 0
           AND a.starts_at > ?1 AND a.starts_at <= ?2
         ORDER BY a.starts_at LIMIT 500",
    )?;
    let rows = stmt.query_map(params![to_db(now), to_db(now + Duration::days(8))], |r| {
        Ok(Due {
            id: r.get(0)?,
            client_id: r.get(1)?,
            phone: r.get(2)?,
            contact_id: r.get(3)?,
            date: r.get(4)?,
            time: r.get(5)?,
            code: r.get(6)?,
            language: r.get(7)?,
            starts_at: r.get(8)?,
            created_at: r.get(9)?,
            timezone: r.get(10)?,
            business: r.get(11)?,
            lead: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Queues every reminder that is due now; returns how many were queued.
pub fn run_once_on(conn: &Connection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut queued = 0;
    for d in due(conn, now)? {
        let (Some(starts), Some(booked)) = (from_db(&d.starts_at), from_db(&d.created_at)) else {
            continue;
        };
        let tz: Tz = d.timezone.parse().unwrap_or(chrono_tz::America::New_York);
        let decision = decide(starts, booked, Duration::minutes(d.lead), now, tz);
        if decision == Decision::Wait {
            continue;
        }
        // Skip and Send both settle the row: 2 = skipped, 1 = sent.
        let mark = if decision == Decision::Send { 1 } else { 2 };
        conn.execute_cached(
            "UPDATE appointments SET reminder_sent = ?2 WHERE id = ?1 AND reminder_sent = 0",
            params![d.id, mark],
        )?;
        if decision == Decision::Skip {
            continue;
        }
        let (Ok(to), Ok(date), Ok(time)) = (
            E164::parse(&d.phone),
            d.date.parse(),
            NaiveTime::parse_from_str(&d.time, "%H:%M"),
        ) else {
            continue;
        };
        let body = texts::reminder(&d.language, &d.business, date, time, &d.code);
        let q = messages::queue_sms(
            conn,
            &NewSms {
                client_id: ClientId::from_trusted(d.client_id),
                to: &to,
                body: &body,
                kind: SmsKind::Reminder,
                contact_id: d.contact_id,
                appointment_id: Some(d.id),
                idempotency_key: &format!("appt:{}:reminder:{}", d.id, d.starts_at),
            },
            now,
        )?;
        if matches!(q, messages::Queued::New(_)) {
            queued += 1;
        }
    }
    Ok(queued)
}

/// One pass of the reminder job through the writer.
pub async fn run_once(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    state.db.write(move |c| run_once_on(c, now)).await
}

/// Runs the job every minute until the server stops.
pub async fn run_forever(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = run_once(&state).await {
            tracing::warn!(error = %e, "reminder pass failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    const NY: Tz = chrono_tz::America::New_York;

    #[test]
    fn reminds_a_day_ahead_outside_quiet_hours() {
        let lead = Duration::hours(24);
        let starts = at("2026-06-10T15:00:00Z"); // 11:00 in New York
        let booked = at("2026-06-01T12:00:00Z");
        assert_eq!(
            decide(starts, booked, lead, at("2026-06-09T14:00:00Z"), NY),
            Decision::Wait,
            "too early"
        );
        assert_eq!(
            decide(starts, booked, lead, at("2026-06-09T15:00:00Z"), NY),
            Decision::Send
        );
        assert_eq!(
            decide(starts, booked, lead, at("2026-06-10T15:00:00Z"), NY),
            Decision::Skip,
            "already started"
        );
    }

    #[test]
    fn waits_out_quiet_hours_in_the_business_zone() {
        let lead = Duration::hours(24);
        let starts = at("2026-06-10T12:30:00Z"); // 08:30 New York
        let booked = at("2026-06-01T12:00:00Z");
        // 08:30 the day before is fine; at 22:00 local (02:00Z) it waits until 08:00.
        let late_evening = NY
            .with_ymd_and_hms(2026, 6, 9, 22, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            decide(starts, booked, lead, late_evening, NY),
            Decision::Wait
        );
        let seven = NY
            .with_ymd_and_hms(2026, 6, 10, 7, 59, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(decide(starts, booked, lead, seven, NY), Decision::Wait);
        let eight = NY
            .with_ymd_and_hms(2026, 6, 10, 8, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(decide(starts, booked, lead, eight, NY), Decision::Send);
    }

    #[test]
    fn no_reminder_when_booked_within_the_lead_time() {
        let starts = at("2026-06-10T15:00:00Z");
        assert_eq!(
            decide(
                starts,
                at("2026-06-10T03:00:00Z"),
                Duration::hours(24),
                at("2026-06-10T13:00:00Z"),
                NY
            ),
            Decision::Skip
        );
    }
}
