//! Property tests of everything the voice side builds from untrusted text:
//! the TwiML builder always produces well-formed XML whose text equals the
//! input (so nothing a caller or tenant writes can add markup), Twilio form
//! parsing and signing never panic, and a whole conversation fed arbitrary
//! speech never panics and always answers.

use super::flow::{self, Desk, Input, Profile, Session, SlotAt, SlotRefusal};
use super::twiml::{Gather, Twiml, Verb};
use crate::scheduling::Period;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use proptest::prelude::*;

fn texts_of(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = vec![];
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Text(t)) => {
                out.push(t.decode().map_err(|e| e.to_string())?.into_owned())
            }
            Ok(quick_xml::events::Event::GeneralRef(r)) => {
                let name = String::from_utf8_lossy(&r).to_string();
                let ch = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => return Err(format!("unknown entity {other}")),
                };
                match out.last_mut() {
                    Some(last) => last.push_str(ch),
                    None => out.push(ch.to_string()),
                }
            }
            Ok(quick_xml::events::Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// What XML 1.0 can carry (the builder drops the rest).
fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|c| {
            matches!(*c, '\t' | '\n' | '\r')
                || (*c as u32 >= 0x20 && *c != '\u{FFFE}' && *c != '\u{FFFF}')
        })
        .collect()
}

struct NoDesk;
impl Desk for NoDesk {
    fn now_local(&self) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 1, 4)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .unwrap_or_default()
    }
    fn is_open_now(&self) -> bool {
        true
    }
    fn check(&self, _: SlotAt, _: Option<i64>) -> Result<(), SlotRefusal> {
        Err(SlotRefusal {
            code: "taken",
            alternatives: vec![(
                NaiveDate::from_ymd_opt(2027, 1, 5).unwrap_or_default(),
                NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            )],
        })
    }
    fn free(&self, d: NaiveDate, _: Option<Period>, _: usize) -> Vec<SlotAt> {
        vec![(d, NaiveTime::from_hms_opt(11, 0, 0).unwrap_or_default())]
    }
    fn next_free(&self, _: usize) -> Vec<SlotAt> {
        vec![]
    }
    fn caller_appointments(&self) -> Vec<flow::Appt> {
        vec![]
    }
    fn by_code(&self, _: &str) -> Option<flow::Appt> {
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn twiml_is_well_formed_and_carries_text_verbatim(a in any::<String>(), b in any::<String>(), url in any::<String>()) {
        let t = Twiml::empty()
            .push(Verb::Gather(Gather {
                action: url.clone(),
                input: "speech dtmf".into(),
                language: "en-US".into(),
                speech_model: "phone_call".into(),
                hints: vec![b.clone()],
                num_digits: None,
                timeout_secs: 5,
                prompts: vec![Verb::Say { text: a.clone(), voice: "v".into(), language: "en-US".into() }],
            }))
            .push(Verb::Message(b.clone()))
            .push(Verb::Dial { number: a.clone(), action: url, timeout_secs: 20, caller_id: None });
        let xml = t.render();
        let texts = texts_of(&xml).map_err(|e| TestCaseError::fail(format!("{e}: {xml}")))?;
        let joined = texts.concat();
        prop_assert!(joined.contains(&xml_safe(&a)), "{xml}");
        prop_assert!(joined.contains(&xml_safe(&b)), "{xml}");
    }

    #[test]
    fn form_parsing_and_signing_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), token in any::<String>(), url in any::<String>()) {
        if let Ok(params) = crate::http::webhooks::twilio::parse_form(&body) {
            let sig = crate::http::webhooks::twilio::twilio_signature(&token, &url, params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            prop_assert!(!sig.is_empty());
        }
    }

    #[test]
    fn a_conversation_of_arbitrary_speech_never_panics(lines in proptest::collection::vec(any::<String>(), 1..12), keys in proptest::collection::vec(proptest::option::of("[0-9#*]{1,12}"), 1..12)) {
        let p = Profile { business: "Shop".into(), languages: vec![crate::nlu::Lang::En, crate::nlu::Lang::Es], ai_enabled: true, can_book_after_hours: true, caller: Some("+15555550100".into()), ..Profile::default() };
        let mut s = Session::default();
        let first = flow::start(&mut s, &p, &NoDesk);
        prop_assert!(!first.say.is_empty());
        for (line, key) in lines.iter().zip(keys.iter().cycle()) {
            let turn = flow::step(&mut s, Input { speech: Some(line), digits: key.as_deref() }, &p, &NoDesk);
            prop_assert!(!turn.say.is_empty() || turn.action.is_some(), "the caller never hears silence");
            let xml = super::render::render(&turn, 1).render();
            prop_assert!(texts_of(&xml).is_ok(), "{xml}");
            // Serialised state survives a restart.
            let json = serde_json::to_string(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
            s = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
    }
}
