//! The /api/auth surface end to end: sessions, revocation, password reset,
//! token forgery, rate limits.

use crate::common::*;
use serde_json::json;

#[test]
fn register_login_profile_update_logout_revokes_token() {
    let s = TestServer::start();
    let a = s.register("Owner@Example.com");
    // Email normalised, business phone in E.164, token at top level and in data.
    let p = s.get("/api/auth/profile", Some(&a.token));
    assert_eq!(p.status, 200, "{}", p.body);
    let v = p.json();
    assert_eq!(v["data"]["user"]["email"], "owner@example.com");
    assert_eq!(v["data"]["client"]["businessPhone"], "+15552120987");
    assert_eq!(v["data"]["client"]["timezone"], "America/Chicago");
    assert!(
        v["data"]["user"].get("passwordHash").is_none(),
        "hash leaked: {}",
        p.body
    );

    let login = s.post(
        "/api/auth/login",
        None,
        &json!({"email": "OWNER@example.com", "password": "a good passphrase"}),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    let lv = login.json();
    let token = lv["token"].as_str().unwrap().to_string();
    assert_eq!(lv["data"]["token"], lv["token"]);
    let cookie = login.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let up = s.post(
        "/api/auth/update-profile",
        Some(&token),
        &json!({"firstName": "Grace", "businessName": "Grace's Salon"}),
    );
    assert_eq!(up.status, 200, "{}", up.body);
    assert_eq!(up.json()["data"]["user"]["firstName"], "Grace");
    assert_eq!(
        s.get("/api/auth/profile", Some(&token)).json()["data"]["client"]["businessName"],
        "Grace's Salon"
    );

    assert_eq!(
        s.get("/api/auth/verify", Some(&token)).json()["valid"],
        true
    );
    let out = s.post("/api/auth/logout", Some(&token), &json!({}));
    assert_eq!(out.status, 200, "{}", out.body);
    // Both the token that logged out and the older one are dead now.
    for t in [&token, &a.token] {
        let r = s.get("/api/auth/profile", Some(t));
        assert_eq!(r.status, 401, "{}", r.body);
        assert!(r.error_message().contains("Sign in"));
    }
}

#[test]
fn register_refuses_a_taken_email_and_weak_passwords() {
    let s = TestServer::start();
    s.register("taken@example.com");
    let r = s.post(
        "/api/auth/register",
        None,
        &register_body("TAKEN@example.com", "another passphrase"),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    let r = s.post(
        "/api/auth/register",
        None,
        &register_body("new@example.com", "short"),
    );
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("at least 10"));
    let r = s.post(
        "/api/auth/register",
        None,
        &register_body("same@example.com", "same@example.com"),
    );
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("email"));
}

#[test]
fn refresh_token_issues_a_working_token() {
    let s = TestServer::start();
    let a = s.register("refresh@example.com");
    let r = s.post("/api/auth/refresh-token", Some(&a.token), &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    let t2 = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(s.get("/api/auth/profile", Some(&t2)).status, 200);
}

#[test]
fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let s = TestServer::start();
    let a = s.register("change@example.com");
    let other_session = s
        .post(
            "/api/auth/login",
            None,
            &json!({"email": a.email, "password": "a good passphrase"}),
        )
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"newPassword": "a brand new passphrase"}),
    );
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("current password"));
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"newPassword": "a brand new passphrase", "currentPassword": "wrong wrong wrong"}),
    );
    assert_eq!(r.status, 400);
    let r = s.post(
        "/api/auth/update-profile",
        Some(&a.token),
        &json!({"newPassword": "a brand new passphrase", "currentPassword": "a good passphrase"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = r.json()["token"]
        .as_str()
        .expect("a new token after a password change")
        .to_string();
    assert_eq!(s.get("/api/auth/profile", Some(&other_session)).status, 401);
    assert_eq!(s.get("/api/auth/profile", Some(&a.token)).status, 401);
    assert_eq!(s.get("/api/auth/profile", Some(&fresh)).status, 200);
    let login = |pw: &str| {
        s.post(
            "/api/auth/login",
            None,
            &json!({"email": a.email, "password": pw}),
        )
        .status
    };
    assert_eq!(login("a good passphrase"), 401);
    assert_eq!(login("a brand new passphrase"), 200);
}

/// Reads the reset link from the newest email queued for `to`.
fn reset_token_from_outbox(s: &TestServer, to: &str, before: usize) -> String {
    let body = eventually("the reset email in the outbox", || {
        s.sql(|c| {
            let mut stmt = c
                .prepare("SELECT body FROM outbox WHERE recipient = ?1 AND channel = 'email' AND body LIKE '%token=%' ORDER BY id")
                .unwrap();
            let bodies: Vec<String> = stmt.query_map([to], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
            (bodies.len() > before).then(|| bodies[bodies.len() - 1].clone())
        })
    });
    let i = body.find("token=").expect("link in email");
    body[i + 6..].split_whitespace().next().unwrap().to_string()
}

#[test]
fn password_reset_end_to_end_single_use_and_expiring() {
    let s = TestServer::start();
    let a = s.register("reset@example.com");
    let r = s.post(
        "/api/auth/forgot-password",
        None,
        &json!({"email": "Reset@Example.com"}),
    );
    assert_eq!(r.status, 200);
    assert!(
        !r.body.contains("token="),
        "the link must never be in the response: {}",
        r.body
    );
    let token = reset_token_from_outbox(&s, "reset@example.com", 0);
    // Only the hash is stored.
    let stored: i64 = s.sql(|c| {
        c.query_row(
            "SELECT count(*) FROM password_reset_tokens WHERE token_hash = ?1",
            [&token],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(stored, 0, "the raw token must not be stored");

    let v = s.get(&format!("/api/auth/verify-reset-token/{token}"), None);
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(v.json()["email"], "r***@example.com");

    let r = s.post(
        "/api/auth/reset-password",
        None,
        &json!({"token": token, "newPassword": "short"}),
    );
    assert_eq!(r.status, 400, "rules apply to resets too");
    let r = s.post(
        "/api/auth/reset-password",
        None,
        &json!({"token": token, "newPassword": "reset passphrase 2"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        s.get("/api/auth/profile", Some(&a.token)).status,
        401,
        "a reset signs out old sessions"
    );
    assert_eq!(
        s.post(
            "/api/auth/login",
            None,
            &json!({"email": a.email, "password": "reset passphrase 2"})
        )
        .status,
        200
    );
    assert_eq!(
        s.post(
            "/api/auth/login",
            None,
            &json!({"email": a.email, "password": "a good passphrase"})
        )
        .status,
        401
    );

    // Single use.
    let again = s.post(
        "/api/auth/reset-password",
        None,
        &json!({"token": token, "newPassword": "third passphrase!"}),
    );
    assert_eq!(again.status, 400);
    assert!(
        again.error_message().contains("already been used"),
        "{}",
        again.body
    );
    assert!(
        s.get(&format!("/api/auth/verify-reset-token/{token}"), None)
            .error_message()
            .contains("already been used")
    );

    // Expiry: one hour.
    s.post(
        "/api/auth/forgot-password",
        None,
        &json!({"email": "reset@example.com"}),
    );
    let t2 = reset_token_from_outbox(&s, "reset@example.com", 1);
    s.clock.advance(chrono::Duration::minutes(61));
    let r = s.post(
        "/api/auth/reset-password",
        None,
        &json!({"token": t2, "newPassword": "too late passphrase"}),
    );
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("expired"), "{}", r.body);
    let r = s.get("/api/auth/verify-reset-token/not-a-real-token", None);
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("not valid"));
}

#[test]
fn forgot_password_answers_the_same_for_unknown_emails() {
    let s = TestServer::start();
    s.register("known@example.com");
    let known = s.post(
        "/api/auth/forgot-password",
        None,
        &json!({"email": "known@example.com"}),
    );
    let unknown = s.post(
        "/api/auth/forgot-password",
        None,
        &json!({"email": "nobody@example.com"}),
    );
    assert_eq!(known.status, 200);
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body, unknown.body);
    // Only the real account got an email.
    reset_token_from_outbox(&s, "known@example.com", 0);
    let n: i64 = s.sql(|c| {
        c.query_row(
            "SELECT count(*) FROM outbox WHERE recipient = 'nobody@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    });
    assert_eq!(n, 0);
}

#[test]
fn forged_expired_and_foreign_tokens_are_rejected() {
    use base64::Engine;
    let s = TestServer::start();
    let a = s.register("forge@example.com");
    let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let now = chrono::Utc::now().timestamp();
    let claims = format!(
        r#"{{"userId":{},"clientId":{},"email":"forge@example.com","typ":"access","ver":0,"iat":{now},"exp":{}}}"#,
        a.user_id,
        a.client_id,
        now + 3600
    );
    let parts: Vec<&str> = a.token.split('.').collect();
    let cases = vec![
        (
            "alg none",
            format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&claims)),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&claims.replace("\"ver\":0", "\"ver\":0,\"x\":1")),
                parts[2]
            ),
        ),
        (
            "other secret",
            ringlypro::auth::token::TokenKeys::new(&[9u8; 32])
                .issue(a.user_id, a.client_id, &a.email, 0, now)
                .unwrap(),
        ),
        ("garbage", "not.a.jwt".to_string()),
        ("empty", String::new()),
    ];
    for (what, t) in &cases {
        let r = s.get("/api/auth/profile", Some(t));
        assert_eq!(r.status, 401, "{what}: {}", r.body);
    }
    // Expired: the server's clock moves past the 7 days.
    s.clock
        .advance(chrono::Duration::days(7) + chrono::Duration::seconds(1));
    assert_eq!(
        s.get("/api/auth/profile", Some(&a.token)).status,
        401,
        "expired"
    );
    s.clock
        .advance(-(chrono::Duration::days(7) + chrono::Duration::seconds(1)));
    assert_eq!(s.get("/api/auth/profile", Some(&a.token)).status, 200);

    // A reset token is not an access token.
    s.post(
        "/api/auth/forgot-password",
        None,
        &json!({"email": "forge@example.com"}),
    );
    let reset = eventually("reset email", || {
        s.sql(|c| {
            c.query_row(
                "SELECT body FROM outbox WHERE recipient = 'forge@example.com' AND body LIKE '%token=%'",
                [],
                |r| r.get::<_, String>(0),
            )
            .ok()
        })
    });
    let reset_token = reset[reset.find("token=").unwrap() + 6..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(s.get("/api/auth/profile", Some(&reset_token)).status, 401);
}

#[test]
fn cookie_sessions_need_the_csrf_token_for_changes() {
    let s = TestServer::start();
    s.register("cookie@example.com");
    let login = s.post(
        "/api/auth/login",
        None,
        &json!({"email": "cookie@example.com", "password": "a good passphrase"}),
    );
    let csrf = login.json()["csrfToken"].as_str().unwrap().to_string();
    let cookie = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let url = s.url("/api/auth/update-profile");
    let body = br#"{"firstName":"Cookie"}"#;
    let r = request(
        &s.agent,
        "GET",
        &s.url("/api/auth/profile"),
        &[("cookie", &cookie)],
        None,
    );
    assert_eq!(r.status, 200, "cookie works for reading");
    let r = request(
        &s.agent,
        "POST",
        &url,
        &[("cookie", &cookie), ("content-type", "application/json")],
        Some(body),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.error_message().contains("X-CSRF-Token"));
    let r = request(
        &s.agent,
        "POST",
        &url,
        &[
            ("cookie", &cookie),
            ("content-type", "application/json"),
            ("x-csrf-token", &csrf),
        ],
        Some(body),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn eleventh_rapid_wrong_login_is_rate_limited() {
    let s = TestServer::start_with(|c| c.login_rate_limit = 10);
    s.register("limited@example.com");
    for i in 1..=10 {
        let r = s.post(
            "/api/auth/login",
            None,
            &json!({"email": "limited@example.com", "password": format!("wrong password {i}")}),
        );
        assert_eq!(r.status, 401, "attempt {i}: {}", r.body);
    }
    let r = s.post(
        "/api/auth/login",
        None,
        &json!({"email": "limited@example.com", "password": "a good passphrase"}),
    );
    assert_eq!(r.status, 429, "{}", r.body);
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(retry >= 1, "{retry}");
    assert!(r.error_message().contains("try again"));
}
