//! The router's admin API (JSON), on its own listener unless
//! `RINGLYPRO_ROUTER_ADMIN_ON_PUBLIC` is set. Every `/admin` route needs
//! `Authorization: Bearer <admin token>`, compared in constant time.
//!
//! - `GET /admin/nodes`, `POST /admin/nodes` `{name, url, authToken?}`, `DELETE /admin/nodes/{name}`
//! - `GET /admin/numbers`, `PUT /admin/numbers/{number}` `{node, fallbackPhone?}`, `DELETE /admin/numbers/{number}`
//! - `GET /admin/hosts`, `PUT /admin/hosts/{host}` `{node}`, `DELETE /admin/hosts/{host}`
//! - `GET /admin/queue`: held webhooks per node
//!
//! The admin listener also serves `/health` and `/metrics` (the latter behind
//! `RINGLYPRO_ROUTER_METRICS_TOKEN` when set).

use super::{Shared, db, stats};
use crate::domain::E164;
use crate::error::AppError;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

/// The `/admin` routes with their token check (mounted on either listener).
pub fn routes(state: Shared) -> Router {
    Router::new()
        .route("/admin/nodes", get(list_nodes).post(add_node))
        .route("/admin/nodes/{name}", axum::routing::delete(remove_node))
        .route("/admin/numbers", get(list_numbers))
        .route(
            "/admin/numbers/{number}",
            axum::routing::put(assign_number).delete(unassign_number),
        )
        .route("/admin/hosts", get(list_hosts))
        .route(
            "/admin/hosts/{host}",
            axum::routing::put(set_host).delete(remove_host),
        )
        .route("/admin/queue", get(queue))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_token,
        ))
        .with_state(state)
}

/// The whole admin listener.
pub fn app(state: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(routes(state))
        .fallback(|| async {
            AppError::NotFound("no such admin route; see the README's router section".into())
        })
}

async fn require_token(State(r): State<Shared>, req: Request, next: Next) -> Response {
    let ok = crate::http::metrics::bearer(req.headers())
        .is_some_and(|t| crate::auth::ct_eq(t.as_bytes(), r.admin_token.as_bytes()));
    if !ok {
        return AppError::Unauthorized(
            "send the router admin token as Authorization: Bearer <token> (RINGLYPRO_ROUTER_ADMIN_TOKEN or DATA_DIR/admin_token)".into(),
        )
        .into_response();
    }
    next.run(req).await
}

async fn health(State(r): State<Shared>) -> Response {
    let table = r.table();
    let nodes: Vec<Value> = table
        .nodes
        .iter()
        .map(|n| json!({"name": n.name, "up": n.is_up(), "pending": n.pending()}))
        .collect();
    Json(json!({
        "status": "ok",
        "role": "router-admin",
        "version": crate::VERSION,
        "uptimeSeconds": r.started.elapsed().as_secs(),
        "nodes": nodes,
        "numbers": table.numbers.len(),
    }))
    .into_response()
}

async fn metrics(State(r): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = r.settings.metrics_token.as_deref() {
        let given = crate::http::metrics::bearer(&headers).unwrap_or("");
        let ok = crate::auth::ct_eq(given.as_bytes(), token.as_bytes())
            || crate::auth::ct_eq(given.as_bytes(), r.admin_token.as_bytes());
        if !ok {
            return AppError::Unauthorized(
                "send RINGLYPRO_ROUTER_METRICS_TOKEN as a bearer token".into(),
            )
            .into_response();
        }
    }
    let body = stats::render(&r.table(), r.started.elapsed().as_secs());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], body).into_response()
}

async fn list_nodes(State(r): State<Shared>) -> Result<Json<Value>, AppError> {
    let nodes = r.db(db::list_nodes).await?;
    let table = r.table();
    let rows: Vec<Value> = nodes
        .into_iter()
        .map(|n| {
            let live = table.nodes.iter().find(|s| s.id == n.id);
            let mut v = serde_json::to_value(&n).unwrap_or(Value::Null);
            v["up"] = json!(live.is_some_and(|s| s.is_up()));
            v["pending"] = json!(live.map(|s| s.pending()).unwrap_or(0));
            v
        })
        .collect();
    Ok(Json(json!({"success": true, "data": rows})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewNode {
    name: String,
    url: String,
    auth_token: Option<String>,
}

async fn add_node(
    State(r): State<Shared>,
    body: Result<Json<NewNode>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let Json(n) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let now = chrono::Utc::now();
    let id = r
        .db(move |c| db::add_node(c, &n.name, &n.url, n.auth_token.as_deref(), now))
        .await?;
    r.reload().await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "data": {"id": id}})),
    )
        .into_response())
}

async fn remove_node(
    State(r): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<Value>, AppError> {
    r.db(move |c| db::remove_node(c, &name)).await?;
    r.reload().await?;
    Ok(Json(json!({"success": true})))
}

async fn list_numbers(State(r): State<Shared>) -> Result<Json<Value>, AppError> {
    let rows = r.db(db::list_numbers).await?;
    Ok(Json(json!({"success": true, "data": rows})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Assign {
    node: String,
    fallback_phone: Option<String>,
}

fn phone(field: &str, v: &str) -> Result<E164, AppError> {
    E164::parse(v).map_err(|m| AppError::validation(field, m))
}

async fn assign_number(
    State(r): State<Shared>,
    Path(number): Path<String>,
    body: Result<Json<Assign>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(a) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let number = phone("number", &number)?;
    let fallback = a
        .fallback_phone
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(|f| phone("fallbackPhone", f))
        .transpose()?;
    let now = chrono::Utc::now();
    let shown = number.to_string();
    r.db(move |c| db::assign_number(c, &number, &a.node, fallback.as_ref(), now))
        .await?;
    r.reload().await?;
    Ok(Json(json!({"success": true, "data": {"number": shown}})))
}

async fn unassign_number(
    State(r): State<Shared>,
    Path(number): Path<String>,
) -> Result<Json<Value>, AppError> {
    let number = phone("number", &number)?;
    r.db(move |c| db::unassign_number(c, &number)).await?;
    r.reload().await?;
    Ok(Json(json!({"success": true})))
}

async fn list_hosts(State(r): State<Shared>) -> Result<Json<Value>, AppError> {
    let rows = r.db(db::list_hosts).await?;
    Ok(Json(json!({"success": true, "data": rows})))
}

#[derive(Deserialize)]
struct SetHost {
    node: String,
}

async fn set_host(
    State(r): State<Shared>,
    Path(host): Path<String>,
    body: Result<Json<SetHost>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AppError> {
    let Json(h) = body.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let now = chrono::Utc::now();
    r.db(move |c| db::set_host(c, &host, &h.node, now)).await?;
    r.reload().await?;
    Ok(Json(json!({"success": true})))
}

async fn remove_host(
    State(r): State<Shared>,
    Path(host): Path<String>,
) -> Result<Json<Value>, AppError> {
    r.db(move |c| db::remove_host(c, &host)).await?;
    r.reload().await?;
    Ok(Json(json!({"success": true})))
}

async fn queue(State(r): State<Shared>) -> Result<Json<Value>, AppError> {
    let rows = r.db(db::queue_summary).await?;
    Ok(Json(json!({"success": true, "data": rows})))
}
