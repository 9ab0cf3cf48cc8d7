//! The voice receptionist: one conversation engine (`flow`, pure), two
//! language packs (`lang`), the TwiML builder (`twiml`) and renderer
//! (`render`), the calendar view it works through (`desk`) and the glue that
//! runs one webhook turn atomically in the database (`engine`), and the
//! read-back of an answer in words (`readback`).

pub mod desk;
pub mod engine;
pub mod flow;
pub mod lang;
pub mod readback;
pub mod render;
pub mod tts;
pub mod twiml;

#[cfg(test)]
mod fuzz_tests;
