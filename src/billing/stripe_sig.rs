//! Stripe webhook signatures. The `Stripe-Signature` header is
//! `t=TIMESTAMP,v1=HEX[,v1=HEX…][,v0=…]`; a request is genuine when one `v1`
//! equals HMAC-SHA256(secret, "TIMESTAMP.RAW_BODY") (compared in constant
//! time) and the timestamp is within the tolerance of now (replays of old
//! deliveries are refused). Verification works on the raw bytes, before any
//! parsing — the original parsed the body first and so rejected every event.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Seconds a signed timestamp may be away from now (Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    Missing,
    Malformed,
    NoV1,
    TooOld,
    Mismatch,
}

impl std::fmt::Display for SigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Missing => "the Stripe-Signature header is missing",
            Self::Malformed => "the Stripe-Signature header is malformed",
            Self::NoV1 => "the Stripe-Signature header has no v1 signature",
            Self::TooOld => "the Stripe-Signature timestamp is outside the 300-second tolerance",
            Self::Mismatch => "no signature matches the payload (check STRIPE_WEBHOOK_SECRET)",
        })
    }
}

fn mac(secret: &str, timestamp: &str, payload: &[u8]) -> Option<Vec<u8>> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(payload);
    Some(m.finalize().into_bytes().to_vec())
}

/// Stripe's signature header for `payload` at `timestamp` (tests and the fake Stripe).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let sig = mac(secret, &timestamp.to_string(), payload).unwrap_or_default();
    format!("t={timestamp},v1={}", crate::auth::hex(&sig))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 256 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a `Stripe-Signature` header against the raw body at `now` (Unix seconds).
pub fn verify(
    secret: &str,
    header: Option<&str>,
    payload: &[u8],
    now: i64,
) -> Result<(), SigError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(SigError::Missing)?;
    if header.len() > 4096 {
        return Err(SigError::Malformed);
    }
    let mut timestamp: Option<&str> = None;
    let mut v1: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let (k, v) = part.trim().split_once('=').ok_or(SigError::Malformed)?;
        match k {
            "t" => timestamp = Some(v),
            "v1" => {
                if let Some(b) = unhex(v) {
                    v1.push(b);
                }
            }
            _ => {}
        }
    }
    let ts_text = timestamp.ok_or(SigError::Malformed)?;
    let ts: i64 = ts_text.parse().map_err(|_| SigError::Malformed)?;
    if v1.is_empty() {
        return Err(SigError::NoV1);
    }
    if (now - ts).abs() > TOLERANCE_SECS {
        return Err(SigError::TooOld);
    }
    let expected = mac(secret, ts_text, payload).ok_or(SigError::Mismatch)?;
    // Every candidate is compared (no early exit), each in constant time.
    let mut ok = false;
    for s in &v1 {
        ok |= crate::auth::ct_eq(s, &expected);
    }
    if ok { Ok(()) } else { Err(SigError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    #[test]
    fn a_correct_signature_verifies() {
        let h = sign(SECRET, 1_000_000, BODY);
        assert_eq!(verify(SECRET, Some(&h), BODY, 1_000_000), Ok(()));
        assert_eq!(verify(SECRET, Some(&h), BODY, 1_000_300), Ok(()));
        // Any of several v1 signatures (secret rotation), other schemes ignored.
        let h2 = format!("t=1000000,v0=abc,v1={},{}", "00".repeat(32), &h[10..]);
        assert_eq!(verify(SECRET, Some(&h2), BODY, 1_000_000), Ok(()));
    }

    #[test]
    fn wrong_stale_tampered_or_malformed_signatures_fail() {
        let h = sign(SECRET, 1_000_000, BODY);
        assert_eq!(
            verify("whsec_other", Some(&h), BODY, 1_000_000),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(&h), BODY, 1_000_301),
            Err(SigError::TooOld)
        );
        assert_eq!(
            verify(SECRET, Some(&h), BODY, 999_000),
            Err(SigError::TooOld)
        );
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeedeD"}"#;
        assert_eq!(
            verify(SECRET, Some(&h), tampered, 1_000_000),
            Err(SigError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, None, BODY, 1_000_000),
            Err(SigError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some("garbage"), BODY, 1),
            Err(SigError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("t=abc,v1=00"), BODY, 1),
            Err(SigError::Malformed)
        );
        assert_eq!(
            verify(SECRET, Some("t=1,v0=00"), BODY, 1),
            Err(SigError::NoV1)
        );
        assert_eq!(
            verify(SECRET, Some("t=1,v1=zz"), BODY, 1),
            Err(SigError::NoV1)
        );
    }
}
