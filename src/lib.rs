//! RinglyPro: an AI voice receptionist and CRM for small businesses, in one binary.
//!
//! The crate is laid out by what each part owns: `config` (settings), `db` (all SQL),
//! `auth` (passwords, tokens, rate limits), `http` (axum routes, extractors, errors),
//! `web` (server-rendered pages), `domain` (validated value types), `cli` (the
//! admin subcommands), `providers` (Twilio and other external services),
//! `outbox` (the delivery worker), `sms` (keywords and replies), `voice`
//! (TwiML), `billing` (credits, usage, Stripe) and `emails` (templates).
//! Decision logic lives in plain modules without I/O.

pub mod app;
pub mod auth;
pub mod billing;
pub mod billing_hook;
pub mod booking;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod emails;
pub mod error;
pub mod forwarding;
pub mod http;
pub mod metrics;
pub mod nlu;
pub mod outbox;
pub mod providers;
pub mod reminders;
pub mod router;
pub mod scheduling;
pub mod sdnotify;
pub mod sms;
pub mod texts;
pub mod voice;
pub mod web;

pub use error::AppError;

/// The version reported by `/health`, `/api/status` and `--version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
