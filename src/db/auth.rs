//! SQL for user accounts and password-reset tokens.

use super::CachedSql;
use crate::clock::{from_db, to_db};
use crate::domain::{ClientId, Email, UserId};
use crate::error::{AppError, is_unique_violation};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: i64,
    pub client_id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub role: String,
    pub language: String,
    #[serde(skip)]
    pub token_version: i64,
    pub terms_accepted: bool,
    pub email_verified: bool,
    pub onboarding_completed: bool,
    pub last_login_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl User {
    pub fn user_id(&self) -> UserId {
        UserId::from_trusted(self.id)
    }
    pub fn client_id(&self) -> ClientId {
        ClientId::from_trusted(self.client_id)
    }
}

const USER_COLUMNS: &str =
    "id, client_id, email, password_hash, first_name, last_name, phone_number, role,
    language, token_version, terms_accepted, email_verified, onboarding_completed, last_login_at,
    created_at, updated_at";

fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        client_id: r.get(1)?,
        email: r.get(2)?,
        password_hash: r.get(3)?,
        first_name: r.get(4)?,
        last_name: r.get(5)?,
        phone_number: r.get(6)?,
        role: r.get(7)?,
        language: r.get(8)?,
        token_version: r.get(9)?,
        terms_accepted: r.get(10)?,
        email_verified: r.get(11)?,
        onboarding_completed: r.get(12)?,
        last_login_at: r.get(13)?,
        created_at: r.get(14)?,
        updated_at: r.get(15)?,
    })
}

pub struct NewUser<'a> {
    pub client_id: ClientId,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub role: &'a str,
    pub language: &'a str,
    pub terms_accepted: bool,
}

fn email_taken() -> AppError {
    AppError::conflict(
        "An account with this email already exists. Sign in or reset your password.",
        None,
    )
}

pub fn insert(conn: &Connection, u: &NewUser<'_>, now: DateTime<Utc>) -> Result<UserId, AppError> {
    let ts = to_db(now);
    let res = conn.execute_cached(
        "INSERT INTO users (client_id, email, password_hash, first_name, last_name, phone_number, role,
             language, terms_accepted, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            u.client_id.get(),
            u.email.as_str(),
            u.password_hash,
            u.first_name,
            u.last_name,
            u.phone_number,
            u.role,
            u.language,
            u.terms_accepted,
            ts
        ],
    );
    match res {
        Ok(_) => Ok(UserId::from_trusted(conn.last_insert_rowid())),
        Err(e) if is_unique_violation(&e) => Err(email_taken()),
        Err(e) => Err(e.into()),
    }
}

pub fn get(conn: &Connection, id: UserId) -> Result<Option<User>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            [id.get()],
            user_from_row,
        )
        .optional()?)
}

pub fn find_by_email(conn: &Connection, email: &Email) -> Result<Option<User>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
            [email.as_str()],
            user_from_row,
        )
        .optional()?)
}

pub fn count(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.query_row_cached("SELECT count(*) FROM users", [], |r| r.get(0))?)
}

pub fn list_for_client(conn: &Connection, client: ClientId) -> Result<Vec<User>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE client_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([client.get()], user_from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn record_login(conn: &Connection, id: UserId, now: DateTime<Utc>) -> Result<(), AppError> {
    conn.execute_cached(
        "UPDATE users SET last_login_at = ?2 WHERE id = ?1",
        params![id.get(), to_db(now)],
    )?;
    Ok(())
}

/// Invalidates every token issued to the user so far (logout everywhere).
/// Returns the new version.
pub fn bump_token_version(
    conn: &Connection,
    id: UserId,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    Ok(conn.query_row_cached(
        "UPDATE users SET token_version = token_version + 1, updated_at = ?2 WHERE id = ?1 RETURNING token_version",
        params![id.get(), to_db(now)],
        |r| r.get(0),
    )?)
}

/// Sets a new password hash and invalidates existing tokens and reset links.
/// Returns the new token version.
pub fn set_password(
    conn: &Connection,
    id: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    conn.execute_cached(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id.get(), hash],
    )?;
    conn.execute_cached(
        "UPDATE password_reset_tokens SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL",
        params![id.get(), to_db(now)],
    )?;
    bump_token_version(conn, id, now)
}

/// Profile fields a user may change about themselves.
#[derive(Default)]
pub struct ProfileChanges {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub language: Option<String>,
    pub email: Option<Email>,
}

pub fn update_profile(
    conn: &Connection,
    id: UserId,
    ch: &ProfileChanges,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let res = conn.execute_cached(
        "UPDATE users SET
            first_name = coalesce(?2, first_name),
            last_name = coalesce(?3, last_name),
            phone_number = coalesce(?4, phone_number),
            language = coalesce(?5, language),
            email = coalesce(?6, email),
            updated_at = ?7
         WHERE id = ?1",
        params![
            id.get(),
            ch.first_name,
            ch.last_name,
            ch.phone_number,
            ch.language,
            ch.email.as_ref().map(Email::as_str),
            to_db(now)
        ],
    );
    match res {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(email_taken()),
        Err(e) => Err(e.into()),
    }
}

pub fn insert_reset_token(
    conn: &Connection,
    user: UserId,
    token_hash: &str,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    conn.execute_cached(
        "INSERT INTO password_reset_tokens (user_id, token_hash, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![user.get(), token_hash, to_db(expires), to_db(now)],
    )?;
    Ok(())
}

/// What a reset token (by its hash) is worth right now.
#[derive(Debug, PartialEq, Eq)]
pub enum ResetToken {
    Valid { user_id: UserId, email: String },
    Used,
    Expired,
    Unknown,
}

pub fn reset_token_state(
    conn: &Connection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<ResetToken, AppError> {
    let row: Option<(i64, String, String, Option<String>)> = conn
        .query_row_cached(
            "SELECT t.user_id, u.email, t.expires_at, t.used_at
             FROM password_reset_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = ?1",
            [token_hash],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(match row {
        None => ResetToken::Unknown,
        Some((_, _, _, Some(_))) => ResetToken::Used,
        Some((user_id, email, expires, None)) => {
            if from_db(&expires).is_none_or(|e| e <= now) {
                ResetToken::Expired
            } else {
                ResetToken::Valid {
                    user_id: UserId::from_trusted(user_id),
                    email,
                }
            }
        }
    })
}
