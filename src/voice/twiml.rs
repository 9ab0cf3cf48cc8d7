//! A typed TwiML builder. Every piece of text and every attribute value is
//! XML-escaped on the way out (and characters XML cannot carry at all are
//! dropped), so text from callers and tenants can never change the document.
//! Handlers answer Twilio with a [`Twiml`]; it renders with `text/xml`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// One verb of a `<Response>`. The voice issue adds `Say`, `Gather`, `Play` …
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Message>text</Message>`: an SMS reply to the message being answered.
    Message(String),
    /// `<Hangup/>`.
    Hangup,
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
            match v {
                Verb::Message(text) => {
                    let _ = write!(out, "<Message>{}</Message>", escape(text));
                }
                Verb::Hangup => out.push_str("<Hangup/>"),
            }
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
