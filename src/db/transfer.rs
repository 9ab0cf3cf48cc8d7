//! Moving one tenant between nodes: `tenant export` writes every row of one
//! business from every table (one read transaction, so a consistent snapshot
//! even while the node serves) and `tenant import` loads such a file into
//! another node.
//!
//! The format is JSON lines, versioned:
//! 1. a header `{"format":"ringlypro-tenant","version":1,"schemaVersion":N,"tenantId":…}`;
//! 2. one line per row, `{"t":"contacts","r":{"id":7,"client_id":3,…}}`, tables
//!    in creation order (parents before children), every column by name;
//!    blobs as `{"$b64":"…"}`;
//! 3. a trailer `{"end":true,"rows":{"contacts":12,…}}`; a file without it is
//!    refused as incomplete.
//!
//! **Ids are preserved**: the business keeps its id, and every row keeps its
//! own, so links between rows (appointments → contacts, ledger → payments),
//! confirmation codes and dashboard URLs stay valid. Import therefore refuses
//! (and changes nothing) when the target node already has the business id,
//! its Twilio number, a user's email, or any row id or unique value the file
//! carries; nothing is remapped silently. The usual target is a fresh node.
//!
//! Tables are discovered from the schema: every table with a `client_id`
//! column, `clients` itself, and `password_reset_tokens` (through `users`).
//! A table that is neither and not listed in [`NODE_WIDE`] stops the export,
//! so a new table can never be left behind unnoticed.
//! Import checks that every row belongs to the exported tenant, inserts with
//! foreign keys deferred to one `foreign_key_check`, then reads the tenant's
//! rows back and compares a digest per table with the file's: what was
//! exported is exactly what is stored, or nothing is.

use super::CachedSql;
use crate::domain::ClientId;
use crate::error::{AppError, is_unique_violation};
use base64::Engine;
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, params_from_iter};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "ringlypro-tenant";
pub const VERSION: i64 = 1;

/// Tables that hold no tenant's rows (node settings, migration history).
pub const NODE_WIDE: &[&str] = &["app_settings", "refinery_schema_history"];

/// How one table's rows of a tenant are selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `clients`: the row whose id is the tenant.
    Tenant,
    /// A `client_id` column.
    ClientId,
    /// `password_reset_tokens`: rows of the tenant's users.
    Users,
}

#[derive(Debug, Clone)]
pub struct TableSpec {
    pub name: String,
    pub columns: Vec<String>,
    pub scope: Scope,
}

impl TableSpec {
    fn filter(&self) -> &'static str {
        match self.scope {
            Scope::Tenant => "id = ?1",
            Scope::ClientId => "client_id = ?1",
            Scope::Users => "user_id IN (SELECT id FROM users WHERE client_id = ?1)",
        }
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>, AppError> {
    let mut st = conn.prepare_cached(&format!("PRAGMA table_info({})", quote(table)))?;
    let cols = st
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(cols)
}

/// The tenant tables of this schema in creation order, or the names of
/// tables nobody has classified.
pub fn tenant_tables(conn: &Connection) -> Result<Vec<TableSpec>, AppError> {
    let mut st = conn.prepare_cached(
        "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    )?;
    let all: Vec<(String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    // Full-text indexes and their shadow tables are rebuilt by triggers.
    let virtual_tables: Vec<String> = all
        .iter()
        .filter(|(_, sql)| sql.to_ascii_uppercase().starts_with("CREATE VIRTUAL TABLE"))
        .map(|(n, _)| n.clone())
        .collect();
    let mut specs = Vec::new();
    let mut unknown = Vec::new();
    for (name, _) in &all {
        if NODE_WIDE.contains(&name.as_str())
            || virtual_tables
                .iter()
                .any(|v| name == v || name.starts_with(&format!("{v}_")))
        {
            continue;
        }
        let cols = columns(conn, name)?;
        let scope = if name == "clients" {
            Scope::Tenant
        } else if cols.iter().any(|c| c == "client_id") {
            Scope::ClientId
        } else if name == "password_reset_tokens" {
            Scope::Users
        } else {
            unknown.push(name.clone());
            continue;
        };
        specs.push(TableSpec {
            name: name.clone(),
            columns: cols,
            scope,
        });
    }
    if !unknown.is_empty() {
        return Err(AppError::internal(format!(
            "the tenant exporter does not know whether table(s) {} belong to a tenant; add them to db::transfer (NODE_WIDE or a scope)",
            unknown.join(", ")
        )));
    }
    Ok(specs)
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => {
            json!({"$b64": base64::engine::general_purpose::STANDARD.encode(b)})
        }
    }
}

fn to_sql(v: &Value) -> Result<Sql, String> {
    Ok(match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => Sql::Integer(i),
            _ => Sql::Real(n.as_f64().ok_or("a number out of range")?),
        },
        Value::String(s) => Sql::Text(s.clone()),
        Value::Object(o) => match o.get("$b64").and_then(Value::as_str) {
            Some(b) if o.len() == 1 => Sql::Blob(
                base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(|_| "a blob that is not base64")?,
            ),
            _ => return Err("an object where a column value belongs".into()),
        },
        Value::Array(_) => return Err("an array where a column value belongs".into()),
    })
}

/// Order-independent digest of a table's rows: the wrapping sum of each
/// row's SHA-256 (first 8 bytes) over its values in `columns` order.
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct Digest64(u64);

impl Digest64 {
    fn add(&mut self, columns: &[String], row: &Map<String, Value>) {
        let mut h = Sha256::new();
        for c in columns {
            h.update(c.as_bytes());
            h.update([0]);
            h.update(row.get(c).unwrap_or(&Value::Null).to_string().as_bytes());
            h.update([1]);
        }
        let out = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        self.0 = self.0.wrapping_add(u64::from_le_bytes(first));
    }
}

/// Reads one table's tenant rows, calling `each` with every row as JSON.
fn each_row(
    conn: &Connection,
    spec: &TableSpec,
    columns: &[String],
    tenant: ClientId,
    mut each: impl FnMut(Map<String, Value>) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let cols: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY rowid",
        cols.join(", "),
        quote(&spec.name),
        spec.filter()
    );
    let mut st = conn.prepare_cached(&sql)?;
    let mut rows = st.query([tenant.get()])?;
    while let Some(row) = rows.next()? {
        let mut obj = Map::new();
        for (i, c) in columns.iter().enumerate() {
            obj.insert(c.clone(), to_json(row.get_ref(i)?));
        }
        each(obj)?;
    }
    Ok(())
}

/// What an export or import did, table by table.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub tenant: i64,
    pub business_name: String,
    pub number: Option<String>,
    pub schema_version: i64,
    pub rows: BTreeMap<String, u64>,
}

impl Summary {
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(format!("writing the export failed: {e}"))
}

/// Writes one tenant to `out` from a single read transaction.
pub fn export(
    conn: &mut Connection,
    tenant: ClientId,
    out: &mut dyn Write,
) -> Result<Summary, AppError> {
    let tx = conn.transaction()?;
    let (name, number): (String, Option<String>) = tx
        .query_row_cached(
            "SELECT business_name, ringlypro_number FROM clients WHERE id = ?1",
            [tenant.get()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => AppError::NotFound(format!(
                "there is no business with id {tenant} on this node"
            )),
            other => other.into(),
        })?;
    let schema_version = super::schema_version(&tx)?;
    let specs = tenant_tables(&tx)?;
    let header = json!({
        "format": FORMAT,
        "version": VERSION,
        "schemaVersion": schema_version,
        "tenantId": tenant.get(),
        "businessName": name,
        "number": number,
        "exportedAt": crate::clock::to_db(chrono::Utc::now()),
        "ringlyproVersion": crate::VERSION,
        "tables": specs.iter().map(|s| s.name.clone()).collect::<Vec<_>>(),
    });
    writeln!(out, "{header}").map_err(io)?;
    let mut summary = Summary {
        tenant: tenant.get(),
        business_name: name,
        number,
        schema_version,
        rows: BTreeMap::new(),
    };
    for spec in &specs {
        let mut n = 0u64;
        each_row(&tx, spec, &spec.columns, tenant, |row| {
            let line = json!({"t": spec.name, "r": Value::Object(row)});
            writeln!(out, "{line}").map_err(io)?;
            n += 1;
            Ok(())
        })?;
        summary.rows.insert(spec.name.clone(), n);
    }
    writeln!(out, "{}", json!({"end": true, "rows": summary.rows})).map_err(io)?;
    out.flush().map_err(io)?;
    tx.finish()?;
    Ok(summary)
}

fn bad(line: usize, why: impl std::fmt::Display) -> AppError {
    AppError::BadRequest(format!("line {line} of the export: {why}"))
}

/// Loads an export into this node. Nothing is written unless everything is.
pub fn import(conn: &mut Connection, input: &mut dyn BufRead) -> Result<Summary, AppError> {
    let mut lines = input.lines().enumerate();
    let (_, first) = lines
        .next()
        .ok_or_else(|| AppError::BadRequest("the file is empty".into()))?;
    let first = first.map_err(|e| AppError::BadRequest(format!("cannot read the file: {e}")))?;
    let header: Value = serde_json::from_str(&first).map_err(|_| {
        AppError::BadRequest("this is not a RinglyPro tenant export (no JSON header)".into())
    })?;
    if header["format"] != FORMAT {
        return Err(AppError::BadRequest(
            "this is not a RinglyPro tenant export (format is not ringlypro-tenant)".into(),
        ));
    }
    let version = header["version"].as_i64().unwrap_or(0);
    if version != VERSION {
        return Err(AppError::BadRequest(format!(
            "export format version {version} is not supported by this binary (it reads version {VERSION}); use the same RinglyPro version on both nodes"
        )));
    }
    let file_schema = header["schemaVersion"].as_i64().unwrap_or(0);
    let ours = super::latest_schema_version();
    if file_schema > ours {
        return Err(AppError::BadRequest(format!(
            "the export has schema version {file_schema}, newer than this node ({ours}); upgrade this node first"
        )));
    }
    let tenant = header["tenantId"]
        .as_i64()
        .ok_or_else(|| bad(1, "the header has no tenantId"))?;

    // Foreign keys are checked once at the end (rows arrive parents first,
    // but nullable links may point either way).
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let result = import_rows(conn, tenant, file_schema, &header, &mut lines);
    let _ = conn.execute_batch("PRAGMA foreign_keys = ON");
    result
}

type Lines<'a> = std::iter::Enumerate<std::io::Lines<&'a mut dyn BufRead>>;

fn import_rows(
    conn: &mut Connection,
    tenant: i64,
    file_schema: i64,
    header: &Value,
    lines: &mut Lines<'_>,
) -> Result<Summary, AppError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let specs = tenant_tables(&tx)?;
    let mut summary = Summary {
        tenant,
        business_name: header["businessName"].as_str().unwrap_or("").to_string(),
        number: header["number"].as_str().map(String::from),
        schema_version: file_schema,
        rows: BTreeMap::new(),
    };
    // Per table: the file's columns (from its first row) and its digest.
    let mut seen_columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut digests: BTreeMap<String, Digest64> = BTreeMap::new();
    let mut users: HashSet<i64> = HashSet::new();
    let mut contact_count: Option<i64> = None;
    let mut trailer: Option<Value> = None;
    for (i, line) in lines {
        let n = i + 1;
        let line = line.map_err(|e| bad(n, e))?;
        if line.trim().is_empty() {
            continue;
        }
        if trailer.is_some() {
            return Err(bad(n, "data after the end marker"));
        }
        let v: Value = serde_json::from_str(&line).map_err(|_| bad(n, "not JSON"))?;
        if v["end"] == true {
            trailer = Some(v);
            continue;
        }
        let table = v["t"].as_str().ok_or_else(|| bad(n, "no table name"))?;
        let row = v["r"].as_object().ok_or_else(|| bad(n, "no row object"))?;
        let spec = specs.iter().find(|s| s.name == table).ok_or_else(|| {
            bad(
                n,
                format!("table {table} does not exist on this node (or holds no tenant data)"),
            )
        })?;
        let cols: Vec<String> = row.keys().cloned().collect();
        if let Some(c) = cols.iter().find(|c| !spec.columns.contains(c)) {
            return Err(bad(
                n,
                format!("column {table}.{c} does not exist on this node"),
            ));
        }
        // Every row must belong to the exported tenant.
        let owner_ok = match spec.scope {
            Scope::Tenant => row.get("id").and_then(Value::as_i64) == Some(tenant),
            Scope::ClientId => row.get("client_id").and_then(Value::as_i64) == Some(tenant),
            Scope::Users => row
                .get("user_id")
                .and_then(Value::as_i64)
                .is_some_and(|u| users.contains(&u)),
        };
        if !owner_ok {
            return Err(bad(
                n,
                format!(
                    "a {table} row that does not belong to business {tenant}; the file was altered"
                ),
            ));
        }
        if spec.scope == Scope::Tenant {
            refuse_tenant_conflicts(&tx, tenant, row)?;
            contact_count = row.get("contact_count").and_then(Value::as_i64);
        }
        if table == "users"
            && let Some(id) = row.get("id").and_then(Value::as_i64)
        {
            users.insert(id);
        }
        let values: Vec<Sql> = cols
            .iter()
            .map(|c| to_sql(&row[c]))
            .collect::<Result<_, _>>()
            .map_err(|why| bad(n, format!("{table}: {why}")))?;
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(table),
            cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
            (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Err(e) = tx.execute_cached(&sql, params_from_iter(values.iter())) {
            return Err(if is_unique_violation(&e) {
                conflict(table, row, &e)
            } else {
                bad(n, format!("{table} row rejected: {e}"))
            });
        }
        let file_cols = seen_columns.entry(table.to_string()).or_insert(cols);
        digests
            .entry(table.to_string())
            .or_default()
            .add(file_cols, row);
        *summary.rows.entry(table.to_string()).or_insert(0) += 1;
    }
    let trailer = trailer.ok_or_else(|| {
        AppError::BadRequest(
            "the export is incomplete (no end marker): it was cut short; export again".into(),
        )
    })?;
    let expected: BTreeMap<String, u64> = trailer["rows"]
        .as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_u64().filter(|n| *n > 0).map(|n| (k.clone(), n)))
                .collect()
        })
        .unwrap_or_default();
    if expected != summary.rows {
        return Err(AppError::BadRequest(format!(
            "the export's row counts do not match its end marker (file says {expected:?}, found {:?}); the file is damaged",
            summary.rows
        )));
    }
    if summary.rows.get("clients").copied().unwrap_or(0) != 1 {
        return Err(AppError::BadRequest(
            "the export holds no business row".into(),
        ));
    }
    // The contact counter is kept by triggers, which just counted the
    // imported contacts on top of the exported value.
    if let Some(cc) = contact_count {
        tx.execute_cached(
            "UPDATE clients SET contact_count = ?2 WHERE id = ?1",
            [tenant, cc],
        )?;
    }
    let mut st = tx.prepare("PRAGMA foreign_key_check")?;
    let broken: Vec<String> = st
        .query_map([], |r| {
            Ok(format!(
                "{} row {}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1).unwrap_or(0)
            ))
        })?
        .take(5)
        .collect::<Result<_, _>>()?;
    drop(st);
    if !broken.is_empty() {
        return Err(AppError::BadRequest(format!(
            "the export's rows point at rows it does not contain ({}); nothing was imported",
            broken.join(", ")
        )));
    }
    // Read everything back: what is stored must be exactly what was exported.
    let client = ClientId::from_trusted(tenant);
    for spec in &specs {
        let Some(cols) = seen_columns.get(&spec.name) else {
            continue;
        };
        let mut d = Digest64::default();
        each_row(&tx, spec, cols, client, |row| {
            d.add(cols, &row);
            Ok(())
        })?;
        if digests.get(&spec.name).copied().unwrap_or_default() != d {
            return Err(AppError::internal(format!(
                "after import, the {} rows differ from the export (a trigger or default changed them); nothing was imported",
                spec.name
            )));
        }
    }
    tx.commit()?;
    Ok(summary)
}

/// Refuses a business whose id or number this node already has.
fn refuse_tenant_conflicts(
    conn: &Connection,
    tenant: i64,
    row: &Map<String, Value>,
) -> Result<(), AppError> {
    use rusqlite::OptionalExtension;
    if let Some(name) = conn
        .query_row_cached(
            "SELECT business_name FROM clients WHERE id = ?1",
            [tenant],
            |r| r.get::<_, String>(0),
        )
        .optional()?
    {
        return Err(AppError::conflict(
            format!(
                "this node already has a business with id {tenant} (\"{name}\"); ids are kept on import, so import into a node without it"
            ),
            Some(tenant),
        ));
    }
    if let Some(number) = row.get("ringlypro_number").and_then(Value::as_str)
        && let Some((id, name)) = conn
            .query_row_cached(
                "SELECT id, business_name FROM clients WHERE ringlypro_number = ?1",
                [number],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
    {
        return Err(AppError::conflict(
            format!(
                "the number {number} already belongs to business {id} (\"{name}\") on this node; detach it there first (ringlypro tenant set-number {id} none)"
            ),
            Some(id),
        ));
    }
    Ok(())
}

fn conflict(table: &str, row: &Map<String, Value>, e: &rusqlite::Error) -> AppError {
    let what = e.to_string();
    let key = if what.contains("users.email") {
        format!(
            "the user email {} is already registered on this node",
            row.get("email").and_then(Value::as_str).unwrap_or("?")
        )
    } else {
        let id = row
            .get("id")
            .map(|v| v.to_string())
            .unwrap_or_else(|| "?".into());
        format!("{table} row id {id} conflicts with a row this node already has ({what})")
    };
    AppError::conflict(
        format!(
            "{key}; ids and unique values are kept on import and nothing is remapped, so nothing was imported"
        ),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every table of the schema is either exported per tenant or known to be node-wide.
    #[test]
    fn every_table_is_classified() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = crate::db::open_connection(&dir.path().join("t.db")).unwrap();
        crate::db::migrate(&mut c).unwrap();
        let specs = tenant_tables(&c).expect("all tables classified");
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        for t in [
            "clients",
            "users",
            "contacts",
            "appointments",
            "appointment_history",
            "calls",
            "call_turns",
            "call_sessions",
            "messages",
            "sms_opt_outs",
            "credit_accounts",
            "credit_ledger",
            "payments",
            "notifications",
            "webhook_events",
            "outbox",
            "password_reset_tokens",
        ] {
            assert!(names.contains(&t), "{t} is exported: {names:?}");
        }
        assert!(!names.iter().any(|n| n.starts_with("contacts_fts")));
        assert_eq!(names[0], "clients", "parents first");
    }

    #[test]
    fn values_round_trip() {
        for v in [
            json!(null),
            json!(42),
            json!(-7),
            json!(0.25),
            json!(1.0),
            json!("text"),
            json!({"$b64": "AAEC"}),
        ] {
            let sql = to_sql(&v).unwrap();
            let back = to_json(ValueRef::from(&sql));
            assert_eq!(back, v);
        }
        assert!(to_sql(&json!({"x": 1})).is_err());
    }
}
