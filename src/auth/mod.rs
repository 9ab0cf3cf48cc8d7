//! Authentication building blocks without HTTP: password hashing and rules,
//! session tokens (JWT), one-time tokens and rate limiting. The HTTP extractors
//! in `http::extract` and the routes in `http::api::auth` are built on these.

pub mod password;
pub mod ratelimit;
pub mod token;

use sha2::{Digest, Sha256};

/// `n` random bytes from the OS generator, hex-encoded (2n characters).
pub fn random_hex(n: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// A random URL-safe token of `n` bytes (for reset links and feed URLs).
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; n];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a token, hex: what we store instead of the token itself.
pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Constant-time equality for secrets (tokens, signatures).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
