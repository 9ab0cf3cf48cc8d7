//! `ringlypro user create|reset-password`. Passwords are read from standard
//! input (never from the command line, where other users could see them), or a
//! one-time reset link is printed instead.

use super::{in_tx, open_db};
use crate::auth::password::{Hasher, check_rules};
use crate::auth::{random_token, sha256_hex};
use crate::config::Config;
use crate::db;
use crate::domain::{ClientId, Email};
use clap::Subcommand;
use std::io::BufRead;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a dashboard user for a business.
    Create {
        /// The business id (see `ringlypro tenant list`).
        #[arg(long)]
        tenant: i64,
        #[arg(long)]
        email: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        /// Read the password from the first line of standard input; otherwise a
        /// one-time link to choose it is printed.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Reset a user's password: prints a one-time link, or with --password-stdin
    /// sets the password read from standard input. Signs the user out everywhere.
    ResetPassword {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn read_password(email: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    check_rules(&pw, email).map_err(|m| anyhow::anyhow!("{m}"))?;
    Ok(pw)
}

/// Stores a fresh reset token for `user` and returns the link to print.
fn reset_link(
    conn: &mut rusqlite::Connection,
    config: &Config,
    user: &db::auth::User,
) -> anyhow::Result<String> {
    let token = random_token(32);
    let now = chrono::Utc::now();
    let hash = sha256_hex(&token);
    let uid = user.user_id();
    in_tx(conn, |c| {
        db::auth::insert_reset_token(c, uid, &hash, now + chrono::Duration::hours(1), now)
    })?;
    Ok(format!(
        "{}/reset-password?token={token}",
        config.frontend_url
    ))
}

pub fn run(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let mut conn = open_db(config)?;
    let hasher = Hasher::new(config.argon2_memory_kib, config.argon2_iterations)
        .map_err(anyhow::Error::msg)?;
    let now = chrono::Utc::now();
    match cmd {
        UserCommand::Create {
            tenant,
            email,
            first_name,
            last_name,
            password_stdin,
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let client = ClientId::from_trusted(tenant);
            if db::clients::get(&conn, client)?.is_none() {
                anyhow::bail!(
                    "there is no business with id {tenant} (see `ringlypro tenant list`)"
                );
            }
            let (hash, set) = if password_stdin {
                (
                    hasher
                        .hash(&read_password(email.as_str())?)
                        .map_err(anyhow::Error::msg)?,
                    true,
                )
            } else {
                // An unusable hash until the user picks a password through the link.
                (format!("!unset:{}", random_token(16)), false)
            };
            let uid = in_tx(&mut conn, |c| {
                db::auth::insert(
                    c,
                    &db::auth::NewUser {
                        client_id: client,
                        email: &email,
                        password_hash: &hash,
                        first_name: first_name.as_deref(),
                        last_name: last_name.as_deref(),
                        phone_number: None,
                        role: "owner",
                        language: "en",
                        terms_accepted: false,
                    },
                    now,
                )
            })?;
            println!("created user {uid} ({email}) for business {tenant}");
            if !set {
                let user =
                    db::auth::get(&conn, uid)?.ok_or_else(|| anyhow::anyhow!("user vanished"))?;
                println!(
                    "choose a password within 1 hour at: {}",
                    reset_link(&mut conn, config, &user)?
                );
            }
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let email = Email::parse(&email).map_err(|m| anyhow::anyhow!("{m}"))?;
            let user = db::auth::find_by_email(&conn, &email)?
                .ok_or_else(|| anyhow::anyhow!("there is no user {email}"))?;
            if password_stdin {
                let hash = hasher
                    .hash(&read_password(email.as_str())?)
                    .map_err(anyhow::Error::msg)?;
                let uid = user.user_id();
                in_tx(&mut conn, |c| db::auth::set_password(c, uid, &hash, now))?;
                println!("password of {email} changed; existing sessions are signed out");
            } else {
                println!(
                    "one-time reset link (valid 1 hour): {}",
                    reset_link(&mut conn, config, &user)?
                );
            }
        }
    }
    Ok(())
}
