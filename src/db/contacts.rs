//! SQL for contacts: CRUD scoped by tenant, full-text search (FTS5 over names,
//! email, notes and phone digits), the per-contact timeline, CSV import rows.

use super::CachedSql;
use crate::clock::to_db;
use crate::domain::{ClientId, E164, Email};
use crate::error::{AppError, is_unique_violation};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: i64,
    pub client_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub full_name: String,
    pub phone: String,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub source: String,
    pub language: Option<String>,
    pub last_contacted_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "c.id, c.client_id, c.first_name, c.last_name, c.phone, c.email, c.notes, c.status, c.source,
    c.language, c.last_contacted_at, c.created_at, c.updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    ContactRow::from_row(r).map(|c| c.to_contact())
}

/// Sort keys the list accepts (a whitelist: never interpolate user input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    CreatedAt,
    UpdatedAt,
    FirstName,
    LastName,
    LastContactedAt,
}

impl SortBy {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "createdAt" | "created_at" => Self::CreatedAt,
            "updatedAt" | "updated_at" => Self::UpdatedAt,
            "firstName" | "first_name" => Self::FirstName,
            "lastName" | "last_name" => Self::LastName,
            "lastContactedAt" | "last_contacted_at" => Self::LastContactedAt,
            _ => return None,
        })
    }
    fn column(self) -> &'static str {
        match self {
            Self::CreatedAt => "c.created_at",
            Self::UpdatedAt => "c.updated_at",
            Self::FirstName => "c.first_name COLLATE NOCASE",
            Self::LastName => "c.last_name COLLATE NOCASE",
            Self::LastContactedAt => "c.last_contacted_at",
        }
    }
}

/// Searches count matches up to this many (and report one more when there are more).
pub const SEARCH_COUNT_CAP: i64 = 1_000;

pub struct ListQuery {
    pub page: i64,
    pub limit: i64,
    pub search: Option<String>,
    pub sort_by: SortBy,
    pub descending: bool,
}

impl ListQuery {
    /// Rows before this page.
    pub fn offset(&self) -> i64 {
        (self.page - 1).max(0).saturating_mul(self.limit)
    }
}

/// Turns what a person typed into a safe FTS5 query: each word becomes a quoted
/// prefix term (so FTS syntax characters are inert), digits also match phones.
pub fn fts_query(search: &str) -> Option<String> {
    let mut terms: Vec<String> = Vec::new();
    let digits: String = search.chars().filter(char::is_ascii_digit).collect();
    let looks_like_phone = digits.len() >= 3
        && search
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if looks_like_phone {
        let d = digits
            .strip_prefix('1')
            .filter(|d| d.len() >= 10)
            .unwrap_or(&digits);
        terms.push(format!("phone_digits : \"{d}\"*"));
    } else {
        for word in search
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(8)
        {
            terms.push(format!("\"{word}\"*"));
        }
    }
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// One page of a tenant's contacts and the total that match.
pub fn list(
    conn: &Connection,
    client: ClientId,
    q: &ListQuery,
) -> Result<(Vec<Contact>, i64), AppError> {
    let mut rows = Vec::new();
    let total = visit_page(conn, client, q, |row| {
        rows.push(row.to_contact());
        Ok(())
    })?;
    Ok((rows, total))
}

/// One contact borrowed from the current result row, for answers serialised
/// straight from the database without copying each field.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactRow<'a> {
    pub id: i64,
    pub client_id: i64,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub full_name: FullName<'a>,
    pub phone: &'a str,
    pub email: Option<&'a str>,
    pub notes: Option<&'a str>,
    pub status: &'a str,
    pub source: &'a str,
    pub language: Option<&'a str>,
    pub last_contacted_at: Option<&'a str>,
    pub created_at: &'a str,
    pub updated_at: &'a str,
}

/// "First Last" without the spaces an empty part would leave.
#[derive(Debug)]
pub struct FullName<'a>(&'a str, &'a str);

impl std::fmt::Display for FullName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (first, last) = (self.0.trim(), self.1.trim());
        match (first.is_empty(), last.is_empty()) {
            (true, _) => f.write_str(last),
            (_, true) => f.write_str(first),
            _ => write!(f, "{} {}", self.0.trim_start(), self.1.trim_end()),
        }
    }
}

impl Serialize for FullName<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'a> ContactRow<'a> {
    fn from_row(r: &'a Row<'_>) -> rusqlite::Result<Self> {
        let text = |i: usize| -> rusqlite::Result<&'a str> { Ok(r.get_ref(i)?.as_str()?) };
        let opt =
            |i: usize| -> rusqlite::Result<Option<&'a str>> { Ok(r.get_ref(i)?.as_str_or_null()?) };
        let (first_name, last_name) = (text(2)?, text(3)?);
        Ok(Self {
            id: r.get(0)?,
            client_id: r.get(1)?,
            first_name,
            last_name,
            full_name: FullName(first_name, last_name),
            phone: text(4)?,
            email: opt(5)?,
            notes: opt(6)?,
            status: text(7)?,
            source: text(8)?,
            language: opt(9)?,
            last_contacted_at: opt(10)?,
            created_at: text(11)?,
            updated_at: text(12)?,
        })
    }

    /// An owned copy, for answers that keep the rows.
    pub fn to_contact(&self) -> Contact {
        Contact {
            id: self.id,
            client_id: self.client_id,
            first_name: self.first_name.to_string(),
            last_name: self.last_name.to_string(),
            full_name: self.full_name.to_string(),
            phone: self.phone.to_string(),
            email: self.email.map(str::to_string),
            notes: self.notes.map(str::to_string),
            status: self.status.to_string(),
            source: self.source.to_string(),
            language: self.language.map(str::to_string),
            last_contacted_at: self.last_contacted_at.map(str::to_string),
            created_at: self.created_at.to_string(),
            updated_at: self.updated_at.to_string(),
        }
    }
}

/// Calls `each` with every contact of one page, in order, and returns the total
/// that match. The rows are borrowed: serialise or copy what you need.
pub fn visit_page(
    conn: &Connection,
    client: ClientId,
    q: &ListQuery,
    mut each: impl FnMut(ContactRow<'_>) -> Result<(), AppError>,
) -> Result<i64, AppError> {
    let order = format!(
        "{} {}, c.id {}",
        q.sort_by.column(),
        if q.descending { "DESC" } else { "ASC" },
        if q.descending { "DESC" } else { "ASC" }
    );
    let offset = q.offset();
    match q.search.as_deref().and_then(fts_query) {
        None => {
            let total: i64 = conn.query_row_cached(
                "SELECT contact_count FROM clients WHERE id = ?1",
                [client.get()],
                |r| r.get(0),
            )?;
            // Past the first page, the rows to skip are found in the index alone and
            // only the page's rows are read from the table (skipping through the
            // table cost about 3 times as much per row).
            let sql = if offset == 0 {
                format!(
                    "SELECT {COLUMNS} FROM contacts c WHERE c.client_id = ?1 ORDER BY {order} LIMIT ?2 OFFSET ?3"
                )
            } else {
                format!(
                    "SELECT {COLUMNS} FROM contacts c WHERE c.id IN \
                     (SELECT c.id FROM contacts c WHERE c.client_id = ?1 ORDER BY {order} LIMIT ?2 OFFSET ?3) \
                     ORDER BY {order}"
                )
            };
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut rows = stmt.query(params![client.get(), q.limit, offset])?;
            while let Some(r) = rows.next()? {
                each(ContactRow::from_row(r)?)?;
            }
            Ok(total)
        }
        Some(fts) => {
            let base = "FROM contacts_fts f JOIN contacts c ON c.id = f.rowid WHERE contacts_fts MATCH ?1 AND c.client_id = ?2";
            // Newest first is the index's own order (ids grow with time): no sort of all matches.
            let order = match q.sort_by {
                SortBy::CreatedAt => {
                    format!("f.rowid {}", if q.descending { "DESC" } else { "ASC" })
                }
                _ => order,
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} {base} ORDER BY {order} LIMIT ?3 OFFSET ?4"
            ))?;
            let mut rows = stmt.query(params![fts, client.get(), q.limit, offset])?;
            let mut n = 0i64;
            while let Some(r) = rows.next()? {
                each(ContactRow::from_row(r)?)?;
                n += 1;
            }
            // A page that is not full tells the total without counting. Otherwise counting
            // stops at SEARCH_COUNT_CAP so a very common word stays fast; the list then
            // says "1,000+" (totalContacts = cap + 1).
            let total = if n > 0 && n < q.limit {
                offset + n
            } else if n == 0 && offset == 0 {
                0
            } else {
                conn.query_row_cached(
                    &format!(
                        "SELECT count(*) FROM (SELECT 1 {base} LIMIT {})",
                        SEARCH_COUNT_CAP + 1
                    ),
                    params![fts, client.get()],
                    |r| r.get(0),
                )?
            };
            Ok(total)
        }
    }
}

pub fn get(conn: &Connection, client: ClientId, id: i64) -> Result<Option<Contact>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {COLUMNS} FROM contacts c WHERE c.client_id = ?1 AND c.id = ?2"),
            params![client.get(), id],
            from_row,
        )
        .optional()?)
}

pub fn find_by_phone(
    conn: &Connection,
    client: ClientId,
    phone: &E164,
) -> Result<Option<Contact>, AppError> {
    Ok(conn
        .query_row_cached(
            &format!("SELECT {COLUMNS} FROM contacts c WHERE c.client_id = ?1 AND c.phone = ?2"),
            params![client.get(), phone.as_str()],
            from_row,
        )
        .optional()?)
}

#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<E164>,
    pub email: Option<Option<Email>>,
    pub notes: Option<Option<String>>,
    pub status: Option<String>,
    pub language: Option<Option<String>>,
}

/// A 409 that names the contact already holding the phone or email.
fn duplicate(
    conn: &Connection,
    client: ClientId,
    phone: Option<&E164>,
    email: Option<&Email>,
    except: Option<i64>,
) -> Result<Option<AppError>, AppError> {
    if let Some(p) = phone {
        let id: Option<i64> = conn
            .query_row_cached(
                "SELECT id FROM contacts WHERE client_id = ?1 AND phone = ?2 AND id IS NOT ?3",
                params![client.get(), p.as_str(), except],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = id {
            return Ok(Some(AppError::conflict(
                format!("A contact with the phone {} already exists.", p.display()),
                Some(id),
            )));
        }
    }
    if let Some(e) = email {
        let id: Option<i64> = conn
            .query_row_cached(
                "SELECT id FROM contacts WHERE client_id = ?1 AND email = ?2 AND id IS NOT ?3",
                params![client.get(), e.as_str(), except],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = id {
            return Ok(Some(AppError::conflict(
                format!("A contact with the email {e} already exists."),
                Some(id),
            )));
        }
    }
    Ok(None)
}

#[derive(Debug)]
pub struct NewContact {
    pub first_name: String,
    pub last_name: String,
    pub phone: E164,
    pub email: Option<Email>,
    pub notes: Option<String>,
    pub source: String,
    pub language: Option<String>,
}

pub fn insert(
    conn: &Connection,
    client: ClientId,
    c: &NewContact,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if let Some(e) = duplicate(conn, client, Some(&c.phone), c.email.as_ref(), None)? {
        return Err(e);
    }
    let ts = to_db(now);
    conn.execute_cached(
        "INSERT INTO contacts (client_id, first_name, last_name, phone, email, notes, source, language, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![client.get(), c.first_name, c.last_name, c.phone.as_str(), c.email.as_ref().map(Email::as_str), c.notes, c.source, c.language, ts],
    )
    .map_err(|e| if is_unique_violation(&e) { AppError::conflict("That contact already exists.", None) } else { e.into() })?;
    Ok(conn.last_insert_rowid())
}

pub fn update(
    conn: &Connection,
    client: ClientId,
    id: i64,
    f: &ContactFields,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let email = f.email.as_ref().and_then(|e| e.as_ref());
    if let Some(e) = duplicate(conn, client, f.phone.as_ref(), email, Some(id))? {
        return Err(e);
    }
    let mut sets: Vec<&str> = vec![];
    let mut vals: Vec<rusqlite::types::Value> = vec![];
    use rusqlite::types::Value as V;
    let opt = |v: Option<String>| v.map(V::Text).unwrap_or(V::Null);
    if let Some(v) = &f.first_name {
        sets.push("first_name");
        vals.push(V::Text(v.clone()));
    }
    if let Some(v) = &f.last_name {
        sets.push("last_name");
        vals.push(V::Text(v.clone()));
    }
    if let Some(v) = &f.phone {
        sets.push("phone");
        vals.push(V::Text(v.as_str().to_string()));
    }
    if let Some(v) = &f.email {
        sets.push("email");
        vals.push(opt(v.as_ref().map(|e| e.as_str().to_string())));
    }
    if let Some(v) = &f.notes {
        sets.push("notes");
        vals.push(opt(v.clone()));
    }
    if let Some(v) = &f.status {
        sets.push("status");
        vals.push(V::Text(v.clone()));
    }
    if let Some(v) = &f.language {
        sets.push("language");
        vals.push(opt(v.clone()));
    }
    sets.push("updated_at");
    vals.push(V::Text(to_db(now)));
    let assignments: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 3))
        .collect();
    let sql = format!(
        "UPDATE contacts SET {} WHERE client_id = ?1 AND id = ?2",
        assignments.join(", ")
    );
    let mut all = vec![V::Integer(client.get()), V::Integer(id)];
    all.extend(vals);
    let n = conn.execute_cached(&sql, params_from_iter(all))?;
    if n == 0 {
        return Err(AppError::not_found("contact"));
    }
    Ok(())
}

pub fn delete(conn: &Connection, client: ClientId, id: i64) -> Result<(), AppError> {
    let n = conn.execute_cached(
        "DELETE FROM contacts WHERE client_id = ?1 AND id = ?2",
        params![client.get(), id],
    )?;
    if n == 0 {
        return Err(AppError::not_found("contact"));
    }
    Ok(())
}

pub fn mark_contacted(
    conn: &Connection,
    client: ClientId,
    id: i64,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let n = conn.execute_cached(
        "UPDATE contacts SET last_contacted_at = ?3, updated_at = ?3 WHERE client_id = ?1 AND id = ?2",
        params![client.get(), id, to_db(at)],
    )?;
    if n == 0 {
        return Err(AppError::not_found("contact"));
    }
    Ok(())
}

/// The contact of this tenant with that phone, created (with the given name and
/// source) when there is none. Returns its id.
pub fn find_or_create(
    conn: &Connection,
    client: ClientId,
    phone: &E164,
    name: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if let Some(c) = find_by_phone(conn, client, phone)? {
        return Ok(c.id);
    }
    let name = name.trim();
    let (first, last) = match name.rsplit_once(' ') {
        Some((f, l)) => (f.trim().to_string(), l.trim().to_string()),
        None => (name.to_string(), String::new()),
    };
    let first = if first.is_empty() {
        phone.display()
    } else {
        first
    };
    insert(
        conn,
        client,
        &NewContact {
            first_name: first,
            last_name: last,
            phone: phone.clone(),
            email: None,
            notes: None,
            source: source.into(),
            language: None,
        },
        now,
    )
}

/// Every contact of a tenant in id order (CSV export).
pub fn all(conn: &Connection, client: ClientId) -> Result<Vec<Contact>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM contacts c WHERE c.client_id = ?1 ORDER BY c.id"
    ))?;
    let rows = stmt.query_map([client.get()], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The contact's history across appointments, calls and messages (newest first).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineItem {
    pub kind: String,
    pub id: i64,
    pub at: String,
    pub summary: String,
    pub status: String,
}

pub fn timeline(
    conn: &Connection,
    client: ClientId,
    contact: i64,
    limit: i64,
) -> Result<Vec<TimelineItem>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT * FROM (
            SELECT 'appointment' AS kind, id, appointment_date || 'T' || appointment_time AS at,
                   coalesce(purpose, 'Appointment') || ' (' || confirmation_code || ')' AS summary, status
              FROM appointments WHERE client_id = ?1 AND contact_id = ?2
            UNION ALL
            SELECT 'call', id, coalesce(start_time, created_at), direction || ' call' || coalesce(', ' || duration || ' s', ''), status
              FROM calls WHERE client_id = ?1 AND contact_id = ?2
            UNION ALL
            SELECT 'message', id, created_at, body, direction || ' ' || status
              FROM messages WHERE client_id = ?1 AND contact_id = ?2
         ) ORDER BY at DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![client.get(), contact, limit], |r| {
        Ok(TimelineItem {
            kind: r.get(0)?,
            id: r.get(1)?,
            at: r.get(2)?,
            summary: r.get(3)?,
            status: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn fts_queries_are_quoted_prefix_terms() {
        assert_eq!(
            fts_query("Ada Lovelace").unwrap(),
            "\"Ada\"* AND \"Lovelace\"*"
        );
        assert_eq!(
            fts_query("\"; DROP TABLE x; --").unwrap(),
            "\"DROP\"* AND \"TABLE\"* AND \"x\"*"
        );
        assert_eq!(
            fts_query("(555) 212-0987").unwrap(),
            "phone_digits : \"5552120987\"*"
        );
        assert_eq!(
            fts_query("1-555-212-0987").unwrap(),
            "phone_digits : \"5552120987\"*"
        );
        assert_eq!(fts_query("0987").unwrap(), "phone_digits : \"0987\"*");
        assert_eq!(
            fts_query("ada@example.com").unwrap(),
            "\"ada\"* AND \"example\"* AND \"com\"*"
        );
        assert!(fts_query("  ** ").is_none());
    }
}
