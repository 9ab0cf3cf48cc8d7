//! Billing: credits, free minutes, usage charges, top-ups, refunds, thresholds
//! and Stripe. `rules` decides (pure, unit-tested); `ledger` applies a decision
//! to a tenant's account inside the caller's write transaction, one ledger row
//! per balance change, each with a unique idempotency key, so a repeated
//! trigger (Twilio or Stripe retrying) changes nothing; `notify` tells the
//! owner (dashboard notification + email through the outbox); `stripe_sig`
//! checks Stripe's webhook signatures; `stripe_events` applies Stripe events;
//! `auto_reload` is the background job that charges a saved card.

pub mod auto_reload;
pub mod ledger;
pub mod notify;
pub mod rules;
pub mod stripe_events;
pub mod stripe_sig;

/// Smallest and largest top-up, in cents ($5 – $500).
pub const MIN_TOP_UP_CENTS: i64 = 500;
pub const MAX_TOP_UP_CENTS: i64 = 50_000;
