//! `ringlypro nlu datetime|intent|phone|name`: the speech-understanding module
//! as a command (a stable contract other tools score). One JSON object on
//! stdout; no database, no configuration, no server, so it starts instantly.

use crate::nlu::{self, Lang};
use chrono::NaiveDateTime;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum NluCommand {
    /// Date and time in TEXT, relative to --now (a naive local time): {"date","time"}.
    Datetime {
        #[arg(long, value_parser = parse_lang)]
        lang: Lang,
        /// The caller's "now" in the business's zone, YYYY-MM-DDTHH:MM.
        #[arg(long, value_parser = parse_now)]
        now: NaiveDateTime,
        text: String,
    },
    /// What the caller wants: {"intent": book|reschedule|cancel|pricing|hours|location|human|message|other}.
    Intent {
        #[arg(long, value_parser = parse_lang)]
        lang: Lang,
        text: String,
    },
    /// A phone number in TEXT: {"phone": "+1XXXXXXXXXX" | "caller" | null}.
    Phone {
        #[arg(long, value_parser = parse_lang)]
        lang: Lang,
        text: String,
    },
    /// The caller's name in TEXT: {"name": "Title Case" | null}.
    Name {
        #[arg(long, value_parser = parse_lang)]
        lang: Lang,
        text: String,
    },
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s {
        "en" => Ok(Lang::En),
        "es" => Ok(Lang::Es),
        other => Err(format!("'{other}' is not a language: use en or es")),
    }
}

fn parse_now(s: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| format!("'{s}' is not a time like 2026-03-02T10:00"))
}

/// The JSON answer of one command.
pub fn answer(cmd: &NluCommand) -> serde_json::Value {
    match cmd {
        NluCommand::Datetime { lang, now, text } => {
            nlu::parse_datetime(text, *lang, *now).to_json()
        }
        NluCommand::Intent { lang, text } => nlu::classify_intent(text, *lang).to_json(),
        NluCommand::Phone { lang, text } => nlu::parse_phone(text, *lang).to_json(),
        NluCommand::Name { lang, text } => nlu::name_to_json(&nlu::parse_name(text, *lang)),
    }
}
