//! The command line: `serve` (the default), `migrate`, `backup`, `restore`,
//! `tenant …`, `user …`, `billing …`, `router …` and `config check`. Admin commands work on the database
//! directly (safe beside a running server: WAL and a busy timeout).

mod backup;
mod billing;
pub mod nlu;
mod router;
mod serve;
mod simulate;
mod tenant;
mod user;

use crate::config::Config;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "ringlypro",
    version,
    about = "RinglyPro: AI voice receptionist and CRM for small businesses, in one binary.",
    long_about = "RinglyPro answers your business phone (through Twilio) in English and Spanish, books appointments \
    and keeps your contacts, calls and messages. Run `ringlypro serve` (the default) and open the address it prints."
)]
pub struct Cli {
    /// TOML configuration file (keys are the environment variable names in lower case).
    /// Also read from RINGLYPRO_CONFIG. Environment variables override the file.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (the default when no command is given).
    Serve,
    /// Create the database if needed and apply pending schema migrations.
    Migrate,
    /// Write a consistent copy of the database to FILE; safe while the server runs.
    /// Without FILE, writes ringlypro-<UTC time>.db into --dir (default DATA_DIR/backups)
    /// and keeps the newest --keep: what the daily systemd timer runs.
    Backup {
        /// Where to write the copy; must not exist yet.
        file: Option<PathBuf>,
        /// Directory for timestamped backups (default DATA_DIR/backups; used when FILE is not given).
        #[arg(long, conflicts_with = "file")]
        dir: Option<PathBuf>,
        /// Without FILE: how many timestamped backups to keep (older ones are deleted).
        #[arg(long, conflicts_with = "file", default_value_t = 14)]
        keep: usize,
    },
    /// Replace the database with a backup. Refuses while a server uses the database.
    Restore {
        /// A file written by `ringlypro backup`.
        file: PathBuf,
    },
    /// Manage businesses (tenants).
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Manage dashboard users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Billing support: verify the ledger, adjust a balance.
    #[command(subcommand)]
    Billing(billing::BillingCommand),
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the speech understanding on a sentence and print JSON (no server needed).
    #[command(subcommand)]
    Nlu(nlu::NluCommand),
    /// Play a caller against a running server (signed like Twilio) and print the conversation.
    SimulateCall(simulate::SimulateArgs),
    /// The reseller's front: routes Twilio webhooks to the node that serves each number.
    Router(router::RouterArgs),
}

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Print the effective configuration (secrets masked) and exit non-zero when it is invalid.
    Check,
}

/// Runs the parsed command line; the exit code is the return value.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Config(ConfigCommand::Check) = command {
        return Ok(config_check(cli.config));
    }
    if let Command::Nlu(n) = &command {
        println!("{}", nlu::answer(n));
        return Ok(0);
    }
    if let Command::SimulateCall(args) = command {
        return simulate::run(args).map(|()| 0);
    }
    if let Command::Router(args) = command {
        return router::run(args).map(|()| 0);
    }
    let (config, _raw) = Config::load(cli.config.as_deref())?;
    match command {
        Command::Serve => serve::run(config).map(|()| 0),
        Command::Migrate => backup::migrate(&config).map(|()| 0),
        Command::Backup {
            file: Some(file), ..
        } => backup::backup(&config, &file).map(|()| 0),
        Command::Backup {
            file: None,
            dir,
            keep,
        } => {
            let dir = dir.unwrap_or_else(|| config.data_dir.join("backups"));
            backup::rotate(&config, &dir, keep).map(|()| 0)
        }
        Command::Restore { file } => backup::restore(&config, &file).map(|()| 0),
        Command::Tenant(t) => tenant::run(&config, t).map(|()| 0),
        Command::User(u) => user::run(&config, u).map(|()| 0),
        Command::Billing(b) => billing::run(&config, b),
        Command::Config(_) | Command::Nlu(_) | Command::SimulateCall(_) | Command::Router(_) => {
            Ok(0)
        }
    }
}

fn config_check(file: Option<PathBuf>) -> i32 {
    let env_file = std::env::var("RINGLYPRO_CONFIG")
        .ok()
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let file = file.or(env_file);
    let raw = match crate::config::RawConfig::load(file.as_deref(), &|k| std::env::var(k).ok()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("configuration is invalid: {e:#}");
            return 2;
        }
    };
    print!("{}", raw.describe());
    match Config::from_raw(&raw) {
        Ok(cfg) => {
            let p = cfg.providers();
            let on = |b: bool| if b { "on" } else { "off" };
            println!();
            println!("database:   {}", cfg.database_path.display());
            println!("listen:     http://{}", cfg.listen_addr());
            println!(
                "providers:  twilio {}, stripe {}, stripe webhooks {}, sendgrid {}, smtp {}, elevenlabs {}",
                on(p.twilio),
                on(p.stripe),
                on(p.stripe_webhooks),
                on(p.sendgrid),
                on(p.smtp),
                on(p.elevenlabs)
            );
            if cfg.jwt_secret.is_none() {
                println!(
                    "jwt secret: generated on first start in {}",
                    cfg.data_dir.join("jwt_secret").display()
                );
            }
            println!("configuration is valid");
            0
        }
        Err(e) => {
            eprintln!("configuration is invalid: {e:#}");
            2
        }
    }
}

/// Opens the database for an admin command (creating and migrating it if needed).
pub(crate) fn open_db(config: &Config) -> anyhow::Result<rusqlite::Connection> {
    if let Some(dir) = config
        .database_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut conn = crate::db::open_connection(&config.database_path)?;
    crate::db::migrate(&mut conn)?;
    Ok(conn)
}

/// Runs `f` in one immediate transaction on an admin connection.
pub(crate) fn in_tx<T>(
    conn: &mut rusqlite::Connection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, crate::AppError>,
) -> anyhow::Result<T> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let out = f(&tx).map_err(|e| anyhow::anyhow!("{}", e.public_message_for_cli()))?;
    tx.commit()?;
    Ok(out)
}

impl crate::AppError {
    /// The message for an operator: internal details included.
    pub fn public_message_for_cli(&self) -> String {
        match self {
            crate::AppError::Internal(d) => d.clone(),
            other => other.to_string(),
        }
    }
}
