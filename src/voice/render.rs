//! Turns a `flow::Turn` into TwiML: the sentences as `<Say>` in the language's
//! voice (nested in `<Gather>` when listening), then the next verb. Action URLs
//! are relative, so the same answer works behind a router or a proxy.

use super::flow::{Next, Turn};
use super::lang;
use super::twiml::{Gather, Twiml, Verb};

pub const GATHER_URL: &str = "/voice/gather";
pub const DIAL_RESULT_URL: &str = "/voice/dial-result";
pub const RECORDING_URL: &str = "/voice/recording";
pub const RECORDING_STATUS_URL: &str = "/voice/recording-status";
pub const TRANSCRIPTION_URL: &str = "/voice/transcription";
/// Twilio's speech model, pinned so recognition does not change under us.
pub const SPEECH_MODEL: &str = "phone_call";

/// Renders `turn`; `seq` is the number of the turn that answers it, carried in the
/// action URLs so a Twilio retry of a turn is told apart from a new turn.
pub fn render(turn: &Turn, seq: i64) -> Twiml {
    let with_turn = |url: &str| format!("{url}?turn={seq}");
    let voice = lang::voice(turn.lang).to_string();
    let language = lang::speech_language(turn.lang).to_string();
    let says: Vec<Verb> = turn
        .say
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| Verb::Say {
            text: s.clone(),
            voice: voice.clone(),
            language: language.clone(),
        })
        .collect();
    let mut t = Twiml::empty();
    match &turn.next {
        Next::Gather { hints, digits } => {
            t = t.push(Verb::Gather(Gather {
                action: with_turn(GATHER_URL),
                input: "speech dtmf".into(),
                language,
                speech_model: SPEECH_MODEL.into(),
                hints: hints.clone(),
                num_digits: *digits,
                timeout_secs: 6,
                prompts: says,
            }));
        }
        Next::Dial { number } => {
            for s in says {
                t = t.push(s);
            }
            t = t.push(Verb::Dial {
                number: number.clone(),
                action: with_turn(DIAL_RESULT_URL),
                timeout_secs: 20,
                caller_id: None,
            });
        }
        Next::Record => {
            for s in says {
                t = t.push(s);
            }
            t = t.push(Verb::Record {
                action: with_turn(RECORDING_URL),
                max_length_secs: 120,
                transcribe_callback: Some(TRANSCRIPTION_URL.into()),
                status_callback: Some(RECORDING_STATUS_URL.into()),
            });
        }
        Next::Hangup => {
            for s in says {
                t = t.push(s);
            }
            t = t.push(Verb::Hangup);
        }
    }
    t
}
