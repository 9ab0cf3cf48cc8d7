//! The receptionist's conversation as a pure state machine: the current
//! `Session` plus what Twilio sent (`Input`) give the next session, what to say
//! and what to do next (gather, dial, record, hang up), and at most one
//! `Action` on the calendar. The handler runs the action in the same database
//! transaction and feeds its `Outcome` back through `after`. No I/O here: the
//! calendar is reached only through the `Desk` trait, so tests can fake it.
//! Rachel and Lina are this one flow with two language packs (`lang.rs`).

use super::lang::{Line, say};
use crate::nlu::{self, Intent, Lang, PhoneResult, YesNo};
use crate::scheduling::Period;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

pub type SlotAt = (NaiveDate, NaiveTime);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Step {
    #[default]
    ChooseLanguage,
    Main,
    AskDateTime,
    OfferSlots,
    ConfirmKnownName,
    AskName,
    ConfirmCallerPhone,
    AskPhone,
    ConfirmPhone,
    ConfirmBooking,
    AskCode,
    ConfirmTarget,
    ConfirmCancel,
    ConfirmMove,
    AnythingElse,
    Menu,
    Transfer,
    Voicemail,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Purpose {
    #[default]
    Book,
    Reschedule,
    Cancel,
}

/// An existing appointment the caller talks about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appt {
    pub id: i64,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub code: String,
}

/// Everything remembered between turns (stored as JSON in `call_sessions`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    pub lang: Option<Lang>,
    pub step: Step,
    pub purpose: Purpose,
    pub misunderstood: u8,
    pub silences: u8,
    pub date: Option<NaiveDate>,
    pub slot: Option<SlotAt>,
    pub offered: Vec<SlotAt>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub target: Option<Appt>,
    pub candidates: Vec<Appt>,
}

/// What the caller did this turn.
#[derive(Debug, Clone, Copy, Default)]
pub struct Input<'a> {
    pub speech: Option<&'a str>,
    pub digits: Option<&'a str>,
}

impl Input<'_> {
    fn is_empty(&self) -> bool {
        self.speech.is_none_or(|s| s.trim().is_empty())
            && self.digits.is_none_or(|d| d.trim().is_empty())
    }
    fn text(&self) -> &str {
        self.speech
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .or(self.digits)
            .unwrap_or("")
    }
}

/// The tenant as the receptionist needs it (read once per turn).
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub business: String,
    pub greeting_en: Option<String>,
    pub greeting_es: Option<String>,
    pub languages: Vec<Lang>,
    pub services: Vec<(String, Option<String>, Option<i64>)>,
    pub faq: Vec<(Lang, String, String)>,
    pub address: Option<String>,
    pub directions: Option<String>,
    pub owner_phone: Option<String>,
    pub caller: Option<String>,
    pub known_name: Option<String>,
    pub ai_enabled: bool,
    pub can_book_after_hours: bool,
    pub hours_today: (String, String),
    pub hours_week: (String, String),
}

/// Why a slot was refused, and what to offer instead.
#[derive(Debug, Clone)]
pub struct SlotRefusal {
    pub code: &'static str,
    pub alternatives: Vec<SlotAt>,
}

/// Calendar look-ups the flow may make (implemented over the database by the handler).
pub trait Desk {
    fn now_local(&self) -> NaiveDateTime;
    fn is_open_now(&self) -> bool;
    fn check(&self, at: SlotAt, ignore: Option<i64>) -> Result<(), SlotRefusal>;
    fn free(&self, date: NaiveDate, period: Option<Period>, n: usize) -> Vec<SlotAt>;
    fn next_free(&self, n: usize) -> Vec<SlotAt>;
    fn caller_appointments(&self) -> Vec<Appt>;
    fn by_code(&self, code: &str) -> Option<Appt>;
}

/// What to do with the call after speaking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Listen (speech and keypad). `digits`: expect that many keys (menus).
    Gather {
        hints: Vec<String>,
        digits: Option<u8>,
    },
    Dial {
        number: String,
    },
    Record,
    Hangup,
}

/// A change to the calendar the handler must make atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Book {
        at: SlotAt,
        name: String,
        phone: String,
    },
    Move {
        id: i64,
        at: SlotAt,
    },
    Cancel {
        id: i64,
    },
}

/// What came of an `Action`.
#[derive(Debug, Clone)]
pub enum Outcome {
    Booked { code: String },
    Moved { code: String, at: SlotAt },
    Cancelled,
    Refused(SlotRefusal),
}

#[derive(Debug, Clone)]
pub struct Turn {
    pub lang: Lang,
    pub say: Vec<String>,
    pub next: Next,
    pub action: Option<Action>,
}

struct T<'p> {
    lang: Lang,
    say: Vec<String>,
    p: &'p Profile,
}

impl T<'_> {
    fn line(&mut self, l: Line<'_>) -> &mut Self {
        self.say.push(say(self.lang, &l));
        self
    }
    fn hints(&self) -> Vec<String> {
        let mut h: Vec<String> = self
            .p
            .services
            .iter()
            .map(|(n, es, _)| {
                if self.lang == Lang::Es {
                    es.clone().unwrap_or_else(|| n.clone())
                } else {
                    n.clone()
                }
            })
            .collect();
        h.truncate(20);
        h
    }
    fn gather(self) -> Turn {
        let hints = self.hints();
        Turn {
            lang: self.lang,
            say: self.say,
            next: Next::Gather {
                hints,
                digits: None,
            },
            action: None,
        }
    }
    fn keys(self, n: u8) -> Turn {
        Turn {
            lang: self.lang,
            say: self.say,
            next: Next::Gather {
                hints: vec![],
                digits: Some(n),
            },
            action: None,
        }
    }
    fn end(self, next: Next) -> Turn {
        Turn {
            lang: self.lang,
            say: self.say,
            next,
            action: None,
        }
    }
    fn act(self, a: Action) -> Turn {
        Turn {
            lang: self.lang,
            say: self.say,
            next: Next::Hangup,
            action: Some(a),
        }
    }
}

fn lang_of(s: &Session, p: &Profile) -> Lang {
    s.lang
        .or_else(|| p.languages.first().copied())
        .unwrap_or(Lang::En)
}

/// The first turn of a call.
pub fn start(s: &mut Session, p: &Profile, desk: &dyn Desk) -> Turn {
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    if !p.ai_enabled {
        t.line(Line::AiOff {
            business: &p.business,
        });
        return transfer_or_message(s, t);
    }
    if !desk.is_open_now() && !p.can_book_after_hours {
        t.line(Line::Greeting {
            business: &p.business,
            custom: greeting(p, lang),
        })
        .line(Line::AfterHours)
        .line(Line::LeaveMessage);
        s.step = Step::Voicemail;
        return t.end(Next::Record);
    }
    if s.lang.is_none() && p.languages.len() > 1 {
        s.step = Step::ChooseLanguage;
        t.line(Line::ChooseLanguage {
            business: &p.business,
        });
        return t.keys(1);
    }
    s.lang = Some(lang);
    welcome(s, t)
}

fn greeting(p: &Profile, lang: Lang) -> Option<&str> {
    match lang {
        Lang::En => p.greeting_en.as_deref(),
        Lang::Es => p.greeting_es.as_deref(),
    }
}

fn welcome(s: &mut Session, mut t: T<'_>) -> Turn {
    let p = t.p;
    t.line(Line::Greeting {
        business: &p.business,
        custom: greeting(p, t.lang),
    })
    .line(Line::HowCanIHelp);
    s.step = Step::Main;
    t.gather()
}

fn transfer_or_message(s: &mut Session, mut t: T<'_>) -> Turn {
    match t.p.owner_phone.clone() {
        Some(number) => {
            t.line(Line::Transferring);
            s.step = Step::Transfer;
            t.end(Next::Dial { number })
        }
        None => {
            t.line(Line::LeaveMessage);
            s.step = Step::Voicemail;
            t.end(Next::Record)
        }
    }
}

/// What to say again when the caller is silent or not understood in `step`.
fn reprompt(s: &Session, t: &mut T<'_>) {
    match s.step {
        Step::ChooseLanguage => {
            let b = t.p.business.clone();
            t.line(Line::ChooseLanguage { business: &b });
        }
        Step::Main => {
            t.line(Line::HowCanIHelp);
        }
        Step::AskDateTime => {
            t.line(if s.purpose == Purpose::Reschedule {
                Line::AskNewTime
            } else {
                Line::AskDateTime
            });
        }
        Step::OfferSlots => {
            let offered = s.offered.clone();
            t.line(Line::Offer { slots: &offered });
        }
        Step::ConfirmKnownName => {
            let n = s.name.clone().unwrap_or_default();
            t.line(Line::ConfirmKnownName { name: &n });
        }
        Step::AskName => {
            t.line(Line::AskName);
        }
        Step::ConfirmCallerPhone => {
            let c = t.p.caller.clone().unwrap_or_default();
            t.line(Line::CallerNumberOk { phone: &c });
        }
        Step::AskPhone => {
            t.line(Line::AskPhone);
        }
        Step::ConfirmPhone => {
            let ph = s.phone.clone().unwrap_or_default();
            t.line(Line::ConfirmPhone { phone: &ph });
        }
        Step::ConfirmBooking => read_back(s, t),
        Step::AskCode => {
            t.line(Line::AskCode);
        }
        Step::ConfirmTarget => {
            if let Some(a) = s.target.clone() {
                t.line(Line::FoundAppointment {
                    date: a.date,
                    time: a.time,
                });
            }
        }
        Step::ConfirmCancel => {
            if let Some(a) = s.target.clone() {
                t.line(Line::ConfirmCancel {
                    date: a.date,
                    time: a.time,
                });
            }
        }
        Step::ConfirmMove => {
            if let Some((d, tm)) = s.slot {
                t.line(Line::ConfirmMove { date: d, time: tm });
            }
        }
        Step::AnythingElse => {
            t.line(Line::AnythingElse);
        }
        Step::Menu => {
            t.line(Line::Menu);
        }
        Step::Transfer | Step::Voicemail | Step::Done => {
            t.line(Line::HowCanIHelp);
        }
    }
}

fn read_back(s: &Session, t: &mut T<'_>) {
    if let (Some((d, tm)), Some(n), Some(ph)) = (s.slot, s.name.clone(), s.phone.clone()) {
        t.line(Line::ReadBack {
            date: d,
            time: tm,
            name: &n,
            phone: &ph,
        });
    }
}

/// One turn: the caller said or typed something (or nothing) in the current step.
pub fn step(s: &mut Session, input: Input<'_>, p: &Profile, desk: &dyn Desk) -> Turn {
    if s.step == Step::ChooseLanguage && !input.is_empty() {
        return choose_language(s, input, p, desk);
    }
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    if input.is_empty() {
        s.silences += 1;
        if s.silences >= 3 {
            t.line(Line::OfferVoicemail).line(Line::LeaveMessage);
            s.step = Step::Voicemail;
            return t.end(Next::Record);
        }
        t.line(Line::NoInput);
        reprompt(s, &mut t);
        return if s.step == Step::Menu {
            t.keys(1)
        } else {
            t.gather()
        };
    }
    s.silences = 0;
    let text = input.text().to_string();
    match s.step {
        Step::Main | Step::Transfer | Step::Voicemail | Step::Done => {
            main_request(s, &text, input, t, desk)
        }
        Step::Menu => menu(s, input, t, desk),
        Step::AnythingElse => match nlu::yes_no(&text, lang) {
            YesNo::No if nlu::classify_intent(&text, lang).intent == Intent::Other => {
                t.line(Line::Goodbye);
                s.step = Step::Done;
                t.end(Next::Hangup)
            }
            YesNo::Yes if nlu::classify_intent(&text, lang).intent == Intent::Other => {
                t.line(Line::HowCanIHelp);
                s.step = Step::Main;
                t.gather()
            }
            _ => main_request(s, &text, input, t, desk),
        },
        Step::AskDateTime => date_time(s, &text, t, desk),
        Step::OfferSlots => offer_choice(s, &text, input, t, desk),
        Step::ConfirmKnownName => match nlu::yes_no(&text, lang) {
            YesNo::Yes => ask_phone(s, t),
            YesNo::No => {
                s.name = None;
                s.step = Step::AskName;
                t.line(Line::AskName);
                t.gather()
            }
            YesNo::Unclear => match nlu::parse_name(&text, lang) {
                Some(n) => {
                    s.name = Some(n);
                    ask_phone(s, t)
                }
                None => not_understood(s, t),
            },
        },
        Step::AskName => match nlu::parse_name(&text, lang) {
            Some(n) => {
                s.name = Some(n);
                s.misunderstood = 0;
                ask_phone(s, t)
            }
            None if s.misunderstood == 0 => {
                s.misunderstood = 1;
                t.line(Line::SpellName);
                t.gather()
            }
            None => {
                // Second try: keep what was said, tidied, rather than loop forever.
                let raw: String = text
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" ");
                s.name = Some(title_case(raw.trim_matches(|c: char| !c.is_alphanumeric())));
                s.misunderstood = 0;
                ask_phone(s, t)
            }
        },
        Step::ConfirmCallerPhone => match nlu::yes_no(&text, lang) {
            YesNo::Yes => {
                s.phone = p.caller.clone();
                confirm_booking(s, t)
            }
            YesNo::No => {
                s.step = Step::AskPhone;
                t.line(Line::AskPhone);
                t.gather()
            }
            YesNo::Unclear => collect_phone(s, input, t),
        },
        Step::AskPhone => collect_phone(s, input, t),
        Step::ConfirmPhone => match nlu::yes_no(&text, lang) {
            YesNo::Yes => confirm_booking(s, t),
            YesNo::No => {
                s.phone = None;
                s.step = Step::AskPhone;
                t.line(Line::AskPhone);
                t.gather()
            }
            YesNo::Unclear => collect_phone(s, input, t),
        },
        Step::ConfirmBooking => match nlu::yes_no(&text, lang) {
            YesNo::Yes => match (s.slot, s.name.clone(), s.phone.clone()) {
                (Some(at), Some(name), Some(phone)) => t.act(Action::Book { at, name, phone }),
                _ => {
                    s.step = Step::AskDateTime;
                    t.line(Line::AskDateTime);
                    t.gather()
                }
            },
            YesNo::No => {
                s.slot = None;
                s.step = Step::AskDateTime;
                t.line(Line::KeptAsIs).line(Line::AskDateTime);
                t.gather()
            }
            YesNo::Unclear => {
                reprompt(s, &mut t);
                t.gather()
            }
        },
        Step::AskCode => {
            let code = nlu::parse_digits(&text, lang);
            match desk.by_code(&code) {
                Some(a) => found(s, vec![a], t),
                None if s.misunderstood == 0 => {
                    s.misunderstood = 1;
                    t.line(Line::CodeNotFound).line(Line::AskCode);
                    t.gather()
                }
                None => {
                    s.misunderstood = 0;
                    t.line(Line::NoAppointmentFound);
                    transfer_or_message(s, t)
                }
            }
        }
        Step::ConfirmTarget => match nlu::yes_no(&text, lang) {
            YesNo::Yes => {
                let Some(a) = s.target.clone() else {
                    return welcome(s, t);
                };
                match s.purpose {
                    Purpose::Cancel => {
                        s.step = Step::ConfirmCancel;
                        t.line(Line::ConfirmCancel {
                            date: a.date,
                            time: a.time,
                        });
                        t.gather()
                    }
                    _ => {
                        s.step = Step::AskDateTime;
                        t.line(Line::AskNewTime);
                        t.gather()
                    }
                }
            }
            YesNo::No => {
                if s.candidates.is_empty() {
                    s.target = None;
                    s.step = Step::AskCode;
                    s.misunderstood = 0;
                    t.line(Line::AskCode);
                    t.gather()
                } else {
                    let next = s.candidates.remove(0);
                    t.line(Line::FoundAppointment {
                        date: next.date,
                        time: next.time,
                    });
                    s.target = Some(next);
                    t.gather()
                }
            }
            YesNo::Unclear => {
                reprompt(s, &mut t);
                t.gather()
            }
        },
        Step::ConfirmCancel => match nlu::yes_no(&text, lang) {
            YesNo::Yes => match s.target.clone() {
                Some(a) => t.act(Action::Cancel { id: a.id }),
                None => welcome(s, t),
            },
            YesNo::No => {
                s.step = Step::AnythingElse;
                t.line(Line::KeptAsIs).line(Line::AnythingElse);
                t.gather()
            }
            YesNo::Unclear => {
                reprompt(s, &mut t);
                t.gather()
            }
        },
        Step::ConfirmMove => match nlu::yes_no(&text, lang) {
            YesNo::Yes => match (s.target.clone(), s.slot) {
                (Some(a), Some(at)) => t.act(Action::Move { id: a.id, at }),
                _ => welcome(s, t),
            },
            YesNo::No => {
                s.slot = None;
                s.step = Step::AskDateTime;
                t.line(Line::AskNewTime);
                t.gather()
            }
            YesNo::Unclear => date_time(s, &text, t, desk),
        },
        Step::ChooseLanguage => choose_language(s, input, p, desk),
    }
}

fn title_case(s: &str) -> String {
    s.split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| {
                    f.to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect::<String>()
                })
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words that name a language rather than ask for something.
const LANGUAGE_WORDS: &[&str] = &[
    "english", "ingles", "inglés", "spanish", "español", "espanol", "uno", "dos", "one", "two",
];

fn choose_language(s: &mut Session, input: Input<'_>, p: &Profile, desk: &dyn Desk) -> Turn {
    let text = input.text().to_lowercase();
    let said_spanish =
        text.contains("español") || text.contains("espanol") || text.contains("spanish");
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let only_language = words
        .iter()
        .all(|w| LANGUAGE_WORDS.contains(w) || w.len() <= 2);
    // A caller who skips the menu and just asks: answer in the language they spoke.
    let spoke_request = input.speech.is_some_and(|x| !x.trim().is_empty()) && !only_language;
    let lang =
        if input.digits == Some("2") || said_spanish || (spoke_request && looks_spanish(&text)) {
            Lang::Es
        } else {
            Lang::En
        };
    s.lang = Some(lang);
    s.silences = 0;
    if spoke_request {
        s.step = Step::Main;
        let t = T {
            lang,
            say: vec![],
            p,
        };
        let original = input.text().to_string();
        return main_request(s, &original, input, t, desk);
    }
    welcome(
        s,
        T {
            lang,
            say: vec![],
            p,
        },
    )
}

/// A rough guess for callers who skip the language menu.
fn looks_spanish(text: &str) -> bool {
    const ES: &[&str] = &[
        "quiero", "una", "cita", "para", "hola", "necesito", "el", "la", "por", "favor", "mañana",
        "manana", "cuánto", "cuanto", "dónde", "donde", "hora", "cancelar", "cambiar", "buenos",
        "buenas", "gracias", "mi", "de", "que",
    ];
    const EN: &[&str] = &[
        "i",
        "want",
        "would",
        "like",
        "the",
        "appointment",
        "book",
        "to",
        "my",
        "please",
        "hi",
        "hello",
        "how",
        "much",
        "where",
        "what",
        "is",
        "cancel",
        "need",
        "a",
    ];
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let es = words.iter().filter(|w| ES.contains(w)).count();
    let en = words.iter().filter(|w| EN.contains(w)).count();
    es > en
}

fn not_understood(s: &mut Session, mut t: T<'_>) -> Turn {
    s.misunderstood += 1;
    if s.misunderstood >= 2 {
        s.misunderstood = 0;
        s.step = Step::Menu;
        t.line(Line::NotUnderstood).line(Line::Menu);
        return t.keys(1);
    }
    t.line(Line::NotUnderstood);
    reprompt(s, &mut t);
    t.gather()
}

fn reset_task(s: &mut Session, purpose: Purpose) {
    s.purpose = purpose;
    s.slot = None;
    s.date = None;
    s.offered.clear();
    s.target = None;
    s.candidates.clear();
    s.misunderstood = 0;
}

fn main_request(
    s: &mut Session,
    text: &str,
    input: Input<'_>,
    mut t: T<'_>,
    desk: &dyn Desk,
) -> Turn {
    if input.speech.is_none_or(|x| x.trim().is_empty()) && input.digits.is_some() {
        s.step = Step::Menu;
        return menu(s, input, t, desk);
    }
    let lang = t.lang;
    let mut intent = nlu::classify_intent(text, lang).intent;
    if intent == Intent::Other {
        // "Next Tuesday at 3" on its own is a booking request.
        let dt = nlu::parse_datetime(text, lang, desk.now_local());
        if dt.date.is_some() || dt.time.is_some() {
            intent = Intent::Book;
        }
    }
    // A question the owner answered in the FAQ wins over the generic answers.
    if matches!(
        intent,
        Intent::Pricing | Intent::Hours | Intent::Location | Intent::Other
    ) && let Some(answer) = faq_answer(t.p, lang, text)
    {
        t.line(Line::Faq { answer: &answer });
        s.step = Step::AnythingElse;
        s.misunderstood = 0;
        t.line(Line::AnythingElse);
        return t.gather();
    }
    match intent {
        Intent::Book => {
            reset_task(s, Purpose::Book);
            s.step = Step::AskDateTime;
            let dt = nlu::parse_datetime(text, lang, desk.now_local());
            if dt.date.is_some() || dt.time.is_some() || dt.period.is_some() {
                return date_time(s, text, t, desk);
            }
            t.line(Line::AskDateTime);
            t.gather()
        }
        Intent::Reschedule => {
            reset_task(s, Purpose::Reschedule);
            find_target(s, t, desk)
        }
        Intent::Cancel => {
            reset_task(s, Purpose::Cancel);
            find_target(s, t, desk)
        }
        Intent::Pricing => {
            prices(&mut t);
            s.step = Step::AnythingElse;
            t.line(Line::AnythingElse);
            t.gather()
        }
        Intent::Hours => {
            hours(&mut t);
            s.step = Step::AnythingElse;
            t.line(Line::AnythingElse);
            t.gather()
        }
        Intent::Location => {
            let (a, d) = (t.p.address.clone(), t.p.directions.clone());
            t.line(Line::Location {
                address: a.as_deref(),
                directions: d.as_deref(),
            });
            s.step = Step::AnythingElse;
            t.line(Line::AnythingElse);
            t.gather()
        }
        Intent::Human => transfer_or_message(s, t),
        Intent::Message => {
            t.line(Line::LeaveMessage);
            s.step = Step::Voicemail;
            t.end(Next::Record)
        }
        Intent::Other => match faq_answer(t.p, lang, text) {
            Some(answer) => {
                t.line(Line::Faq { answer: &answer });
                s.step = Step::AnythingElse;
                s.misunderstood = 0;
                t.line(Line::AnythingElse);
                t.gather()
            }
            None => {
                s.step = Step::Main;
                not_understood(s, t)
            }
        },
    }
}

fn prices(t: &mut T<'_>) {
    let lang = t.lang;
    let services: Vec<(String, Option<i64>)> =
        t.p.services
            .iter()
            .map(|(n, es, p)| {
                (
                    if lang == Lang::Es {
                        es.clone().unwrap_or_else(|| n.clone())
                    } else {
                        n.clone()
                    },
                    *p,
                )
            })
            .collect();
    if services.is_empty() {
        t.line(Line::NoPrices);
    } else {
        t.line(Line::Prices {
            services: &services,
        });
    }
}

fn hours(t: &mut T<'_>) {
    let (today, week) = match t.lang {
        Lang::En => (t.p.hours_today.0.clone(), t.p.hours_week.0.clone()),
        Lang::Es => (t.p.hours_today.1.clone(), t.p.hours_week.1.clone()),
    };
    t.line(Line::Hours {
        today: &today,
        week: &week,
    });
}

/// The FAQ entry whose question shares the most content words with what was said.
fn faq_answer(p: &Profile, lang: Lang, text: &str) -> Option<String> {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3)
            .map(String::from)
            .collect()
    };
    let said = words(text);
    p.faq
        .iter()
        .filter(|(l, _, _)| *l == lang)
        .map(|(_, q, a)| {
            let q = words(q);
            let shared = q.iter().filter(|w| said.contains(w)).count();
            (shared, q.len(), a)
        })
        .filter(|(shared, qlen, _)| *shared >= 2 || (*shared >= 1 && *qlen <= 2))
        .max_by_key(|(shared, _, _)| *shared)
        .map(|(_, _, a)| a.clone())
}

fn find_target(s: &mut Session, mut t: T<'_>, desk: &dyn Desk) -> Turn {
    let appts = desk.caller_appointments();
    if appts.is_empty() {
        s.step = Step::AskCode;
        t.line(Line::AskCode);
        return t.gather();
    }
    if appts.len() > 1 {
        t.line(Line::WhichAppointment { count: appts.len() });
    }
    found(s, appts, t)
}

fn found(s: &mut Session, mut appts: Vec<Appt>, mut t: T<'_>) -> Turn {
    let first = appts.remove(0);
    t.line(Line::FoundAppointment {
        date: first.date,
        time: first.time,
    });
    s.target = Some(first);
    s.candidates = appts;
    s.misunderstood = 0;
    s.step = Step::ConfirmTarget;
    t.gather()
}

fn to_sched(p: nlu::Period) -> Period {
    match p {
        nlu::Period::Morning => Period::Morning,
        nlu::Period::Afternoon => Period::Afternoon,
        nlu::Period::Evening | nlu::Period::Night => Period::Evening,
    }
}

fn date_time(s: &mut Session, text: &str, mut t: T<'_>, desk: &dyn Desk) -> Turn {
    let now = desk.now_local();
    let dt = nlu::parse_datetime(text, t.lang, now);
    let date = dt.date.or(s.date);
    match (date, dt.time) {
        (Some(d), Some(tm)) => try_slot(s, (d, tm), t, desk),
        (None, Some(tm)) => {
            let today = now.date();
            let d = if tm > now.time() {
                today
            } else {
                today.succ_opt().unwrap_or(today)
            };
            try_slot(s, (d, tm), t, desk)
        }
        (Some(d), None) => {
            s.date = Some(d);
            let slots = desk.free(d, dt.period.map(to_sched), 3);
            offer(s, slots, t, desk)
        }
        (None, None) if dt.period.is_some() => {
            let today = now.date();
            let mut slots = desk.free(today, dt.period.map(to_sched), 3);
            if slots.is_empty() {
                slots = desk.free(
                    today.succ_opt().unwrap_or(today),
                    dt.period.map(to_sched),
                    3,
                );
            }
            offer(s, slots, t, desk)
        }
        (None, None) => {
            s.misunderstood += 1;
            if s.misunderstood >= 2 {
                // Offer the next openings instead of asking a third time.
                s.misunderstood = 0;
                let slots = desk.next_free(2);
                return offer(s, slots, t, desk);
            }
            t.line(Line::NotUnderstood);
            reprompt(s, &mut t);
            t.gather()
        }
    }
}

fn offer(s: &mut Session, slots: Vec<SlotAt>, mut t: T<'_>, desk: &dyn Desk) -> Turn {
    let slots = if slots.is_empty() {
        desk.next_free(2)
    } else {
        slots
    };
    if slots.is_empty() {
        s.step = Step::AskDateTime;
        t.line(Line::NoSlots);
        return t.gather();
    }
    t.line(Line::Offer { slots: &slots });
    s.offered = slots;
    s.step = Step::OfferSlots;
    t.gather()
}

fn try_slot(s: &mut Session, at: SlotAt, mut t: T<'_>, desk: &dyn Desk) -> Turn {
    let ignore = if s.purpose == Purpose::Reschedule {
        s.target.as_ref().map(|a| a.id)
    } else {
        None
    };
    match desk.check(at, ignore) {
        Ok(()) => slot_chosen(s, at, t),
        Err(r) => {
            let reason = super::lang::reason(t.lang, r.code);
            t.line(Line::Unavailable { reason: &reason });
            offer(s, r.alternatives, t, desk)
        }
    }
}

fn slot_chosen(s: &mut Session, at: SlotAt, mut t: T<'_>) -> Turn {
    s.slot = Some(at);
    s.offered.clear();
    s.misunderstood = 0;
    if s.purpose == Purpose::Reschedule {
        s.step = Step::ConfirmMove;
        t.line(Line::ConfirmMove {
            date: at.0,
            time: at.1,
        });
        return t.gather();
    }
    if s.name.is_some() && s.phone.is_some() {
        return confirm_booking(s, t);
    }
    match t.p.known_name.clone() {
        Some(n) if s.name.is_none() => {
            s.name = Some(n.clone());
            s.step = Step::ConfirmKnownName;
            t.line(Line::ConfirmKnownName { name: &n });
            t.gather()
        }
        _ if s.name.is_some() => ask_phone(s, t),
        _ => {
            s.step = Step::AskName;
            t.line(Line::AskName);
            t.gather()
        }
    }
}

fn offer_choice(
    s: &mut Session,
    text: &str,
    input: Input<'_>,
    mut t: T<'_>,
    desk: &dyn Desk,
) -> Turn {
    let lang = t.lang;
    let lower = text.to_lowercase();
    let ordinal = |words: &[&str]| {
        words
            .iter()
            .any(|w| lower.split(|c: char| !c.is_alphanumeric()).any(|x| x == *w))
    };
    let key = input.digits.map(str::trim);
    // Most specific first: "the second one" names the second, not "one".
    let pick = if key == Some("3") || ordinal(&["third", "tercera", "tercero", "tres", "three"]) {
        Some(2)
    } else if key == Some("2")
        || ordinal(&[
            "second", "segunda", "segundo", "dos", "two", "latter", "later",
        ])
    {
        Some(1)
    } else if key == Some("1")
        || ordinal(&[
            "first", "primera", "primero", "former", "earlier", "one", "uno", "una",
        ])
    {
        Some(0)
    } else {
        None
    };
    if let Some(at) = pick.and_then(|i| s.offered.get(i).copied()) {
        return slot_chosen(s, at, t);
    }
    let dt = nlu::parse_datetime(text, lang, desk.now_local());
    if let Some(tm) = dt.time {
        if let Some(at) = s
            .offered
            .iter()
            .copied()
            .find(|(d, ot)| *ot == tm && dt.date.is_none_or(|x| x == *d))
        {
            return slot_chosen(s, at, t);
        }
        return date_time(s, text, t, desk);
    }
    if dt.date.is_some() || dt.period.is_some() {
        return date_time(s, text, t, desk);
    }
    match nlu::yes_no(text, lang) {
        YesNo::Yes if s.offered.len() == 1 => {
            let at = s.offered[0];
            slot_chosen(s, at, t)
        }
        YesNo::No => {
            s.step = Step::AskDateTime;
            s.offered.clear();
            t.line(Line::AskDateTime);
            t.gather()
        }
        _ => {
            t.line(Line::WhichSlot);
            t.gather()
        }
    }
}

fn ask_phone(s: &mut Session, mut t: T<'_>) -> Turn {
    if s.phone.is_some() {
        return confirm_booking(s, t);
    }
    match t.p.caller.clone() {
        Some(c) => {
            s.step = Step::ConfirmCallerPhone;
            t.line(Line::CallerNumberOk { phone: &c });
        }
        None => {
            s.step = Step::AskPhone;
            t.line(Line::AskPhone);
        }
    }
    t.gather()
}

fn collect_phone(s: &mut Session, input: Input<'_>, mut t: T<'_>) -> Turn {
    let typed = input
        .digits
        .map(|d| d.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| d.len() >= 10);
    let parsed = match typed {
        Some(d) => crate::domain::E164::parse(&d)
            .ok()
            .map(|e| PhoneResult::Number(e.as_str().to_string()))
            .unwrap_or(PhoneResult::NotFound),
        None => nlu::parse_phone(input.text(), t.lang),
    };
    match parsed {
        PhoneResult::Number(n) => {
            s.phone = Some(n.clone());
            s.step = Step::ConfirmPhone;
            t.line(Line::ConfirmPhone { phone: &n });
            t.gather()
        }
        PhoneResult::Caller if t.p.caller.is_some() => {
            s.phone = t.p.caller.clone();
            confirm_booking(s, t)
        }
        _ => {
            s.step = Step::AskPhone;
            not_understood_phone(s, t)
        }
    }
}

fn not_understood_phone(s: &mut Session, mut t: T<'_>) -> Turn {
    s.misunderstood += 1;
    t.line(Line::NotUnderstood).line(Line::AskPhone);
    t.gather()
}

fn confirm_booking(s: &mut Session, mut t: T<'_>) -> Turn {
    s.step = Step::ConfirmBooking;
    s.misunderstood = 0;
    read_back(s, &mut t);
    t.gather()
}

fn menu(s: &mut Session, input: Input<'_>, mut t: T<'_>, desk: &dyn Desk) -> Turn {
    let key = input.digits.map(str::trim).unwrap_or("");
    match key {
        "1" => {
            reset_task(s, Purpose::Book);
            s.step = Step::AskDateTime;
            t.line(Line::AskDateTime);
            t.gather()
        }
        "2" => {
            reset_task(s, Purpose::Reschedule);
            find_target(s, t, desk)
        }
        "3" => {
            reset_task(s, Purpose::Cancel);
            find_target(s, t, desk)
        }
        "4" => {
            hours(&mut t);
            prices(&mut t);
            s.step = Step::AnythingElse;
            t.line(Line::AnythingElse);
            t.gather()
        }
        "0" => transfer_or_message(s, t),
        _ if input.speech.is_some_and(|x| !x.trim().is_empty()) => {
            let text = input.text().to_string();
            main_request(s, &text, input, t, desk)
        }
        _ => {
            t.line(Line::Menu);
            t.keys(1)
        }
    }
}

/// The turn after the handler ran an `Action`.
pub fn after(s: &mut Session, outcome: Outcome, p: &Profile, desk: &dyn Desk) -> Turn {
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    match outcome {
        Outcome::Booked { code } => {
            t.line(Line::Booked { code: &code })
                .line(Line::AnythingElse);
            reset_task(s, Purpose::Book);
            s.step = Step::AnythingElse;
            t.gather()
        }
        Outcome::Moved { code, at } => {
            t.line(Line::Moved {
                date: at.0,
                time: at.1,
                code: &code,
            })
            .line(Line::AnythingElse);
            reset_task(s, Purpose::Book);
            s.step = Step::AnythingElse;
            t.gather()
        }
        Outcome::Cancelled => {
            t.line(Line::Cancelled).line(Line::AnythingElse);
            reset_task(s, Purpose::Book);
            s.step = Step::AnythingElse;
            t.gather()
        }
        Outcome::Refused(r) => {
            t.line(Line::SlotJustTaken);
            s.slot = None;
            offer(s, r.alternatives, t, desk)
        }
    }
}

/// The turn after a transfer attempt ended (`DialCallStatus`).
pub fn dial_result(s: &mut Session, status: &str, p: &Profile) -> Turn {
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    if status == "completed" || status == "answered" {
        s.step = Step::Done;
        return t.end(Next::Hangup);
    }
    t.line(Line::OwnerUnavailable).line(Line::LeaveMessage);
    s.step = Step::Voicemail;
    t.end(Next::Record)
}

/// The turn after a voicemail was recorded.
pub fn recorded(s: &mut Session, p: &Profile) -> Turn {
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    t.line(Line::MessageSaved);
    s.step = Step::Done;
    t.end(Next::Hangup)
}

/// The answer when something failed: apologise and offer voicemail, never silence.
pub fn failure(s: &mut Session, p: &Profile) -> Turn {
    let lang = lang_of(s, p);
    let mut t = T {
        lang,
        say: vec![],
        p,
    };
    t.line(Line::SorryError).line(Line::LeaveMessage);
    s.step = Step::Voicemail;
    t.end(Next::Record)
}
