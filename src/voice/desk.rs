//! The receptionist's view of the calendar inside the webhook's transaction:
//! the scheduling engine over the tenant's bookings, and the caller's
//! appointments. A database error here is logged and reads as "nothing found",
//! so the caller hears an alternative instead of silence.

use super::flow::{Appt, Desk, SlotAt, SlotRefusal};
use crate::booking::normalize_code;
use crate::db::appointments as appts;
use crate::domain::ClientId;
use crate::scheduling::{Period, Rules};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rusqlite::Connection;

pub struct DbDesk<'c> {
    pub conn: &'c Connection,
    pub client: ClientId,
    pub rules: Rules,
    pub now: DateTime<Utc>,
    pub caller: Option<String>,
}

fn ok_or_log<T: Default>(r: Result<T, crate::AppError>) -> T {
    r.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "voice desk lookup failed");
        T::default()
    })
}

fn to_appt(a: &appts::Appointment) -> Option<Appt> {
    Some(Appt {
        id: a.id,
        date: a.appointment_date.parse().ok()?,
        time: NaiveTime::parse_from_str(&a.appointment_time, "%H:%M").ok()?,
        code: a.confirmation_code.clone(),
    })
}

impl DbDesk<'_> {
    fn booked(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        ignore: Option<i64>,
    ) -> Vec<crate::scheduling::Booked> {
        ok_or_log(appts::booked(self.conn, self.client, from, to, ignore))
    }
}

impl Desk for DbDesk<'_> {
    fn now_local(&self) -> NaiveDateTime {
        self.now.with_timezone(&self.rules.tz).naive_local()
    }

    fn is_open_now(&self) -> bool {
        self.rules.is_open_at(self.now)
    }

    fn check(&self, (d, t): SlotAt, ignore: Option<i64>) -> Result<(), SlotRefusal> {
        let booked = self.booked(d.pred_opt().unwrap_or(d), d.succ_opt().unwrap_or(d), ignore);
        self.rules
            .check(d, t, &booked, self.now)
            .map(|_| ())
            .map_err(|reason| SlotRefusal {
                code: reason.code(),
                alternatives: self
                    .rules
                    .nearest_free(d, t, 2, &booked, self.now)
                    .iter()
                    .map(|s| (s.date, s.time))
                    .collect(),
            })
    }

    fn free(&self, date: NaiveDate, period: Option<Period>, n: usize) -> Vec<SlotAt> {
        let booked = self.booked(
            date.pred_opt().unwrap_or(date),
            date.succ_opt().unwrap_or(date),
            None,
        );
        let slots = match period {
            Some(p) => self.rules.free_slots_in_period(date, p, &booked, self.now),
            None => self.rules.free_slots(date, &booked, self.now),
        };
        slots.iter().take(n).map(|s| (s.date, s.time)).collect()
    }

    fn next_free(&self, n: usize) -> Vec<SlotAt> {
        let today = self.rules.local_today(self.now);
        let booked = self.booked(today, today + Duration::days(31), None);
        self.rules
            .next_free_slots(self.now, n, &booked, self.now)
            .iter()
            .map(|s| (s.date, s.time))
            .collect()
    }

    fn caller_appointments(&self) -> Vec<Appt> {
        let Some(caller) = &self.caller else {
            return vec![];
        };
        ok_or_log(appts::upcoming_for_phone(
            self.conn,
            self.client,
            caller,
            self.now,
        ))
        .iter()
        .filter_map(to_appt)
        .collect()
    }

    fn by_code(&self, code: &str) -> Option<Appt> {
        let code = normalize_code(code);
        if code.len() < 4 || code.len() > 12 {
            return None;
        }
        ok_or_log(appts::get_by_code(self.conn, self.client, &code))
            .filter(|a| a.status == "confirmed" || a.status == "pending")
            .filter(|a| crate::clock::from_db(&a.starts_at).is_some_and(|s| s > self.now))
            .as_ref()
            .and_then(to_appt)
    }
}
