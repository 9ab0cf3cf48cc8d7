//! Which tenant a Twilio number belongs to. In a webhook the called number is
//! the only way to a `ClientId` (never a parameter the request names).

use super::CachedSql;
use crate::domain::{ClientId, E164};
use crate::error::AppError;
use rusqlite::{Connection, OptionalExtension};

/// What webhooks need to know about the business that owns a number.
#[derive(Debug, Clone)]
pub struct NumberOwner {
    pub client_id: ClientId,
    pub business_name: String,
    pub business_phone: String,
    pub number: String,
    pub active: bool,
}

/// The tenant whose RinglyPro number is `number`, if any.
pub fn owner_of(conn: &Connection, number: &E164) -> Result<Option<NumberOwner>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT id, business_name, business_phone, ringlypro_number, active
             FROM clients WHERE ringlypro_number = ?1",
            [number.as_str()],
            |r| {
                Ok(NumberOwner {
                    client_id: ClientId::from_trusted(r.get(0)?),
                    business_name: r.get(1)?,
                    business_phone: r.get(2)?,
                    number: r.get(3)?,
                    active: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// The tenant's own number (None until one is attached).
pub fn number_of(conn: &Connection, client: ClientId) -> Result<Option<String>, AppError> {
    Ok(conn
        .query_row_cached(
            "SELECT ringlypro_number FROM clients WHERE id = ?1",
            [client.get()],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten()
        .filter(|n| !n.is_empty()))
}
