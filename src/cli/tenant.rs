//! `ringlypro tenant create|list|show|set-number|enable|disable|export|import`.
//! Export and import move one business between nodes (`db::transfer` has the
//! format and its rules: a consistent snapshot, ids kept, conflicts refused).

use super::{in_tx, open_db};
use crate::config::Config;
use crate::db;
use crate::domain::{ClientId, E164, Email, TimeZone};
use crate::error::AppError;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum TenantCommand {
    /// Create a business. Prints its id.
    Create {
        /// Business name as callers should hear it.
        #[arg(long)]
        name: String,
        /// The business's own phone (the owner's line), any common format.
        #[arg(long)]
        phone: String,
        /// The Twilio number callers dial (E.164 or any common format).
        #[arg(long)]
        number: Option<String>,
        /// IANA time zone, e.g. America/Chicago.
        #[arg(long, default_value = "America/New_York")]
        timezone: String,
        /// Owner's email (for notifications).
        #[arg(long)]
        owner_email: Option<String>,
    },
    /// List every business on this node.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one business as JSON.
    Show { id: i64 },
    /// Attach the Twilio number that identifies the business on calls (`none` to detach).
    SetNumber { id: i64, number: String },
    /// Let the business's calls, logins and API work again.
    Enable { id: i64 },
    /// Suspend a business: its users cannot sign in and its number is not answered.
    Disable { id: i64 },
    /// Write one business with all its rows (contacts, calendar, calls, messages, credits…)
    /// to FILE from one consistent snapshot; safe while the server runs. The file holds
    /// password hashes and personal data: it is created readable by its owner only.
    Export {
        id: i64,
        /// Where to write the export (JSON lines); must not exist yet.
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Load a business exported from another node. Ids are kept; refuses (changing nothing)
    /// when this node already has its id, its number, a user's email or any of its rows.
    Import { file: std::path::PathBuf },
}

pub fn run(config: &Config, cmd: TenantCommand) -> anyhow::Result<()> {
    let mut conn = open_db(config)?;
    let now = chrono::Utc::now();
    match cmd {
        TenantCommand::Export { id, out } => return export(&mut conn, id, &out),
        TenantCommand::Import { file } => return import(&mut conn, &file),
        TenantCommand::Create {
            name,
            phone,
            number,
            timezone,
            owner_email,
        } => {
            let name = name.trim().to_string();
            if name.is_empty() || name.chars().count() > 200 {
                anyhow::bail!("--name must be 1 to 200 characters");
            }
            let new = db::clients::NewClient {
                business_name: name,
                business_phone: E164::parse(&phone).map_err(|m| anyhow::anyhow!("--phone: {m}"))?,
                business_type: None,
                website_url: None,
                timezone: TimeZone::parse(&timezone)
                    .map_err(|m| anyhow::anyhow!("--timezone: {m}"))?
                    .name()
                    .to_string(),
                owner_name: None,
                owner_email: owner_email
                    .map(|e| Email::parse(&e).map(|e| e.as_str().to_string()))
                    .transpose()
                    .map_err(|m| anyhow::anyhow!("--owner-email: {m}"))?,
                ringlypro_number: number
                    .map(|n| E164::parse(&n))
                    .transpose()
                    .map_err(|m| anyhow::anyhow!("--number: {m}"))?,
            };
            let id = in_tx(&mut conn, |c| db::clients::insert(c, &new, now))?;
            println!("{id}");
            eprintln!(
                "created business {id}; add a dashboard user with: ringlypro user create --tenant {id} --email you@example.com"
            );
        }
        TenantCommand::List { json } => {
            let all = db::clients::list_all(&conn)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                println!(
                    "{:<6} {:<8} {:<16} {:<22} NAME",
                    "ID", "ACTIVE", "NUMBER", "TIME ZONE"
                );
                for c in all {
                    println!(
                        "{:<6} {:<8} {:<16} {:<22} {}",
                        c.id,
                        if c.active { "yes" } else { "no" },
                        c.ringlypro_number.as_deref().unwrap_or("-"),
                        c.timezone,
                        c.business_name
                    );
                }
            }
        }
        TenantCommand::Show { id } => {
            let id = ClientId::from_trusted(id);
            let client = db::clients::get(&conn, id)?
                .ok_or_else(|| anyhow::anyhow!("there is no business with id {id}"))?;
            let users: Vec<String> = db::auth::list_for_client(&conn, id)?
                .into_iter()
                .map(|u| u.email)
                .collect();
            let counts = db::status::tenant_counts(&conn, id)?;
            let mut v = serde_json::to_value(&client)?;
            v["users"] = serde_json::json!(users);
            v["counts"] = serde_json::json!(counts);
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
        TenantCommand::SetNumber { id, number } => {
            let id = ClientId::from_trusted(id);
            let number = if number.eq_ignore_ascii_case("none") {
                None
            } else {
                Some(E164::parse(&number).map_err(|m| anyhow::anyhow!("{m}"))?)
            };
            in_tx(&mut conn, |c| {
                db::clients::set_number(c, id, number.as_ref(), now)
            })?;
            match number {
                Some(n) => println!("business {id} now answers calls to {n}"),
                None => println!("business {id} has no number now"),
            }
        }
        TenantCommand::Enable { id } | TenantCommand::Disable { id } => {
            let enable = matches!(cmd, TenantCommand::Enable { .. });
            let id = ClientId::from_trusted(id);
            in_tx(&mut conn, |c| db::clients::set_active(c, id, enable, now)).map_err(|e| {
                if e.to_string().contains("not found") {
                    anyhow::anyhow!("there is no business with id {id}")
                } else {
                    e
                }
            })?;
            println!(
                "business {id} {}",
                if enable { "enabled" } else { "disabled" }
            );
        }
    }
    let _ = AppError::not_found;
    Ok(())
}

fn print_rows(summary: &db::transfer::Summary) {
    for (table, n) in &summary.rows {
        if *n > 0 {
            println!("  {table:<24} {n}");
        }
    }
}

fn export(conn: &mut rusqlite::Connection, id: i64, out: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    if out.exists() {
        anyhow::bail!("{} already exists; choose a new file name", out.display());
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(&partial)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", partial.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let result = db::transfer::export(conn, ClientId::from_trusted(id), &mut w)
        .map_err(|e| anyhow::anyhow!("{}", e.public_message_for_cli()))
        .and_then(|s| {
            w.flush()?;
            w.get_ref().sync_all()?;
            Ok(s)
        });
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, out)?;
    println!(
        "exported business {} (\"{}\", {}) to {}: {} rows, schema version {}",
        summary.tenant,
        summary.business_name,
        summary.number.as_deref().unwrap_or("no number"),
        out.display(),
        summary.total(),
        summary.schema_version
    );
    print_rows(&summary);
    Ok(())
}

fn import(conn: &mut rusqlite::Connection, file: &std::path::Path) -> anyhow::Result<()> {
    let f = std::fs::File::open(file)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", file.display()))?;
    let mut r = std::io::BufReader::new(f);
    let summary = db::transfer::import(conn, &mut r)
        .map_err(|e| anyhow::anyhow!("import refused: {}", e.public_message_for_cli()))?;
    println!(
        "imported business {} (\"{}\", {}): {} rows",
        summary.tenant,
        summary.business_name,
        summary.number.as_deref().unwrap_or("no number"),
        summary.total()
    );
    print_rows(&summary);
    println!(
        "next: point its number at this node (ringlypro router number assign {} <node>); users sign in again here (sessions do not move)",
        summary.number.as_deref().unwrap_or("<number>")
    );
    Ok(())
}
