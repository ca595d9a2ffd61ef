//! Sending one push to one subscription until it is settled: bounded concurrency (in all and per
//! push-service host), bounded retries with backoff that honours `Retry-After`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::client::{Attempt, PushClient, Target};
use super::config::PushConfig;
use super::payload::PushMessage;

/// How a push to one subscription ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// The push service took it.
    Delivered,
    /// The subscription is gone (404/410).
    Gone,
    /// Never sent: the endpoint or its address is outside the SSRF policy.
    Refused(String),
    /// Not delivered, and not worth trying again: rejected, or retried as often as allowed.
    /// The reason is for the log.
    Dropped(String),
}

/// How often, and after what pauses, a push is tried again.
#[derive(Clone, Copy, Debug)]
pub struct Retries {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The pause after the first failure; doubled after each later one.
    pub base: Duration,
    /// The longest pause; a `Retry-After` beyond it drops the push.
    pub max_delay: Duration,
}

impl Retries {
    /// From the push settings.
    pub fn new(config: &PushConfig) -> Self {
        Self {
            max_attempts: config.max_attempts,
            base: config.retry_base,
            max_delay: config.max_retry_delay,
        }
    }

    /// The pause before trying again after failed attempt number `attempt` (1 for the first),
    /// given the push service's `Retry-After`; `None` to give up.
    pub fn pause(&self, attempt: u32, asked: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        if asked.is_some_and(|asked| asked > self.max_delay) {
            return None;
        }
        let backoff = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_delay);
        Some(backoff.max(asked.unwrap_or(Duration::ZERO)))
    }
}

/// The slots for requests in flight: a number in all and a number per push-service host.
pub struct SendLimits {
    all: Arc<Semaphore>,
    per_host: Mutex<HashMap<String, Arc<Semaphore>>>,
    per_host_max: usize,
}

impl SendLimits {
    /// From the push settings.
    pub fn new(config: &PushConfig) -> Self {
        Self {
            all: Arc::new(Semaphore::new(config.concurrency)),
            per_host: Mutex::default(),
            per_host_max: config.concurrency_per_host,
        }
    }

    /// Waits for a slot for `host` (first, so that a slow host's queue never holds a slot of
    /// the shared pool), then for one of the pool.
    async fn acquire(&self, host: &str) -> Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        let for_host = {
            let mut hosts = self.per_host.lock().ok()?;
            // Forget hosts nobody is waiting for or sending to, so the map stays small.
            hosts.retain(|_, slots| Arc::strong_count(slots) > 1);
            hosts
                .entry(host.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host_max)))
                .clone()
        };
        let host_slot = for_host.acquire_owned().await.ok()?;
        let slot = self.all.clone().acquire_owned().await.ok()?;
        Some((host_slot, slot))
    }
}

/// Sends `message` to `target` until the push service takes it, says the subscription is gone,
/// or the attempts run out. Slots are held only while a request is in flight, never during a
/// pause.
pub async fn deliver(
    client: &PushClient,
    limits: &SendLimits,
    retries: Retries,
    target: &Target,
    message: &PushMessage,
) -> Settled {
    let host = url::Url::parse(&target.endpoint)
        .ok()
        .and_then(|url| {
            Some(format!(
                "{}:{}",
                url.host_str()?,
                url.port_or_known_default()?
            ))
        })
        .unwrap_or_default();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = {
            let Some(_slots) = limits.acquire(&host).await else {
                return Settled::Dropped("the send limits are closed".into());
            };
            client.send(target, message).await
        };
        match outcome {
            Attempt::Delivered => return Settled::Delivered,
            Attempt::Gone => return Settled::Gone,
            Attempt::Rejected(reason) => return Settled::Dropped(reason),
            Attempt::Refused(reason) => return Settled::Refused(reason),
            Attempt::Retry { after, reason } => match retries.pause(attempt, after) {
                Some(pause) => {
                    tracing::debug!(host, attempt, reason, ?pause, "push failed; retrying");
                    tokio::time::sleep(pause).await;
                }
                None => {
                    return Settled::Dropped(format!("{reason}; gave up after {attempt} attempts"));
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RETRIES: Retries = Retries {
        max_attempts: 4,
        base: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
    };

    #[test]
    fn pauses_double_and_stop_at_the_last_attempt() {
        assert_eq!(RETRIES.pause(1, None), Some(Duration::from_secs(1)));
        assert_eq!(RETRIES.pause(2, None), Some(Duration::from_secs(2)));
        assert_eq!(RETRIES.pause(3, None), Some(Duration::from_secs(4)));
        assert_eq!(RETRIES.pause(4, None), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_limit() {
        assert_eq!(
            RETRIES.pause(1, Some(Duration::from_secs(30))),
            Some(Duration::from_secs(30))
        );
        // Never sooner than the backoff, even if the push service says now.
        assert_eq!(
            RETRIES.pause(3, Some(Duration::ZERO)),
            Some(Duration::from_secs(4))
        );
        assert_eq!(RETRIES.pause(1, Some(Duration::from_secs(61))), None);
    }

    #[test]
    fn backoff_is_capped() {
        let many = Retries {
            max_attempts: 40,
            ..RETRIES
        };
        assert_eq!(many.pause(30, None), Some(Duration::from_secs(60)));
    }
}
