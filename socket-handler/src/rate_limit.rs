//! A token bucket per user on this node, for `message.send`. In memory, so it costs nothing per
//! message; a user with sockets on two nodes gets each node's allowance, which is an acceptable
//! looseness for a flood guard.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use shared::ids::UserId;

/// Per-user send allowance.
pub struct SendRateLimiter {
    rate_per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<UserId, (f64, Instant)>>,
}

impl SendRateLimiter {
    /// `rate_per_sec` on average, `burst` at once.
    pub fn new(rate_per_sec: f64, burst: f64) -> Self {
        Self {
            rate_per_sec,
            burst: burst.max(1.0),
            buckets: Mutex::default(),
        }
    }

    /// Takes one token; false if the user is over their allowance.
    pub fn allow(&self, user: UserId) -> bool {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 100_000 {
            // Forget full buckets now and then so the map cannot grow without bound.
            let (rate, burst) = (self.rate_per_sec, self.burst);
            buckets.retain(|_, (tokens, at)| *tokens + at.elapsed().as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(user).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.rate_per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_and_users_are_independent() {
        let limiter = SendRateLimiter::new(0.001, 3.0);
        let (ann, bob) = (UserId::new(), UserId::new());
        assert!((0..3).all(|_| limiter.allow(ann)));
        assert!(!limiter.allow(ann));
        assert!(limiter.allow(bob));
    }
}
