//! The one way to book, move and cancel an appointment, used by the API, the
//! dashboard and the voice receptionist alike. Each function runs inside the
//! caller's write transaction: it asks the scheduling engine, writes the row,
//! records the history and queues the customer's SMS (and, for a booking the
//! receptionist took, an email to the owner), all atomically. Two
//! requests racing for one slot produce one booking and one refusal (the
//! single writer serialises them; the partial unique index is the last guard).

use crate::db::CachedSql;
use crate::db::{self, appointments as appts, messages};
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use crate::scheduling::{Booked, Rules, Slot, Unavailable};
use crate::texts;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rusqlite::Connection;

/// Letters and digits that cannot be confused when read aloud or typed (no 0/O/1/I).
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 6;

pub fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Normalises what a person typed or said as a code (case, spaces, dashes).
pub fn normalize_code(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub struct Request {
    pub customer_name: String,
    pub customer_phone: E164,
    pub customer_email: Option<String>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    /// Minutes; the tenant's appointment duration when None.
    pub duration: Option<i64>,
    pub purpose: Option<String>,
    pub notes: Option<String>,
    pub source: String,
    pub language: Option<String>,
    pub call_sid: Option<String>,
    /// The owner may book outside opening hours or notice; never over another booking.
    pub owner_override: bool,
    /// Who is acting, for the history: `user:<id>`, `voice`, `sms`, `system`.
    pub actor: String,
}

/// A refusal the caller can explain, with the nearest free slots to offer instead.
#[derive(Debug)]
pub struct Refusal {
    pub reason: Unavailable,
    pub alternatives: Vec<Slot>,
}

impl Refusal {
    /// The API's answer: 409 when the slot is taken, 400 for other reasons.
    pub fn into_app_error(self) -> AppError {
        let reason = self.reason.to_string();
        let mut first = reason.chars();
        let mut msg: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        if !msg.ends_with('.') {
            msg.push('.');
        }
        if !self.alternatives.is_empty() {
            let alts: Vec<String> = self
                .alternatives
                .iter()
                .map(|s| format!("{} {}", s.date, s.time.format("%H:%M")))
                .collect();
            msg.push_str(&format!(" Nearest free times: {}.", alts.join(", ")));
        }
        match self.reason {
            Unavailable::Taken => AppError::conflict(msg, None),
            _ => AppError::validation("appointmentTime", msg),
        }
    }
}

struct Tenant {
    name: String,
    language: String,
    sms: bool,
    timezone: String,
}

fn tenant(conn: &Connection, client: ClientId) -> Result<Tenant, AppError> {
    conn.query_row_cached(
        "SELECT business_name, default_language, sms_notifications, timezone FROM clients WHERE id = ?1",
        [client.get()],
        |r| Ok(Tenant { name: r.get(0)?, language: r.get(1)?, sms: r.get(2)?, timezone: r.get(3)? }),
    )
    .map_err(|e| match e {
        rusqlite::Error::QueryReturnedNoRows => AppError::not_found("business"),
        other => other.into(),
    })
}

/// Whether [date time, +duration) overlaps any booking (naive local time).
fn overlaps(booked: &[Booked], date: NaiveDate, time: NaiveTime, duration: i64) -> bool {
    let start = NaiveDateTime::new(date, time);
    let end = start + Duration::minutes(duration);
    booked.iter().any(|b| {
        let bs = NaiveDateTime::new(b.date, b.time);
        let be = bs + Duration::minutes(i64::from(b.duration_min));
        bs < end && start < be
    })
}

/// Checks a slot: the engine's verdict, or with `owner_override` only overlaps.
fn check(
    rules: &Rules,
    date: NaiveDate,
    time: NaiveTime,
    duration: i64,
    booked: &[Booked],
    now: DateTime<Utc>,
    owner_override: bool,
) -> Result<DateTime<Utc>, Refusal> {
    let mut r = rules.clone();
    r.duration_min = u32::try_from(duration).unwrap_or(r.duration_min);
    let refuse = |reason: Unavailable| Refusal {
        alternatives: rules.nearest_free(date, time, 2, booked, now),
        reason,
    };
    match r.check(date, time, booked, now) {
        Ok(slot) => Ok(slot.starts_at_utc),
        Err(Unavailable::Taken) => Err(refuse(Unavailable::Taken)),
        Err(reason @ Unavailable::NonexistentLocalTime) => Err(refuse(reason)),
        Err(reason) if !owner_override => Err(refuse(reason)),
        Err(_) => {
            if overlaps(booked, date, time, duration) {
                return Err(refuse(Unavailable::Taken));
            }
            crate::scheduling::local_to_utc(rules.tz, date, time)
                .ok_or_else(|| refuse(Unavailable::NonexistentLocalTime))
        }
    }
}

/// Queues the customer's SMS about `a` (confirmation, reschedule or cancellation).
fn notify(
    conn: &Connection,
    client: ClientId,
    t: &Tenant,
    a: &appts::Appointment,
    kind: messages::SmsKind,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    if !t.sms {
        return Ok(false);
    }
    let Ok(to) = E164::parse(&a.customer_phone) else {
        return Ok(false);
    };
    let (d, tm) = parse_dt(a);
    let code = &a.confirmation_code;
    let (body, key) = match kind {
        messages::SmsKind::Reschedule => (
            texts::reschedule(&a.language, &t.name, d, tm, code),
            format!("appt:{}:moved:{d}T{}", a.id, tm.format("%H%M")),
        ),
        messages::SmsKind::Cancellation => (
            texts::cancellation(&a.language, &t.name, d, tm, code),
            format!("appt:{}:cancelled", a.id),
        ),
        _ => (
            texts::confirmation(&a.language, &t.name, d, tm, code),
            format!("appt:{}:confirmation", a.id),
        ),
    };
    let q = messages::queue_sms(
        conn,
        &messages::NewSms {
            client_id: client,
            to: &to,
            body: &body,
            kind,
            contact_id: a.contact_id,
            appointment_id: Some(a.id),
            idempotency_key: &key,
        },
        now,
    )?;
    Ok(matches!(
        q,
        messages::Queued::New(_) | messages::Queued::Duplicate
    ))
}

/// Tells the owner (by email, when the business has an owner email) that a
/// caller booked: the receptionist took it, so the owner has not seen it yet.
fn email_owner(
    conn: &Connection,
    client: ClientId,
    t: &Tenant,
    a: &appts::Appointment,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(owner) = db::billing::account(conn, client)? else {
        return Ok(());
    };
    let Some(to) = owner.owner_email.as_deref().filter(|e| !e.is_empty()) else {
        return Ok(());
    };
    let lang = crate::sms::Lang::from_code(&owner.language);
    let when = crate::sms::when(lang, &a.appointment_date, &a.appointment_time);
    let phone = E164::parse(&a.customer_phone)
        .map(|p| p.display())
        .unwrap_or_else(|_| a.customer_phone.clone());
    let mail = crate::emails::render(
        &crate::emails::Template::AppointmentBooked {
            business: &t.name,
            customer: &a.customer_name,
            phone: &phone,
            when: &when,
            code: &a.confirmation_code,
            // Booking knows no public URL; the email carries no link.
            dashboard: "",
        },
        &owner.language,
    );
    db::outbox::enqueue(
        conn,
        &db::outbox::NewItem {
            client_id: Some(client),
            channel: db::outbox::Channel::Email,
            recipient: to,
            subject: Some(&mail.subject),
            body: &mail.text,
            html_body: Some(&mail.html),
            idempotency_key: &format!("appt:{}:owner-email", a.id),
        },
        now,
    )?;
    Ok(())
}

fn parse_dt(a: &appts::Appointment) -> (NaiveDate, NaiveTime) {
    (
        a.appointment_date.parse().unwrap_or_default(),
        NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").unwrap_or_default(),
    )
}

/// Books an appointment. `Ok(Err(refusal))` when the slot cannot be had.
pub fn book(
    conn: &Connection,
    client: ClientId,
    req: &Request,
    now: DateTime<Utc>,
) -> Result<Result<appts::Appointment, Refusal>, AppError> {
    let t = tenant(conn, client)?;
    let rules = db::settings::rules(conn, client)?;
    let duration = req
        .duration
        .unwrap_or(i64::from(rules.duration_min))
        .clamp(5, 24 * 60);
    let booked = appts::booked(
        conn,
        client,
        req.date.pred_opt().unwrap_or(req.date),
        req.date.succ_opt().unwrap_or(req.date),
        None,
    )?;
    let starts_at = match check(
        &rules,
        req.date,
        req.time,
        duration,
        &booked,
        now,
        req.owner_override,
    ) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    let contact_id = db::contacts::find_or_create(
        conn,
        client,
        &req.customer_phone,
        &req.customer_name,
        if req.source == "voice_booking" {
            "rachel_voice"
        } else {
            "manual"
        },
        now,
    )?;
    let language = req.language.clone().unwrap_or_else(|| t.language.clone());
    let mut id = None;
    for _ in 0..20 {
        let code = new_code();
        if appts::code_exists(conn, client, &code)? {
            continue;
        }
        let new = appts::NewAppointment {
            contact_id: Some(contact_id),
            customer_name: &req.customer_name,
            customer_phone: req.customer_phone.as_str(),
            customer_email: req.customer_email.as_deref(),
            date: req.date,
            time: req.time,
            timezone: &t.timezone,
            starts_at,
            duration,
            purpose: req.purpose.as_deref(),
            notes: req.notes.as_deref(),
            code: &code,
            source: &req.source,
            language: &language,
            call_sid: req.call_sid.as_deref(),
        };
        match appts::insert(conn, client, &new, now) {
            Ok(i) => {
                id = Some(i);
                break;
            }
            Err(appts::InsertError::CodeTaken) => continue,
            Err(appts::InsertError::SlotTaken) => {
                return Ok(Err(Refusal {
                    reason: Unavailable::Taken,
                    alternatives: rules.nearest_free(req.date, req.time, 2, &booked, now),
                }));
            }
            Err(appts::InsertError::Other(e)) => return Err(e),
        }
    }
    let id = id.ok_or_else(|| AppError::internal("could not find a free confirmation code"))?;
    appts::add_history(
        conn,
        client,
        id,
        None,
        "confirmed",
        "created",
        Some(&format!("{} {}", req.date, req.time.format("%H:%M"))),
        &req.actor,
        now,
    )?;
    let a =
        appts::get(conn, client, id)?.ok_or_else(|| AppError::internal("appointment vanished"))?;
    if notify(conn, client, &t, &a, messages::SmsKind::Confirmation, now)? {
        appts::mark_confirmation_sent(conn, client, id)?;
    }
    if req.source == "voice_booking" {
        email_owner(conn, client, &t, &a, now)?;
    }
    Ok(Ok(appts::get(conn, client, id)?.unwrap_or(a)))
}

/// Where an appointment should move to.
#[derive(Clone, Copy)]
pub struct Move {
    pub date: NaiveDate,
    pub time: NaiveTime,
    /// Minutes; unchanged when None.
    pub duration: Option<i64>,
    pub owner_override: bool,
}

/// Moves an active appointment to a new local date and time.
pub fn reschedule(
    conn: &Connection,
    client: ClientId,
    id: i64,
    mv: &Move,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Result<appts::Appointment, Refusal>, AppError> {
    let Move {
        date,
        time,
        duration,
        owner_override,
    } = *mv;
    let t = tenant(conn, client)?;
    let a = appts::get(conn, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
    if a.status == "cancelled" || a.status == "completed" || a.status == "no_show" {
        return Err(AppError::conflict(
            format!(
                "This appointment is {} and cannot be moved; book a new one.",
                a.status.replace('_', "-")
            ),
            Some(id),
        ));
    }
    let rules = db::settings::rules(conn, client)?;
    let duration = duration.unwrap_or(a.duration).clamp(5, 24 * 60);
    let booked = appts::booked(
        conn,
        client,
        date.pred_opt().unwrap_or(date),
        date.succ_opt().unwrap_or(date),
        Some(id),
    )?;
    let starts_at = match check(&rules, date, time, duration, &booked, now, owner_override) {
        Ok(s) => s,
        Err(r) => return Ok(Err(r)),
    };
    if !appts::move_to(
        conn,
        client,
        id,
        &appts::Placement {
            date,
            time,
            starts_at,
            duration,
        },
        now,
    )? {
        return Ok(Err(Refusal {
            reason: Unavailable::Taken,
            alternatives: rules.nearest_free(date, time, 2, &booked, now),
        }));
    }
    let (old_d, old_t) = parse_dt(&a);
    let detail = format!(
        "{} {} → {} {}",
        old_d,
        old_t.format("%H:%M"),
        date,
        time.format("%H:%M")
    );
    appts::add_history(
        conn,
        client,
        id,
        Some(&a.status),
        &a.status,
        "rescheduled",
        Some(&detail),
        actor,
        now,
    )?;
    let moved =
        appts::get(conn, client, id)?.ok_or_else(|| AppError::internal("appointment vanished"))?;
    notify(conn, client, &t, &moved, messages::SmsKind::Reschedule, now)?;
    Ok(Ok(moved))
}

/// Cancels an appointment (idempotent: cancelling twice changes nothing more).
pub fn cancel(
    conn: &Connection,
    client: ClientId,
    id: i64,
    reason: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<appts::Appointment, AppError> {
    let t = tenant(conn, client)?;
    let a = appts::get(conn, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
    if a.status == "cancelled" {
        return Ok(a);
    }
    appts::set_status(conn, client, id, "cancelled", reason, now)?;
    appts::add_history(
        conn,
        client,
        id,
        Some(&a.status),
        "cancelled",
        "cancelled",
        reason,
        actor,
        now,
    )?;
    let c =
        appts::get(conn, client, id)?.ok_or_else(|| AppError::internal("appointment vanished"))?;
    if starts_in_future(&c, now) {
        notify(conn, client, &t, &c, messages::SmsKind::Cancellation, now)?;
    }
    Ok(c)
}

fn starts_in_future(a: &appts::Appointment, now: DateTime<Utc>) -> bool {
    crate::clock::from_db(&a.starts_at).is_some_and(|s| s > now)
}

/// Sets a non-cancel status (confirmed, pending, completed, no_show).
pub fn set_status(
    conn: &Connection,
    client: ClientId,
    id: i64,
    status: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<appts::Appointment, AppError> {
    let a = appts::get(conn, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
    if a.status == status {
        return Ok(a);
    }
    if !appts::set_status(conn, client, id, status, None, now)? {
        return Err(AppError::conflict(
            "That time has been booked by someone else since this appointment was cancelled.",
            None,
        ));
    }
    appts::add_history(
        conn,
        client,
        id,
        Some(&a.status),
        status,
        "status",
        None,
        actor,
        now,
    )?;
    appts::get(conn, client, id)?.ok_or_else(|| AppError::internal("appointment vanished"))
}

/// Queues the confirmation SMS again (an explicit resend: a new message each time).
pub fn resend_confirmation(
    conn: &Connection,
    client: ClientId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<messages::Queued, AppError> {
    let t = tenant(conn, client)?;
    let a = appts::get(conn, client, id)?.ok_or_else(|| AppError::not_found("appointment"))?;
    if a.status == "cancelled" {
        return Err(AppError::conflict(
            "This appointment is cancelled; there is nothing to confirm.",
            Some(id),
        ));
    }
    let to =
        E164::parse(&a.customer_phone).map_err(|m| AppError::validation("customerPhone", m))?;
    let (d, tm) = parse_dt(&a);
    let body = texts::confirmation(&a.language, &t.name, d, tm, &a.confirmation_code);
    let key = format!(
        "appt:{id}:confirmation:resend:{}",
        crate::auth::random_hex(8)
    );
    let q = messages::queue_sms(
        conn,
        &messages::NewSms {
            client_id: client,
            to: &to,
            body: &body,
            kind: messages::SmsKind::Confirmation,
            contact_id: a.contact_id,
            appointment_id: Some(id),
            idempotency_key: &key,
        },
        now,
    )?;
    if matches!(q, messages::Queued::New(_)) {
        appts::mark_confirmation_sent(conn, client, id)?;
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_avoid_confusable_characters() {
        for _ in 0..500 {
            let c = new_code();
            assert_eq!(c.len(), CODE_LEN);
            assert!(!c.contains(['0', 'O', '1', 'I']), "{c}");
        }
        assert_eq!(normalize_code(" k7p-2qx "), "K7P2QX");
    }

    #[test]
    fn overlap_is_half_open() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 5).unwrap();
        let b = [Booked {
            date: d,
            time: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            duration_min: 30,
        }];
        assert!(overlaps(
            &b,
            d,
            NaiveTime::from_hms_opt(10, 15, 0).unwrap(),
            30
        ));
        assert!(!overlaps(
            &b,
            d,
            NaiveTime::from_hms_opt(10, 30, 0).unwrap(),
            30
        ));
        assert!(!overlaps(
            &b,
            d,
            NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            30
        ));
    }
}
