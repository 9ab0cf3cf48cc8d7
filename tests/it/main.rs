//! Integration tests: one binary (fast links on 2 cores), modules per area.
//! Every test starts the real server on 127.0.0.1:0 with a temp data dir.

mod common;

mod auth;
mod bad_input;
mod billing;
mod calls;
mod crash;
mod crm;
mod deploy;
mod fuzz;
mod messages;
mod metrics;
mod nlu_cli;
mod ops;
mod router;
mod tenancy;
mod tenant_move;
mod voice;
mod web;
