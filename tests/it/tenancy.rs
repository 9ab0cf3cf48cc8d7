//! Tenant isolation for every tenant-scoped route of the foundation: a token of
//! business A never reads or changes business B's rows.

use crate::common::*;
use serde_json::json;

#[test]
fn a_token_only_ever_sees_and_changes_its_own_business() {
    let s = TestServer::start();
    let a = s.register("a@example.com");
    let b = s.register("b@example.com");
    assert_ne!(a.client_id, b.client_id);
    // Give B some rows A must not count.
    s.sql(|c| {
        c.execute(
            "INSERT INTO contacts (client_id, first_name, phone, created_at, updated_at) VALUES (?1, 'Bee', '+15552223333', 'now', 'now')",
            [b.client_id],
        )
        .unwrap();
    });

    // profile / verify: A's own rows only.
    let p = s.get("/api/auth/profile", Some(&a.token)).json();
    assert_eq!(p["data"]["client"]["id"], a.client_id);
    assert_eq!(p["data"]["user"]["email"], "a@example.com");
    assert_eq!(
        s.get("/api/auth/verify", Some(&a.token)).json()["data"]["client"]["id"],
        a.client_id
    );

    // status: counts of the caller's tenant only, never global.
    let sa = s.get("/api/status", Some(&a.token)).json();
    assert_eq!(sa["clientId"], a.client_id);
    assert_eq!(sa["stats"]["contacts"], 0);
    assert_eq!(
        s.get("/api/status", Some(&b.token)).json()["stats"]["contacts"],
        1
    );
    let public = s.get("/api/status", None).json();
    assert!(
        public.get("stats").is_none(),
        "no counts without a session: {public}"
    );

    // update-profile changes A only, and cannot move A into B.
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"businessName": "A Renamed"}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        s.get("/api/auth/profile", Some(&b.token)).json()["data"]["client"]["businessName"],
        "Ada's Salon"
    );
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"clientId": b.client_id}),
    );
    assert_eq!(
        r.status, 400,
        "clientId is not a field anyone may set: {}",
        r.body
    );
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"email": "b@example.com", "currentPassword": "a good passphrase"}),
    );
    assert_eq!(r.status, 409, "cannot take B's email: {}", r.body);

    // logout and refresh act on the caller only.
    assert_eq!(
        s.post("/api/auth/refresh-token", Some(&a.token), &json!({}))
            .json()["data"]["client"]["id"],
        a.client_id
    );
    assert_eq!(
        s.post("/api/auth/logout", Some(&a.token), &json!({}))
            .status,
        200
    );
    assert_eq!(
        s.get("/api/auth/profile", Some(&b.token)).status,
        200,
        "A's logout must not sign B out"
    );

    // A validly signed token that pairs A's user with B's business is refused.
    let now = chrono::Utc::now().timestamp();
    let mixed = s
        .running
        .state
        .tokens
        .issue(b.user_id, a.client_id, &b.email, 0, now)
        .unwrap();
    assert_eq!(s.get("/api/auth/profile", Some(&mixed)).status, 401);
    assert_eq!(s.get("/api/status", Some(&mixed)).json().get("stats"), None);
}
