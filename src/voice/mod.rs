//! The voice side of the product. For now only the TwiML builder lives here; the
//! call state machine, language packs and TTS cache join it with the voice issue.

pub mod twiml;
