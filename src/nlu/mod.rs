//! Speech understanding (NLU) for the voice receptionist: the public API and
//! the result types. Every entry point is pure, bounded (only the first
//! `normalize::MAX_CHARS` chars / `MAX_TOKENS` tokens are read), never panics
//! and runs in well under a millisecond. The work is done by the submodules:
//! normalize (tokens), numbers (number words), datetime, intent, phone, name,
//! yesno (also spoken digit/letter codes).

mod datetime;
mod intent;
mod name;
mod normalize;
mod numbers;
mod phone;
mod yesno;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod prop_tests;

use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use std::str::FromStr;

/// Language of the caller's utterance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
}

/// Error for an unknown language code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLang(pub String);

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown language code {:?} (expected \"en\" or \"es\")",
            self.0
        )
    }
}

impl std::error::Error for UnknownLang {}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let l = s.trim().to_ascii_lowercase();
        let base = l.split(['-', '_']).next().unwrap_or("");
        match base {
            "en" => Ok(Lang::En),
            "es" => Ok(Lang::Es),
            _ => Err(UnknownLang(s.to_string())),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::En => "en",
            Lang::Es => "es",
        })
    }
}

/// Part of the day mentioned without (or with) a clock time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Morning,
    Afternoon,
    Evening,
    Night,
}

/// Something the date/time parser had to guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ambiguity {
    /// A bare hour without a.m./p.m. or period: 1–7 → p.m., 8–11 → a.m.
    AmPmGuessed,
    /// Month + day without a year that had already passed this year.
    DateRolledToNextYear,
    /// Day of month alone that had passed (or does not exist) this month.
    DayRolledToLaterMonth,
    /// The caller named more than one date or time; the last one won.
    Corrected,
    /// A part of the day was said without a clock time.
    PeriodWithoutTime,
    /// A date was mentioned but could not be resolved (e.g. February 30).
    InvalidDate,
}

/// Result of `parse_datetime`.
#[derive(Clone, Debug, PartialEq)]
pub struct DateTimeResult {
    pub date: Option<chrono::NaiveDate>,
    pub time: Option<chrono::NaiveTime>,
    pub period: Option<Period>,
    pub confidence: f32,
    pub ambiguous: Vec<Ambiguity>,
}

/// f32 → JSON number rounded to 3 decimals (0.95, not 0.949999988).
fn round3(x: f32) -> Value {
    json!((f64::from(x) * 1000.0).round() / 1000.0)
}

impl DateTimeResult {
    pub fn to_json(&self) -> Value {
        json!({
            "date": self.date.map(|d| d.format("%Y-%m-%d").to_string()),
            "time": self.time.map(|t| t.format("%H:%M").to_string()),
            "period": self.period,
            "confidence": round3(self.confidence),
            "ambiguous": self.ambiguous,
        })
    }
}

/// Parse a spoken date and/or time relative to `now` (business-local time).
pub fn parse_datetime(text: &str, lang: Lang, now: chrono::NaiveDateTime) -> DateTimeResult {
    datetime::parse(text, lang, now)
}

/// What the caller wants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Book,
    Reschedule,
    Cancel,
    Pricing,
    Hours,
    Location,
    Human,
    Message,
    Other,
}

impl Intent {
    pub const ALL: [Intent; 9] = [
        Intent::Book,
        Intent::Reschedule,
        Intent::Cancel,
        Intent::Pricing,
        Intent::Hours,
        Intent::Location,
        Intent::Human,
        Intent::Message,
        Intent::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Book => "book",
            Intent::Reschedule => "reschedule",
            Intent::Cancel => "cancel",
            Intent::Pricing => "pricing",
            Intent::Hours => "hours",
            Intent::Location => "location",
            Intent::Human => "human",
            Intent::Message => "message",
            Intent::Other => "other",
        }
    }
}

/// Result of `classify_intent`: the winner, its confidence (0..1) and the raw
/// score of every intent that scored above zero (highest first).
#[derive(Clone, Debug, PartialEq)]
pub struct IntentResult {
    pub intent: Intent,
    pub confidence: f32,
    pub scores: Vec<(Intent, f32)>,
}

impl IntentResult {
    pub fn to_json(&self) -> Value {
        let scores: serde_json::Map<String, Value> = self
            .scores
            .iter()
            .map(|(i, s)| (i.as_str().to_string(), round3(*s)))
            .collect();
        json!({
            "intent": self.intent,
            "confidence": round3(self.confidence),
            "scores": scores,
        })
    }
}

/// Classify the caller's request into one of the nine intents.
pub fn classify_intent(text: &str, lang: Lang) -> IntentResult {
    intent::classify(text, lang)
}

/// Result of `parse_phone`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneResult {
    /// E.164 NANP number, `+1XXXXXXXXXX`.
    Number(String),
    /// "This number" / "the one I'm calling from": use the caller ID.
    Caller,
    NotFound,
}

impl PhoneResult {
    pub fn to_json(&self) -> Value {
        match self {
            PhoneResult::Number(n) => json!({ "phone": n }),
            PhoneResult::Caller => json!({ "phone": "caller" }),
            PhoneResult::NotFound => json!({ "phone": null }),
        }
    }
}

/// Extract a North American phone number (or a reference to the caller's own).
pub fn parse_phone(text: &str, lang: Lang) -> PhoneResult {
    phone::parse(text, lang)
}

/// Extract the caller's name, title-cased with accents kept.
pub fn parse_name(text: &str, lang: Lang) -> Option<String> {
    name::parse(text, lang)
}

/// JSON for a `parse_name` result: `{"name": "Title Case" | null}`.
pub fn name_to_json(name: &Option<String>) -> Value {
    json!({ "name": name })
}

/// Answer to a yes/no confirmation question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum YesNo {
    Yes,
    No,
    Unclear,
}

impl YesNo {
    pub fn to_json(&self) -> Value {
        json!({ "answer": self })
    }
}

/// Classify a confirmation answer.
pub fn yes_no(text: &str, lang: Lang) -> YesNo {
    yesno::yes_no(text, lang)
}

/// Spoken or typed digits/letters of a confirmation code → uppercase ASCII alnum.
pub fn parse_digits(text: &str, lang: Lang) -> String {
    yesno::parse_digits(text, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_from_str_table() {
        let table = [
            ("en", Some(Lang::En)),
            ("ES", Some(Lang::Es)),
            ("es-MX", Some(Lang::Es)),
            ("en_US", Some(Lang::En)),
            ("fr", None),
            ("", None),
        ];
        for (s, want) in table {
            assert_eq!(s.parse::<Lang>().ok(), want, "{s}");
        }
        assert_eq!(serde_json::to_value(Lang::Es).ok(), Some(json!("es")));
        assert_eq!(
            serde_json::to_value(Period::Afternoon).ok(),
            Some(json!("afternoon"))
        );
        assert_eq!(
            serde_json::to_value(Intent::Reschedule).ok(),
            Some(json!("reschedule"))
        );
    }

    #[test]
    fn json_contracts() {
        let r = DateTimeResult {
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 10),
            time: chrono::NaiveTime::from_hms_opt(15, 0, 0),
            period: None,
            confidence: 0.9,
            ambiguous: vec![],
        };
        let j = r.to_json();
        assert_eq!(j["date"], json!("2026-03-10"));
        assert_eq!(j["time"], json!("15:00"));
        assert_eq!(j["period"], Value::Null);
        assert_eq!(PhoneResult::Caller.to_json()["phone"], json!("caller"));
        assert_eq!(PhoneResult::NotFound.to_json()["phone"], Value::Null);
        assert_eq!(
            name_to_json(&Some("Inés Peña".into()))["name"],
            json!("Inés Peña")
        );
        assert_eq!(name_to_json(&None)["name"], Value::Null);
    }
}
