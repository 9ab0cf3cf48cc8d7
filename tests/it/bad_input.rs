//! Bad input on the foundation's routes: each case gets a 4xx JSON error with a
//! message a person can act on; none is a 500; the server keeps answering.

use crate::common::*;
use serde_json::json;

struct Case {
    what: &'static str,
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    expect: u16,
}

fn json_case(what: &'static str, path: &str, body: serde_json::Value, expect: u16) -> Case {
    Case {
        what,
        method: "POST",
        path: path.into(),
        headers: vec![("content-type", "application/json".into())],
        body: Some(serde_json::to_vec(&body).unwrap()),
        expect,
    }
}

fn raw_case(what: &'static str, path: &str, ct: &str, body: &[u8], expect: u16) -> Case {
    Case {
        what,
        method: "POST",
        path: path.into(),
        headers: vec![("content-type", ct.into())],
        body: Some(body.to_vec()),
        expect,
    }
}

fn reg(patch: serde_json::Value) -> serde_json::Value {
    let mut b = register_body("bad@example.com", "a good passphrase");
    for (k, v) in patch.as_object().unwrap() {
        if v.is_null() {
            b.as_object_mut().unwrap().remove(k);
        } else {
            b[k] = v.clone();
        }
    }
    b
}

#[test]
fn bad_input_gets_clear_4xx_never_500() {
    let s = TestServer::start();
    let acct = s.register("someone@example.com");
    let auth = format!("Bearer {}", acct.token);
    let reg_path = "/api/auth/register";
    let mut deep = String::new();
    for _ in 0..300 {
        deep.push('[');
    }
    let mut cases = vec![
        raw_case(
            "malformed JSON",
            reg_path,
            "application/json",
            br#"{"email": "#,
            400,
        ),
        raw_case("empty body", reg_path, "application/json", b"", 400),
        raw_case(
            "text/plain body",
            reg_path,
            "text/plain",
            br#"{"email":"x"}"#,
            415,
        ),
        Case {
            what: "no content type",
            method: "POST",
            path: reg_path.into(),
            headers: vec![],
            body: Some(b"{}".to_vec()),
            expect: 415,
        },
        raw_case(
            "form body",
            reg_path,
            "application/x-www-form-urlencoded",
            b"email=a%40b.co",
            415,
        ),
        raw_case("JSON array", reg_path, "application/json", b"[]", 400),
        raw_case("JSON null", reg_path, "application/json", b"null", 400),
        raw_case(
            "invalid UTF-8",
            reg_path,
            "application/json",
            b"{\"email\": \"\xff\xfe\"}",
            400,
        ),
        raw_case(
            "deeply nested JSON",
            reg_path,
            "application/json",
            deep.as_bytes(),
            400,
        ),
        raw_case(
            "number too large",
            reg_path,
            "application/json",
            br#"{"email": 1e999}"#,
            400,
        ),
        json_case(
            "email of wrong type",
            reg_path,
            reg(json!({"email": 12345})),
            400,
        ),
        json_case(
            "missing businessName",
            reg_path,
            reg(json!({"businessName": null})),
            400,
        ),
        json_case(
            "blank businessName",
            reg_path,
            reg(json!({"businessName": "   "})),
            400,
        ),
        json_case(
            "invalid email",
            reg_path,
            reg(json!({"email": "not-an-email"})),
            400,
        ),
        json_case(
            "invalid phone",
            reg_path,
            reg(json!({"businessPhone": "12345"})),
            400,
        ),
        json_case(
            "phone with letters",
            reg_path,
            reg(json!({"businessPhone": "555-CALL-NOW"})),
            400,
        ),
        json_case(
            "short password",
            reg_path,
            reg(json!({"password": "abc"})),
            400,
        ),
        json_case(
            "1 MB password",
            reg_path,
            reg(json!({"password": "p".repeat(1_000_000)})),
            400,
        ),
        json_case(
            "unknown field",
            reg_path,
            reg(json!({"isAdmin": true})),
            400,
        ),
        json_case(
            "terms not accepted",
            reg_path,
            reg(json!({"termsAccepted": false})),
            400,
        ),
        json_case(
            "unknown time zone",
            reg_path,
            reg(json!({"timezone": "Mars/Olympus_Mons"})),
            400,
        ),
        json_case(
            "bad website",
            reg_path,
            reg(json!({"websiteUrl": "not a url"})),
            400,
        ),
        json_case(
            "control characters in a name",
            reg_path,
            reg(json!({"firstName": "Ada\u{0}\u{7}"})),
            400,
        ),
        json_case(
            "business name too long",
            reg_path,
            reg(json!({"businessName": "x".repeat(5000)})),
            400,
        ),
        json_case(
            "boolean as string",
            reg_path,
            reg(json!({"termsAccepted": "yes"})),
            400,
        ),
        json_case(
            "login SQL injection",
            "/api/auth/login",
            json!({"email": "' OR 1=1 --", "password": "' OR '1'='1"}),
            401,
        ),
        json_case(
            "login missing password",
            "/api/auth/login",
            json!({"email": "a@b.co"}),
            400,
        ),
        json_case(
            "login email as object",
            "/api/auth/login",
            json!({"email": {"$ne": null}, "password": "x"}),
            400,
        ),
        json_case(
            "forgot invalid email",
            "/api/auth/forgot-password",
            json!({"email": "nope"}),
            400,
        ),
        json_case(
            "reset missing token",
            "/api/auth/reset-password",
            json!({"newPassword": "a good passphrase"}),
            400,
        ),
        json_case(
            "reset empty token",
            "/api/auth/reset-password",
            json!({"token": "", "newPassword": "a good passphrase"}),
            400,
        ),
        json_case(
            "reset huge token",
            "/api/auth/reset-password",
            json!({"token": "t".repeat(10_000), "newPassword": "a good passphrase"}),
            400,
        ),
        Case {
            what: "verify garbage reset token",
            method: "GET",
            path: "/api/auth/verify-reset-token/%00%FF..%2F".into(),
            headers: vec![],
            body: None,
            expect: 400,
        },
        json_case(
            "update-profile without a session",
            "/api/auth/update-profile",
            json!({"firstName": "X"}),
            401,
        ),
        Case {
            what: "malformed bearer",
            method: "GET",
            path: "/api/auth/profile".into(),
            headers: vec![("authorization", "Bearer".into())],
            body: None,
            expect: 401,
        },
        Case {
            what: "basic auth instead of bearer",
            method: "GET",
            path: "/api/auth/profile".into(),
            headers: vec![("authorization", "Basic YTpi".into())],
            body: None,
            expect: 401,
        },
        Case {
            what: "unknown API route",
            method: "GET",
            path: "/api/does-not-exist".into(),
            headers: vec![],
            body: None,
            expect: 404,
        },
        Case {
            what: "GET on a POST route",
            method: "GET",
            path: "/api/auth/login".into(),
            headers: vec![],
            body: None,
            expect: 405,
        },
    ];
    let authed = |what, body: serde_json::Value, expect| {
        let mut c = json_case(what, "/api/auth/update-profile", body, expect);
        c.headers.push(("authorization", auth.clone()));
        c
    };
    cases.push(authed(
        "new email without current password",
        json!({"email": "new@example.com"}),
        400,
    ));
    cases.push(authed(
        "wrong current password",
        json!({"newPassword": "another passphrase", "currentPassword": "nope nope nope"}),
        400,
    ));
    cases.push(authed(
        "first name too long",
        json!({"firstName": "x".repeat(1000)}),
        400,
    ));
    cases.push(authed(
        "language not supported",
        json!({"language": "fr"}),
        400,
    ));
    cases.push(authed(
        "invalid phone number",
        json!({"phoneNumber": "call me"}),
        400,
    ));

    assert!(cases.len() >= 25);
    for c in &cases {
        let headers: Vec<(&str, &str)> = c.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = request(
            &s.agent,
            c.method,
            &s.url(&c.path),
            &headers,
            c.body.as_deref(),
        );
        assert_eq!(r.status, c.expect, "{}: {}", c.what, r.body);
        assert!((400..500).contains(&r.status));
        let msg = r.error_message();
        assert!(msg.len() > 8, "{}: message too short: {msg}", c.what);
        assert!(
            !msg.to_lowercase().contains("internal"),
            "{}: {msg}",
            c.what
        );
    }
    // A body over the limit is refused by its announced size, before it is read.
    let big = head_only(&s.url(""), reg_path, 2 * 1024 * 1024);
    assert_eq!(big.status, 413, "{}", big.body);
    assert!(big.body.contains("larger than"), "{}", big.body);
    // The field name is reported for field errors.
    let r = s.post(
        "/api/auth/register",
        None,
        &reg(json!({"businessPhone": "12345"})),
    );
    assert_eq!(r.json()["error"]["field"], "businessPhone");
    // SQL metacharacters are stored as given, and nothing broke.
    let r = s.post(
        "/api/auth/register",
        None,
        &reg(json!({"email": "sql@example.com", "businessName": "Robert'); DROP TABLE users;--"})),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json()["data"]["client"]["businessName"],
        "Robert'); DROP TABLE users;--"
    );
    assert_eq!(s.get("/health", None).status, 200);
    assert_eq!(s.get("/api/auth/profile", Some(&acct.token)).status, 200);
}
