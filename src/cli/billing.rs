//! `ringlypro billing verify` (every tenant's ledger sums to its balance and
//! its debt; exit 1 and a list of the tenants that do not) and
//! `ringlypro billing adjust TENANT AMOUNT --reason TEXT` (a support credit or
//! debit in dollars, written as a ledger row like any other balance change).

use super::open_db;
use crate::billing::rules;
use crate::config::Config;
use crate::db;
use crate::domain::ClientId;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum BillingCommand {
    /// Check that every tenant's ledger adds up to its balance (and its debt).
    /// Exits 1 and lists the tenants whose books do not add up.
    Verify {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Credit (positive) or debit (negative) a tenant's balance, e.g. `5`, `-2.50`.
    /// A credit pays any debt first; a debit takes the balance to zero at most
    /// and records the rest as owed.
    Adjust {
        /// The tenant's id (`ringlypro tenant list`).
        tenant: i64,
        /// Dollars, at most two decimals; negative to debit.
        #[arg(allow_hyphen_values = true)]
        amount: String,
        /// Why (kept in the ledger).
        #[arg(long)]
        reason: String,
    },
}

pub fn run(config: &Config, cmd: BillingCommand) -> anyhow::Result<i32> {
    let mut conn = open_db(config)?;
    match cmd {
        BillingCommand::Verify { json } => {
            let bad = db::billing::verify(&conn)
                .map_err(|e| anyhow::anyhow!("{}", e.public_message_for_cli()))?;
            let (accounts, lines) = db::billing::ledger_size(&conn)
                .map_err(|e| anyhow::anyhow!("{}", e.public_message_for_cli()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"ok": bad.is_empty(), "accounts": accounts, "ledgerLines": lines, "mismatches": bad})
                );
            } else if bad.is_empty() {
                println!(
                    "ledger OK: {accounts} accounts, {lines} ledger lines, every balance and debt equals the sum of its ledger"
                );
            } else {
                for m in &bad {
                    println!(
                        "tenant {}: balance {} but ledger sums to {}; debt {} but ledger sums to {}",
                        m.client_id,
                        rules::dollars(m.balance_cents),
                        rules::dollars(m.ledger_balance_cents),
                        rules::dollars(m.debt_cents),
                        rules::dollars(m.ledger_debt_cents)
                    );
                }
                println!("ledger MISMATCH for {} of {accounts} accounts", bad.len());
            }
            Ok(if bad.is_empty() { 0 } else { 1 })
        }
        BillingCommand::Adjust {
            tenant,
            amount,
            reason,
        } => {
            let cents = rules::parse_dollars(&amount).filter(|c| *c != 0).ok_or_else(|| {
                anyhow::anyhow!("AMOUNT must be a non-zero number of dollars with at most two decimals, e.g. 5 or -2.50")
            })?;
            if cents.abs() > 1_000_000 {
                anyhow::bail!("AMOUNT must be at most $10,000 either way");
            }
            let reason = reason.trim().to_string();
            if reason.is_empty()
                || reason.chars().count() > 500
                || reason.chars().any(char::is_control)
            {
                anyhow::bail!("--reason must be 1 to 500 characters on one line");
            }
            let client = ClientId::from_trusted(tenant);
            let now = chrono::Utc::now();
            let key = format!("cli:{}", crate::auth::random_hex(12));
            let dashboard = config.frontend_url.clone();
            let balance = super::in_tx(&mut conn, |c| {
                if db::clients::get(c, client)?.is_none() {
                    return Err(crate::AppError::NotFound(format!(
                        "there is no tenant {tenant}"
                    )));
                }
                crate::billing::ledger::adjust(c, client, cents, &reason, &key, &dashboard, now)?;
                let a = db::billing::account(c, client)?
                    .ok_or_else(|| crate::AppError::not_found("credit account"))?;
                Ok((a.balance_cents, a.debt_cents))
            })?;
            println!(
                "tenant {tenant}: adjusted by {}; balance {}, owed {}",
                rules::dollars(cents),
                rules::dollars(balance.0),
                rules::dollars(balance.1)
            );
            Ok(0)
        }
    }
}
