//! In-memory rate limiting with token buckets keyed by string (an IP, an
//! account). Checked before any expensive work (password hashing), so a flood
//! gets 429s instead of queueing hashes. Buckets refill continuously.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// Allows `capacity` attempts per `window`, refilling steadily.
    pub fn new(capacity: u32, window: Duration) -> Self {
        let capacity = f64::from(capacity.max(1));
        Self {
            capacity,
            per_second: capacity / window.as_secs_f64().max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `key`; `Err(wait)` when none is left.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.buckets.lock() else {
            return Ok(());
        };
        if map.len() > 100_000 {
            // Forget buckets that have refilled completely, so memory stays bounded.
            let full = self.capacity / self.per_second;
            map.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < full);
        }
        let (tokens, at) = map.entry(key.to_string()).or_insert((self.capacity, now));
        let refill = now.saturating_duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.capacity);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_second)
                .max(Duration::from_secs(1)))
        }
    }

    /// Forgets `key` (e.g. an account after a successful login).
    pub fn reset(&self, key: &str) {
        if let Ok(mut map) = self.buckets.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_capacity_then_refuses_then_refills() {
        let rl = RateLimiter::new(10, Duration::from_secs(900));
        let t0 = Instant::now();
        for _ in 0..10 {
            assert!(rl.check("ip", t0).is_ok());
        }
        let wait = rl.check("ip", t0).unwrap_err();
        assert!(
            wait >= Duration::from_secs(60) && wait <= Duration::from_secs(91),
            "{wait:?}"
        );
        assert!(rl.check("other", t0).is_ok());
        assert!(rl.check("ip", t0 + Duration::from_secs(91)).is_ok());
        rl.reset("ip");
        assert!(rl.check("ip", t0).is_ok());
    }
}
