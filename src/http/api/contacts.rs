//! `/api/contacts`: list (paginated, sorted from a whitelist, FTS search), CRUD,
//! search, last-contacted, CSV import and export, and the contact's timeline.
//! Every query is scoped by the caller's tenant.

use crate::app::AppState;
use crate::db::contacts;
use crate::domain::{E164, Email};
use crate::error::AppError;
use crate::http::api::input::{email, language, multiline, one_of, phone, text};
use crate::http::api::pagination;
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, CurrentUser, int_param};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// CSV imports may be larger than ordinary JSON bodies.
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;
const IMPORT_MAX_ROWS: usize = 50_000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(list).post(create))
        .route("/contacts/export.csv", get(export_csv))
        .route(
            "/contacts/import",
            post(import_csv).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
        )
        .route("/contacts/search/{query}", get(search))
        .route("/contacts/{id}", get(detail).put(update).delete(remove))
        .route("/contacts/{id}/contact", patch(contacted))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    page: Option<String>,
    limit: Option<String>,
    search: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
}

fn list_query(p: ListParams) -> Result<contacts::ListQuery, AppError> {
    let sort_by = match p
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => contacts::SortBy::CreatedAt,
        Some(s) => contacts::SortBy::parse(s).ok_or_else(|| {
            AppError::validation(
                "sortBy",
                "sortBy must be one of: createdAt, updatedAt, firstName, lastName, lastContactedAt",
            )
        })?,
    };
    let descending = match p
        .sort_order
        .as_deref()
        .map(|s| s.trim().to_ascii_lowercase())
    {
        None => sort_by == contacts::SortBy::CreatedAt || sort_by == contacts::SortBy::UpdatedAt,
        Some(s) if s.is_empty() => true,
        Some(s) if s == "desc" => true,
        Some(s) if s == "asc" => false,
        Some(_) => {
            return Err(AppError::validation(
                "sortOrder",
                "sortOrder must be asc or desc",
            ));
        }
    };
    let search = text("search", p.search, 200)?;
    Ok(contacts::ListQuery {
        page: int_param("page", p.page.as_deref(), 1, 1, 1_000_000)?,
        limit: int_param("limit", p.limit.as_deref(), 50, 1, 200)?,
        search,
        sort_by,
        descending,
    })
}

/// Deeper pages than this skip more index entries than a quick read should
/// (each costs about 25 ns): they go to the read pool instead of running inline.
const INLINE_MAX_OFFSET: i64 = 10_000;

/// The list answer, written straight from the database rows into the response
/// body: `{"success":true,"data":{"contacts":[...],"pagination":{...}}}`.
fn list_body(
    c: &rusqlite::Connection,
    client: crate::domain::ClientId,
    q: &contacts::ListQuery,
) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::with_capacity(512 * q.limit.clamp(1, 200) as usize);
    out.extend_from_slice(br#"{"success":true,"data":{"contacts":["#);
    let mut first = true;
    let total = contacts::visit_page(c, client, q, |row| {
        if !first {
            out.push(b',');
        }
        first = false;
        serde_json::to_writer(&mut out, &row).map_err(|e| AppError::internal(e.to_string()))
    })?;
    out.extend_from_slice(br#"],"pagination":"#);
    serde_json::to_writer(
        &mut out,
        &pagination(q.page, q.limit, total, "totalContacts"),
    )
    .map_err(|e| AppError::internal(e.to_string()))?;
    out.extend_from_slice(b"}}");
    Ok(out)
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Response, AppError> {
    let q = list_query(p)?;
    let client = user.client_id();
    // A page of the plain list is a bounded index read: run it here rather than
    // pay two thread switches for it. Searches and deep pages use the read pool.
    let body = if q.search.is_none() && q.offset() <= INLINE_MAX_OFFSET {
        state.db.lookup(|c| list_body(c, client, &q))?
    } else {
        state.db.read(move |c| list_body(c, client, &q)).await?
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(query): ApiPath<String>,
) -> Result<Json<Value>, AppError> {
    let search = text("query", Some(query), 200)?;
    let q = contacts::ListQuery {
        page: 1,
        limit: 20,
        search,
        sort_by: contacts::SortBy::LastName,
        descending: false,
    };
    let client = user.client_id();
    let (rows, total) = state
        .db
        .read(move |c| contacts::list(c, client, &q))
        .await?;
    Ok(Json(
        json!({ "success": true, "data": { "contacts": rows, "total": total } }),
    ))
}

/// A new contact as a person typed it (the API's body, the dashboard's form).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBody {
    pub first_name: String,
    pub last_name: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub notes: Option<String>,
    pub source: Option<String>,
    pub language: Option<String>,
}

/// Checks a new contact; each error names its field.
pub fn validate_new(b: CreateBody) -> Result<contacts::NewContact, AppError> {
    Ok(contacts::NewContact {
        first_name: text("firstName", Some(b.first_name), 100)?
            .ok_or_else(|| AppError::validation("firstName", "firstName is required"))?,
        last_name: text("lastName", b.last_name, 100)?.unwrap_or_default(),
        phone: phone("phone", &b.phone)?,
        email: optional_email(b.email)?,
        notes: multiline("notes", b.notes, 5000)?,
        source: match b.source.as_deref() {
            None => "manual".into(),
            Some(s) => one_of(
                "source",
                s,
                &[
                    "manual",
                    "voice_call",
                    "sms",
                    "rachel_voice",
                    "import",
                    "online",
                    "walk_in",
                ],
            )?,
        },
        language: language(b.language)?,
    })
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(b): ApiJson<CreateBody>,
) -> Result<Response, AppError> {
    let new = validate_new(b)?;
    let (client, now) = (user.client_id(), state.clock.now());
    let contact = state
        .db
        .write(move |c| {
            let id = contacts::insert(c, client, &new, now)?;
            contacts::get(c, client, id)?.ok_or_else(|| AppError::internal("contact vanished"))
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "success": true, "data": contact })),
    )
        .into_response())
}

fn optional_email(v: Option<String>) -> Result<Option<Email>, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(e) => email("email", e).map(Some),
    }
}

async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    let (contact, timeline) = state
        .db
        .read(move |c| {
            let contact =
                contacts::get(c, client, id)?.ok_or_else(|| AppError::not_found("contact"))?;
            let timeline = contacts::timeline(c, client, id, 100)?;
            Ok((contact, timeline))
        })
        .await?;
    let pick = |kind: &str| {
        timeline
            .iter()
            .filter(|t| t.kind == kind)
            .cloned()
            .collect::<Vec<_>>()
    };
    Ok(Json(json!({
        "success": true,
        "data": {
            "contact": contact,
            "appointments": pick("appointment"),
            "calls": pick("call"),
            "messages": pick("message"),
            "timeline": timeline,
        },
    })))
}

/// A change to a contact: `None` leaves a field, `Some(None)` clears it.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateBody {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub notes: Option<Option<String>>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub language: Option<Option<String>>,
}

/// Distinguishes "absent" (None) from "null" (Some(None)) for fields that can be cleared.
fn nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

/// Checks a contact change; each error names its field.
pub fn validate_update(b: UpdateBody) -> Result<contacts::ContactFields, AppError> {
    Ok(contacts::ContactFields {
        first_name: match b.first_name {
            Some(f) => {
                Some(text("firstName", Some(f), 100)?.ok_or_else(|| {
                    AppError::validation("firstName", "firstName cannot be empty")
                })?)
            }
            None => None,
        },
        last_name: match b.last_name {
            Some(l) => Some(text("lastName", Some(l), 100)?.unwrap_or_default()),
            None => None,
        },
        phone: b.phone.as_deref().map(|p| phone("phone", p)).transpose()?,
        email: b.email.map(optional_email).transpose()?,
        notes: b.notes.map(|n| multiline("notes", n, 5000)).transpose()?,
        status: b
            .status
            .as_deref()
            .map(|s| one_of("status", s, &["active", "inactive", "blocked"]))
            .transpose()?,
        language: b.language.map(language).transpose()?,
    })
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<UpdateBody>,
) -> Result<Json<Value>, AppError> {
    let fields = validate_update(b)?;
    let (client, now) = (user.client_id(), state.clock.now());
    let contact = state
        .db
        .write(move |c| {
            contacts::update(c, client, id, &fields, now)?;
            contacts::get(c, client, id)?.ok_or_else(|| AppError::not_found("contact"))
        })
        .await?;
    Ok(Json(json!({ "success": true, "data": contact })))
}

async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let client = user.client_id();
    state
        .db
        .write(move |c| contacts::delete(c, client, id))
        .await?;
    Ok(Json(
        json!({ "success": true, "message": "Contact deleted" }),
    ))
}

async fn contacted(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, AppError> {
    let (client, now) = (user.client_id(), state.clock.now());
    let contact = state
        .db
        .write(move |c| {
            contacts::mark_contacted(c, client, id, now)?;
            contacts::get(c, client, id)?.ok_or_else(|| AppError::not_found("contact"))
        })
        .await?;
    Ok(Json(json!({ "success": true, "data": contact })))
}

// ---------- CSV ----------

/// Neutralises spreadsheet formulas in exported text cells.
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

async fn export_csv(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let client = user.client_id();
    let rows = state.db.read(move |c| contacts::all(c, client)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::internal(format!("csv: {e}"));
    w.write_record([
        "firstName",
        "lastName",
        "phone",
        "email",
        "notes",
        "status",
        "source",
        "createdAt",
    ])
    .map_err(io)?;
    for r in &rows {
        w.write_record([
            csv_cell(&r.first_name),
            csv_cell(&r.last_name),
            r.phone.clone(),
            csv_cell(r.email.as_deref().unwrap_or("")),
            csv_cell(r.notes.as_deref().unwrap_or("")),
            r.status.clone(),
            r.source.clone(),
            r.created_at.clone(),
        ])
        .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::internal(format!("csv: {e}")))?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"contacts.csv\""),
    );
    Ok((headers, bytes).into_response())
}

/// Maps a header cell to the field it fills.
fn header_field(h: &str) -> Option<&'static str> {
    let k: String = h
        .trim()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match k.as_str() {
        "firstname" | "first" | "givenname" | "nombre" => "first",
        "lastname" | "last" | "surname" | "familyname" | "apellido" | "apellidos" => "last",
        "name" | "fullname" => "full",
        "phone" | "phonenumber" | "mobile" | "cell" | "telefono" => "phone",
        "email" | "emailaddress" | "correo" => "email",
        "notes" | "note" | "notas" => "notes",
        _ => return None,
    })
}

/// The outcome of a CSV import: how many contacts were added, and each row
/// that was not, with the reason.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub imported: usize,
    pub errors: Vec<Value>,
}

/// Reads and checks a CSV file and adds its contacts to the tenant: rows with
/// problems (and duplicates of existing contacts) are reported, not fatal.
pub async fn import_csv_text(
    state: &AppState,
    client: crate::domain::ClientId,
    text: &str,
) -> Result<ImportReport, AppError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_row = reader
        .headers()
        .map_err(|e| AppError::BadRequest(format!("Could not read the header row: {e}")))?
        .clone();
    let columns: Vec<Option<&'static str>> = header_row.iter().map(header_field).collect();
    if !columns.contains(&Some("phone"))
        || !(columns.contains(&Some("first")) || columns.contains(&Some("full")))
    {
        return Err(AppError::BadRequest(
            "The first row must name the columns, including a phone column and firstName (or name); e.g. firstName,lastName,phone,email,notes".into(),
        ));
    }
    let mut valid: Vec<(usize, contacts::NewContact)> = Vec::new();
    let mut errors: Vec<Value> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        if valid.len() + errors.len() >= IMPORT_MAX_ROWS {
            return Err(AppError::BadRequest(format!(
                "The file has more than {IMPORT_MAX_ROWS} rows; split it into smaller files."
            )));
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(json!({ "row": line, "message": format!("unreadable row: {e}") }));
                continue;
            }
        };
        let get = |f: &str| {
            columns
                .iter()
                .position(|c| *c == Some(f))
                .and_then(|i| rec.get(i))
                .map(str::to_string)
                .filter(|s| !s.is_empty())
        };
        match import_row(
            get("first"),
            get("last"),
            get("full"),
            get("phone"),
            get("email"),
            get("notes"),
        ) {
            Ok(c) => valid.push((line, c)),
            Err(m) => errors.push(json!({ "row": line, "message": m })),
        }
    }
    let now = state.clock.now();
    let (imported, dup_errors) = state
        .db
        .write(move |c| {
            let mut imported = 0;
            let mut dups = Vec::new();
            for (line, contact) in &valid {
                match contacts::insert(c, client, contact, now) {
                    Ok(_) => imported += 1,
                    Err(AppError::Conflict {
                        message,
                        existing_id,
                    }) => dups.push(
                        json!({ "row": line, "message": message, "existingId": existing_id }),
                    ),
                    Err(e) => return Err(e),
                }
            }
            Ok((imported, dups))
        })
        .await?;
    errors.extend(dup_errors);
    errors.sort_by_key(|e| e["row"].as_u64().unwrap_or(0));
    Ok(ImportReport { imported, errors })
}

/// The CSV bytes as text, or a message saying how to save the file.
pub fn csv_text(body: &[u8]) -> Result<&str, AppError> {
    std::str::from_utf8(body).map_err(|_| {
        AppError::BadRequest(
            "The CSV file is not UTF-8 text; save it as 'CSV UTF-8' and try again.".into(),
        )
    })
}

async fn import_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !(ct.starts_with("text/csv")
        || ct.starts_with("text/plain")
        || ct.starts_with("application/csv"))
    {
        return Err(AppError::UnsupportedMediaType(
            "Send the file as the request body with Content-Type: text/csv.".into(),
        ));
    }
    let text = csv_text(&body)?;
    let report = import_csv_text(&state, user.client_id(), text).await?;
    Ok(Json(json!({
        "success": true,
        "data": { "imported": report.imported, "failed": report.errors.len(), "errors": report.errors },
    })))
}

fn import_row(
    first: Option<String>,
    last: Option<String>,
    full: Option<String>,
    phone_v: Option<String>,
    email_v: Option<String>,
    notes: Option<String>,
) -> Result<contacts::NewContact, String> {
    let (first, last) = match (first, last, full) {
        (Some(f), l, _) => (f, l.unwrap_or_default()),
        (None, l, Some(full)) => match full.trim().rsplit_once(' ') {
            Some((f, l2)) => (f.to_string(), l.unwrap_or_else(|| l2.to_string())),
            None => (full, l.unwrap_or_default()),
        },
        (None, _, None) => return Err("firstName is empty".into()),
    };
    let first = text("firstName", Some(first), 100)
        .map_err(|e| e.to_string())?
        .ok_or("firstName is empty")?;
    let last = text("lastName", Some(last), 100)
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let phone = E164::parse(phone_v.as_deref().unwrap_or("")).map_err(|m| format!("phone: {m}"))?;
    let email = match email_v {
        Some(e) => Some(Email::parse(&e).map_err(|m| format!("email: {m}"))?),
        None => None,
    };
    let notes = multiline("notes", notes, 5000).map_err(|e| e.to_string())?;
    Ok(contacts::NewContact {
        first_name: first,
        last_name: last,
        phone,
        email,
        notes,
        source: "import".into(),
        language: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_cells_cannot_start_formulas() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("@sum"), "'@sum");
        assert_eq!(csv_cell("Ada"), "Ada");
    }

    #[test]
    fn header_names_are_forgiving() {
        assert_eq!(header_field("First Name"), Some("first"));
        assert_eq!(header_field("\u{feff}phone_number"), Some("phone"));
        assert_eq!(header_field("E-mail Address"), Some("email"));
        assert_eq!(header_field("favourite colour"), None);
    }

    #[test]
    fn rows_split_full_names_and_report_bad_fields() {
        let c = import_row(
            None,
            None,
            Some("Ada King Lovelace".into()),
            Some("555-212-0987".into()),
            None,
            None,
        )
        .unwrap();
        assert_eq!(
            (c.first_name.as_str(), c.last_name.as_str()),
            ("Ada King", "Lovelace")
        );
        assert!(
            import_row(Some("A".into()), None, None, Some("12".into()), None, None)
                .unwrap_err()
                .starts_with("phone:")
        );
        assert!(
            import_row(
                Some("A".into()),
                None,
                None,
                Some("5552120987".into()),
                Some("nope".into()),
                None
            )
            .unwrap_err()
            .starts_with("email:")
        );
    }
}
