//! SQL for tenants (`clients`) and their credit account row.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::{ClientId, E164};
use crate::error::{AppError, is_unique_violation};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

pub struct NewClient {
    pub business_name: String,
    pub business_phone: E164,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub timezone: String,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
    pub ringlypro_number: Option<E164>,
}

/// The tenant as the auth API and admin commands show it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Client {
    pub id: i64,
    pub business_name: String,
    pub business_phone: String,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub ringlypro_number: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub owner_email: Option<String>,
    pub timezone: String,
    pub rachel_enabled: bool,
    pub ai_paused_by_billing: bool,
    pub active: bool,
    pub monthly_free_minutes: i64,
    pub per_minute_rate_mills: i64,
    pub default_language: String,
    pub created_at: String,
    pub updated_at: String,
}

const CLIENT_COLUMNS: &str =
    "id, business_name, business_phone, business_type, website_url, ringlypro_number,
    owner_name, owner_phone, owner_email, timezone, rachel_enabled, ai_paused_by_billing, active,
    monthly_free_minutes, per_minute_rate_mills, default_language, created_at, updated_at";

fn client_from_row(r: &Row<'_>) -> rusqlite::Result<Client> {
    Ok(Client {
        id: r.get(0)?,
        business_name: r.get(1)?,
        business_phone: r.get(2)?,
        business_type: r.get(3)?,
        website_url: r.get(4)?,
        ringlypro_number: r.get(5)?,
        owner_name: r.get(6)?,
        owner_phone: r.get(7)?,
        owner_email: r.get(8)?,
        timezone: r.get(9)?,
        rachel_enabled: r.get(10)?,
        ai_paused_by_billing: r.get(11)?,
        active: r.get(12)?,
        monthly_free_minutes: r.get(13)?,
        per_minute_rate_mills: r.get(14)?,
        default_language: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

fn number_conflict(number: &E164) -> AppError {
    AppError::conflict(
        format!(
            "the number {} is already attached to another business",
            number.display()
        ),
        None,
    )
}

/// Creates a tenant and its credit account (balance 0, free minutes unused).
pub fn insert(conn: &Connection, c: &NewClient, now: DateTime<Utc>) -> Result<ClientId, AppError> {
    let ts = to_db(now);
    let res = conn.execute_cached(
        "INSERT INTO clients (business_name, business_phone, business_type, website_url, timezone,
             owner_name, owner_email, owner_phone, ringlypro_number, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?2, ?8, ?9, ?9)",
        params![
            c.business_name,
            c.business_phone.as_str(),
            c.business_type,
            c.website_url,
            c.timezone,
            c.owner_name,
            c.owner_email,
            c.ringlypro_number.as_ref().map(E164::as_str),
            ts
        ],
    );
    match res {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(c
                .ringlypro_number
                .as_ref()
                .map(number_conflict)
                .unwrap_or_else(|| e.into()));
        }
        Err(e) => return Err(e.into()),
    }
    let id = conn.last_insert_rowid();
    conn.execute_cached(
        "INSERT INTO credit_accounts (client_id, created_at, updated_at) VALUES (?1, ?2, ?2)",
        params![id, ts],
    )?;
    Ok(ClientId::from_trusted(id))
}

pub fn get(conn: &Connection, id: ClientId) -> Result<Option<Client>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = ?1"),
            [id.get()],
            client_from_row,
        )
        .optional()?)
}

/// Every tenant, for the operator's `tenant list`.
pub fn list_all(conn: &Connection) -> Result<Vec<Client>, AppError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {CLIENT_COLUMNS} FROM clients ORDER BY id"))?;
    let rows = stmt.query_map([], client_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Attaches (or with `None` detaches) the Twilio number that identifies the tenant on calls.
pub fn set_number(
    conn: &Connection,
    id: ClientId,
    number: Option<&E164>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let res = conn.execute_cached(
        "UPDATE clients SET ringlypro_number = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.get(), number.map(E164::as_str), to_db(now)],
    );
    match res {
        Ok(0) => Err(AppError::not_found("business")),
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(number.map(number_conflict).unwrap_or_else(|| e.into()))
        }
        Err(e) => Err(e.into()),
    }
}

pub fn set_active(
    conn: &Connection,
    id: ClientId,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let n = conn.execute_cached(
        "UPDATE clients SET active = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.get(), active, to_db(now)],
    )?;
    if n == 0 {
        return Err(AppError::not_found("business"));
    }
    Ok(())
}

/// The business fields an owner may change through `update-profile`.
#[derive(Default)]
pub struct BusinessChanges {
    pub business_name: Option<String>,
    pub business_phone: Option<E164>,
    pub business_type: Option<String>,
    pub website_url: Option<String>,
    pub timezone: Option<String>,
}

pub fn update_business(
    conn: &Connection,
    id: ClientId,
    ch: &BusinessChanges,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE clients SET
            business_name = coalesce(?2, business_name),
            business_phone = coalesce(?3, business_phone),
            business_type = coalesce(?4, business_type),
            website_url = coalesce(?5, website_url),
            timezone = coalesce(?6, timezone),
            updated_at = ?7
         WHERE id = ?1",
        params![
            id.get(),
            ch.business_name,
            ch.business_phone.as_ref().map(E164::as_str),
            ch.business_type,
            ch.website_url,
            ch.timezone,
            to_db(now)
        ],
    )?;
    Ok(())
}
