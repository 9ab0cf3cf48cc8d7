//! The dashboard's two languages. Every string of the UI is written at its
//! call site in both languages (`lang.t("Calendar", "Calendario")`), so a
//! missing translation cannot compile. The language is the signed-in user's
//! choice; before sign-in it comes from the `ringlypro_lang` cookie or the
//! browser's Accept-Language.

use axum::http::request::Parts;
use chrono::{NaiveDate, NaiveTime};

pub const LANG_COOKIE: &str = "ringlypro_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The stored code (`users.language`); anything unknown reads as English.
    pub fn from_code(s: &str) -> Lang {
        Lang::parse(s).unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The text in this language.
    pub fn t(self, en: &'static str, es: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Es => es,
        }
    }

    /// Like `t`, for texts built at run time.
    pub fn tr(self, en: String, es: String) -> String {
        match self {
            Lang::En => en,
            Lang::Es => es,
        }
    }

    /// "Tuesday, March 3" / "martes 3 de marzo".
    pub fn date(self, d: NaiveDate) -> String {
        crate::texts::date(self.code(), d)
    }

    /// "Mar 3" / "3 mar".
    pub fn short_date(self, d: NaiveDate) -> String {
        use chrono::Datelike;
        const EN: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const ES: [&str; 12] = [
            "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
        ];
        let m = d.month0() as usize;
        match self {
            Lang::En => format!("{} {}", EN[m], d.day()),
            Lang::Es => format!("{} {}", d.day(), ES[m]),
        }
    }

    /// "Mon" / "lun".
    pub fn weekday_short(self, d: chrono::Weekday) -> &'static str {
        let i = d.num_days_from_monday() as usize;
        match self {
            Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
            Lang::Es => ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"][i],
        }
    }

    /// "Monday" / "lunes".
    pub fn weekday(self, d: chrono::Weekday) -> &'static str {
        let i = d.num_days_from_monday() as usize;
        match self {
            Lang::En => [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ][i],
            Lang::Es => [
                "lunes",
                "martes",
                "miércoles",
                "jueves",
                "viernes",
                "sábado",
                "domingo",
            ][i],
        }
    }

    /// "3:30 PM" / "15:30".
    pub fn time(self, t: NaiveTime) -> String {
        crate::texts::time(self.code(), t)
    }
}

/// The language for a visitor who is not signed in: the cookie, then the
/// browser's first preference among ours, then English.
pub fn guess(parts: &Parts) -> Lang {
    if let Some(l) = crate::http::extract::cookie(parts, LANG_COOKIE).and_then(|v| Lang::parse(&v))
    {
        return l;
    }
    let accept = parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for tag in accept.split(',') {
        let primary = tag
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .split('-')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if let Some(l) = Lang::parse(&primary) {
            return l;
        }
    }
    Lang::En
}

/// Money in cents as the owner reads it: "$12.50".
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", c / 100, c % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_as_dollars() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(1250), "$12.50");
        assert_eq!(money(-5), "-$0.05");
    }

    #[test]
    fn dates_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2027, 3, 2).unwrap();
        assert_eq!(Lang::En.short_date(d), "Mar 2");
        assert_eq!(Lang::Es.short_date(d), "2 mar");
        assert_eq!(Lang::Es.weekday(chrono::Weekday::Wed), "miércoles");
    }
}
