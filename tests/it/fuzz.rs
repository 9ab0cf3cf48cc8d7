//! Bad input against the real server: a corpus of more than 100 malformed,
//! oversized, mistyped and hostile requests across all routes
//! (`tests/bad_inputs.jsonl`), and property-based arbitrary bodies on every
//! JSON route. No response may be a 500 (503 "not configured" is a clear
//! answer), and the server must still answer afterwards.

use crate::common::*;
use proptest::prelude::*;
use serde_json::Value;

fn server() -> (TestServer, String) {
    let s = TestServer::start();
    let a = s.register("fuzz@example.com");
    s.set_number(a.client_id, "+15553004000");
    let c = s.post(
        "/api/contacts",
        Some(&a.token),
        &serde_json::json!({"firstName": "Fuzz", "phone": "555-212-0987"}),
    );
    assert_eq!(c.status, 201);
    (s, a.token)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[test]
fn the_bad_input_corpus_never_gets_a_500() {
    let (s, token) = server();
    let corpus = include_str!("../bad_inputs.jsonl");
    let mut n = 0;
    for line in corpus.lines().filter(|l| !l.trim().is_empty()) {
        let c: Value = serde_json::from_str(line).unwrap();
        let method = c["method"].as_str().unwrap();
        let path = c["path"].as_str().unwrap();
        let body: Option<Vec<u8>> = c["body"]
            .as_str()
            .map(|b| b.as_bytes().to_vec())
            .or_else(|| c["bodyHex"].as_str().map(hex));
        let bearer = format!("Bearer {token}");
        let mut headers: Vec<(String, String)> = vec![];
        if let Some(ct) = c["contentType"].as_str() {
            headers.push(("content-type".into(), ct.into()));
        }
        if c["auth"].as_bool() == Some(true) {
            headers.push(("authorization".into(), bearer));
        }
        if let Some(h) = c["headers"].as_object() {
            for (k, v) in h {
                headers.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
            }
        }
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = request(&s.agent, method, &s.url(path), &h, body.as_deref());
        assert!(
            r.status != 500 && (r.status < 500 || r.status == 503),
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
        n += 1;
    }
    assert!(n >= 100, "the corpus has {n} requests");
    assert_eq!(
        s.get("/health", None).status,
        200,
        "the server still answers"
    );
    assert_eq!(s.get("/api/auth/profile", Some(&token)).status, 200);
}

const JSON_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/auth/register"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/update-profile"),
    ("POST", "/api/auth/forgot-password"),
    ("POST", "/api/auth/reset-password"),
    ("POST", "/api/contacts"),
    ("PUT", "/api/contacts/1"),
    ("POST", "/api/appointments"),
    ("PUT", "/api/appointments/1"),
    ("PUT", "/api/client/settings"),
    ("POST", "/api/messages/sms"),
    ("POST", "/api/mobile/client/toggle"),
    ("POST", "/api/credits/reload"),
    ("POST", "/api/credits/auto-reload/configure"),
];

#[test]
fn arbitrary_bodies_on_every_json_route_are_never_a_500() {
    let (s, token) = server();
    let bearer = format!("Bearer {token}");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 40,
        ..ProptestConfig::default()
    });
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        any::<String>().prop_map(|s| s.into_bytes()),
        (any::<String>(), any::<i64>(), any::<bool>()).prop_map(|(k, v, b)| {
            serde_json::json!({ k: v, "enabled": b, "amount": v, "firstName": v })
                .to_string()
                .into_bytes()
        }),
    ];
    for (method, path) in JSON_ROUTES {
        runner
            .run(&body, |bytes| {
                let r = request(
                    &s.agent,
                    method,
                    &s.url(path),
                    &[
                        ("authorization", &bearer),
                        ("content-type", "application/json"),
                    ],
                    Some(&bytes),
                );
                prop_assert!(
                    r.status != 500 && (r.status < 500 || r.status == 503),
                    "{method} {path}: {} {}",
                    r.status,
                    r.body
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    }
    assert_eq!(s.get("/health", None).status, 200);
}
