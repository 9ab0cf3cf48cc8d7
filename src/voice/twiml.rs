//! A typed TwiML builder. Every piece of text and every attribute value is
//! XML-escaped on the way out (and characters XML cannot carry at all are
//! dropped), so text from callers and tenants can never change the document.
//! Handlers answer Twilio with a [`Twiml`]; it renders with `text/xml`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// One verb of a `<Response>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Message>text</Message>`: an SMS reply to the message being answered.
    Message(String),
    /// `<Hangup/>`.
    Hangup,
    /// `<Say voice=… language=…>text</Say>`.
    Say {
        text: String,
        voice: String,
        language: String,
    },
    /// `<Play>url</Play>`.
    Play(String),
    /// `<Gather>` listening for speech and/or keys, with prompts nested inside.
    Gather(Gather),
    /// `<Dial action=… timeout=…>number</Dial>`.
    Dial {
        number: String,
        action: String,
        timeout_secs: u32,
        caller_id: Option<String>,
    },
    /// `<Record>` a voicemail with transcription and a status callback.
    Record {
        action: String,
        max_length_secs: u32,
        transcribe_callback: Option<String>,
        status_callback: Option<String>,
    },
    /// `<Redirect method="POST">url</Redirect>`.
    Redirect(String),
    /// `<Pause length=…/>`.
    Pause(u32),
}

/// The attributes and nested prompts of a `<Gather>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    pub action: String,
    /// "speech dtmf", "dtmf", "speech".
    pub input: String,
    pub language: String,
    pub speech_model: String,
    pub hints: Vec<String>,
    pub num_digits: Option<u8>,
    pub timeout_secs: u32,
    pub prompts: Vec<Verb>,
}

/// A TwiML document under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Twiml {
    verbs: Vec<Verb>,
}

impl Twiml {
    /// `<Response/>`: "nothing to do", valid for every Twilio webhook.
    pub fn empty() -> Self {
        Self::default()
    }

    /// A response that replies with one SMS.
    pub fn message(text: impl Into<String>) -> Self {
        Self::empty().push(Verb::Message(text.into()))
    }

    pub fn push(mut self, verb: Verb) -> Self {
        self.verbs.push(verb);
        self
    }

    pub fn verbs(&self) -> &[Verb] {
        &self.verbs
    }

    /// The document as text.
    pub fn render(&self) -> String {
        let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        if self.verbs.is_empty() {
            out.push_str("<Response/>");
            return out;
        }
        out.push_str("<Response>");
        for v in &self.verbs {
            render_verb(&mut out, v);
        }
        out.push_str("</Response>");
        out
    }

    /// The response with an explicit status (a rejected webhook still gets TwiML).
    pub fn with_status(self, status: StatusCode) -> Response {
        let mut res = self.into_response();
        *res.status_mut() = status;
        res
    }
}

impl IntoResponse for Twiml {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            self.render(),
        )
            .into_response()
    }
}

fn render_verb(out: &mut String, v: &Verb) {
    match v {
        Verb::Message(text) => {
            let _ = write!(out, "<Message>{}</Message>", escape(text));
        }
        Verb::Hangup => out.push_str("<Hangup/>"),
        Verb::Say {
            text,
            voice,
            language,
        } => {
            let _ = write!(
                out,
                r#"<Say voice="{}" language="{}">{}</Say>"#,
                escape(voice),
                escape(language),
                escape(text)
            );
        }
        Verb::Play(url) => {
            let _ = write!(out, "<Play>{}</Play>", escape(url));
        }
        Verb::Gather(g) => {
            let _ = write!(
                out,
                r#"<Gather input="{}" action="{}" method="POST" language="{}" speechTimeout="auto" speechModel="{}" timeout="{}" actionOnEmptyResult="true""#,
                escape(&g.input),
                escape(&g.action),
                escape(&g.language),
                escape(&g.speech_model),
                g.timeout_secs
            );
            if let Some(n) = g.num_digits {
                let _ = write!(out, r#" numDigits="{n}""#);
            }
            if !g.hints.is_empty() {
                let _ = write!(out, r#" hints="{}""#, escape(&g.hints.join(", ")));
            }
            out.push('>');
            for p in &g.prompts {
                render_verb(out, p);
            }
            out.push_str("</Gather>");
        }
        Verb::Dial {
            number,
            action,
            timeout_secs,
            caller_id,
        } => {
            let _ = write!(
                out,
                r#"<Dial action="{}" method="POST" timeout="{timeout_secs}""#,
                escape(action)
            );
            if let Some(c) = caller_id {
                let _ = write!(out, r#" callerId="{}""#, escape(c));
            }
            let _ = write!(out, "><Number>{}</Number></Dial>", escape(number));
        }
        Verb::Record {
            action,
            max_length_secs,
            transcribe_callback,
            status_callback,
        } => {
            let _ = write!(
                out,
                r##"<Record action="{}" method="POST" maxLength="{max_length_secs}" finishOnKey="#" playBeep="true""##,
                escape(action)
            );
            if let Some(t) = transcribe_callback {
                let _ = write!(
                    out,
                    r#" transcribe="true" transcribeCallback="{}""#,
                    escape(t)
                );
            }
            if let Some(c) = status_callback {
                let _ = write!(
                    out,
                    r#" recordingStatusCallback="{}" recordingStatusCallbackMethod="POST""#,
                    escape(c)
                );
            }
            out.push_str("/>");
        }
        Verb::Redirect(url) => {
            let _ = write!(out, r#"<Redirect method="POST">{}</Redirect>"#, escape(url));
        }
        Verb::Pause(n) => {
            let _ = write!(out, r#"<Pause length="{n}"/>"#);
        }
    }
}

/// Escapes text for XML element content and attribute values. Characters that
/// XML 1.0 cannot represent (most C0 controls, U+FFFE/U+FFFF) are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_response_is_valid_twiml() {
        assert_eq!(
            Twiml::empty().render(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
        );
    }

    #[test]
    fn message_text_is_escaped() {
        let t = Twiml::message("<script>alert('x')</script> ]]> & \"q\"\u{0}");
        let r = t.render();
        assert!(r.ends_with(
            "<Response><Message>&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; ]]&gt; &amp; &quot;q&quot;</Message></Response>"
        ), "{r}");
        assert!(!r.contains("<script>"));
    }

    #[test]
    fn non_ascii_text_passes_through() {
        assert!(
            Twiml::message("¡Sí! ✓")
                .render()
                .contains("<Message>¡Sí! ✓</Message>")
        );
    }
}
