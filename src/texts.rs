//! Customer-facing SMS texts in English and Spanish: confirmations,
//! cancellations, reschedules and reminders, with the business name, the local
//! date and time and the confirmation code.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

fn is_es(lang: &str) -> bool {
    lang == "es"
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn weekday(lang: &str, w: Weekday) -> &'static str {
    let i = w.num_days_from_monday() as usize;
    if is_es(lang) {
        [
            "lunes",
            "martes",
            "miércoles",
            "jueves",
            "viernes",
            "sábado",
            "domingo",
        ][i]
    } else {
        [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][i]
    }
}

/// "Tuesday, March 3" / "martes 3 de marzo".
pub fn date(lang: &str, d: NaiveDate) -> String {
    let m = d.month0() as usize;
    if is_es(lang) {
        format!(
            "{} {} de {}",
            weekday(lang, d.weekday()),
            d.day(),
            MONTHS_ES[m]
        )
    } else {
        format!(
            "{}, {} {}",
            weekday(lang, d.weekday()),
            MONTHS_EN[m],
            d.day()
        )
    }
}

/// "3:30 PM" / "15:30".
pub fn time(lang: &str, t: NaiveTime) -> String {
    if is_es(lang) {
        t.format("%H:%M").to_string()
    } else {
        let (pm, h) = t.hour12();
        format!("{h}:{:02} {}", t.minute(), if pm { "PM" } else { "AM" })
    }
}

pub fn confirmation(lang: &str, business: &str, d: NaiveDate, t: NaiveTime, code: &str) -> String {
    if is_es(lang) {
        format!(
            "{business}: su cita está confirmada para el {} a las {}. Código de confirmación: {code}. Responda STOP para no recibir más mensajes.",
            date(lang, d),
            time(lang, t)
        )
    } else {
        format!(
            "{business}: your appointment is confirmed for {} at {}. Confirmation code: {code}. Reply STOP to opt out.",
            date(lang, d),
            time(lang, t)
        )
    }
}

pub fn cancellation(lang: &str, business: &str, d: NaiveDate, t: NaiveTime, code: &str) -> String {
    if is_es(lang) {
        format!(
            "{business}: su cita del {} a las {} (código {code}) ha sido cancelada. Llámenos para reservar otra.",
            date(lang, d),
            time(lang, t)
        )
    } else {
        format!(
            "{business}: your appointment on {} at {} (code {code}) has been cancelled. Call us to book another time.",
            date(lang, d),
            time(lang, t)
        )
    }
}

pub fn reschedule(lang: &str, business: &str, d: NaiveDate, t: NaiveTime, code: &str) -> String {
    if is_es(lang) {
        format!(
            "{business}: su cita se cambió al {} a las {}. Código de confirmación: {code}.",
            date(lang, d),
            time(lang, t)
        )
    } else {
        format!(
            "{business}: your appointment has been moved to {} at {}. Confirmation code: {code}.",
            date(lang, d),
            time(lang, t)
        )
    }
}

pub fn reminder(lang: &str, business: &str, d: NaiveDate, t: NaiveTime, code: &str) -> String {
    if is_es(lang) {
        format!(
            "{business}: le recordamos su cita del {} a las {} (código {code}). Responda C para confirmar o R para cambiarla.",
            date(lang, d),
            time(lang, t)
        )
    } else {
        format!(
            "Reminder from {business}: your appointment is {} at {} (code {code}). Reply C to confirm or R to reschedule.",
            date(lang, d),
            time(lang, t)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_read_naturally() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let t = NaiveTime::from_hms_opt(15, 30, 0).unwrap();
        assert_eq!(date("en", d), "Tuesday, March 3");
        assert_eq!(date("es", d), "martes 3 de marzo");
        assert_eq!(time("en", t), "3:30 PM");
        assert_eq!(
            time("en", NaiveTime::from_hms_opt(0, 5, 0).unwrap()),
            "12:05 AM"
        );
        assert_eq!(time("es", t), "15:30");
        let r = reminder("en", "Bright Smiles", d, t, "K7P2QX");
        assert!(r.contains("Bright Smiles") && r.contains("K7P2QX") && r.contains("Reply C"));
        assert!(reminder("es", "Sonrisas", d, t, "K7P2QX").contains("Responda C"));
    }
}
