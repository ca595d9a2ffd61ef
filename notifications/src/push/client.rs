//! One Web Push request (RFC 8030) to one subscription, and what its answer means.
//!
//! The body is encrypted for the subscription (`aes128gcm`, RFC 8291) and the request signed
//! with our VAPID key (RFC 8292), both by `web-push-native`; the request goes out through
//! `reqwest` with rustls, the [`CheckedResolver`] (so only global addresses are reached, and
//! only the ones checked), no proxy, no redirects, and timeouts. The endpoint is checked
//! against the policy again before every send, so narrowing `PUSH_ENDPOINT_HOSTS` takes effect
//! for subscriptions made earlier too.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Host;
use web_push_native::Auth;
use web_push_native::p256::PublicKey;

use super::address::is_global;
use super::config::PushConfig;
use super::payload::{PushMessage, TTL, URGENCY};
use super::resolver::{CheckedResolver, RefusedAddress};
use super::vapid::VapidKey;
use crate::domain::{EndpointPolicy, PushEndpoint};

/// Where one push goes: a stored subscription.
#[derive(Clone, Debug)]
pub struct Target {
    /// The push resource, as stored.
    pub endpoint: String,
    /// The subscription's public key (65 bytes).
    pub p256dh: Vec<u8>,
    /// Its auth secret (16 bytes).
    pub auth: Vec<u8>,
}

/// What became of one attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The push service took it (201, or another 2xx).
    Delivered,
    /// The subscription no longer exists (404 or 410): delete it.
    Gone,
    /// Worth another try: 429, a 5xx, a timeout or a failed connection; `after` is the
    /// push service's `Retry-After`, if it gave one.
    Retry {
        /// When to try again at the earliest.
        after: Option<Duration>,
        /// What happened, for the log.
        reason: String,
    },
    /// Refused by the push service for good (another 4xx, or a redirect, which is not
    /// followed).
    Rejected(String),
    /// Never sent: the endpoint or its address is outside the SSRF policy.
    Refused(String),
}

/// Sends pushes; one per process, cheap to share.
pub struct PushClient {
    http: reqwest::Client,
    vapid: VapidKey,
    subject: String,
    policy: Arc<EndpointPolicy>,
}

impl PushClient {
    /// From the push settings, signing with `vapid`.
    pub fn new(config: &PushConfig, vapid: VapidKey) -> anyhow::Result<Self> {
        let resolver = CheckedResolver::new(
            config.lookup.clone(),
            config.policy.allow_insecure_localhost,
        );
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls()?)
            .dns_resolver(Arc::new(resolver))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("gochat-notifications/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            vapid,
            subject: config.subject.clone(),
            policy: Arc::new(config.policy.clone()),
        })
    }

    /// One attempt to send `message` to `target`.
    pub async fn send(&self, target: &Target, message: &PushMessage) -> Attempt {
        let endpoint = match PushEndpoint::parse(&target.endpoint, &self.policy) {
            Ok(endpoint) => endpoint,
            Err(reason) => return Attempt::Refused(reason),
        };
        if let Some(refused) = refused_literal(&endpoint) {
            return Attempt::Refused(refused);
        }
        let request = match self.request(&endpoint, target, message) {
            Ok(request) => request,
            // A key that passed the checks on subscribe and still cannot encrypt will never.
            Err(reason) => return Attempt::Rejected(reason),
        };
        match request.send().await {
            Ok(response) => classify(response.status(), response.headers(), Utc::now()),
            Err(error) => match refused_address(&error) {
                Some(refused) => Attempt::Refused(refused.to_string()),
                None => Attempt::Retry {
                    after: None,
                    reason: error_chain(&error),
                },
            },
        }
    }

    fn request(
        &self,
        endpoint: &PushEndpoint,
        target: &Target,
        message: &PushMessage,
    ) -> Result<reqwest::RequestBuilder, String> {
        let public = PublicKey::from_sec1_bytes(&target.p256dh).map_err(|e| e.to_string())?;
        if target.auth.len() != 16 {
            return Err("the auth secret is not 16 bytes".into());
        }
        let mut auth = Auth::default();
        auth.copy_from_slice(&target.auth);
        let body = web_push_native::encrypt(message.body.clone(), &public, &auth)
            .map_err(|e| e.to_string())?;
        let authorization = self
            .vapid
            .authorization(&endpoint.origin(), &self.subject)?;
        Ok(self
            .http
            .post(endpoint.url().clone())
            .header("TTL", TTL.as_secs())
            .header("Urgency", URGENCY)
            .header("Topic", &message.topic)
            .header(header::CONTENT_ENCODING, "aes128gcm")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::AUTHORIZATION, authorization)
            .body(body))
    }
}

/// rustls with ring and Mozilla's root certificates, independent of the host's store; HTTP/1.1,
/// which every browser's push service speaks (the client is built without HTTP/2).
fn tls() -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// An IP-literal host is connected to as it is, without the resolver: it must pass the same
/// address check (only the development stand-in's loopback is let through, by the policy).
fn refused_literal(endpoint: &PushEndpoint) -> Option<String> {
    let ip = match endpoint.url().host()? {
        Host::Ipv4(ip) => std::net::IpAddr::V4(ip),
        Host::Ipv6(ip) => std::net::IpAddr::V6(ip),
        Host::Domain(_) => return None,
    };
    let allowed = is_global(ip) || (endpoint.is_local_standin() && ip.is_loopback());
    (!allowed).then(|| format!("{ip} is not a global address"))
}

/// What an answer means (RFC 8030 section 6, and what push services do in practice).
pub fn classify(status: StatusCode, headers: &HeaderMap, now: DateTime<Utc>) -> Attempt {
    match status {
        s if s.is_success() => Attempt::Delivered,
        StatusCode::NOT_FOUND | StatusCode::GONE => Attempt::Gone,
        s if s == StatusCode::TOO_MANY_REQUESTS || s.is_server_error() => Attempt::Retry {
            after: retry_after(headers, now),
            reason: format!("the push service answered {s}"),
        },
        s if s.is_redirection() => Attempt::Rejected(format!(
            "the push service answered {s}; redirects are not followed"
        )),
        s => Attempt::Rejected(format!("the push service answered {s}")),
    }
}

/// `Retry-After` as seconds or as an HTTP date; a date in the past means now.
fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

fn refused_address(error: &reqwest::Error) -> Option<&RefusedAddress> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<RefusedAddress>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn answer(status: u16, retry_after: Option<&str>) -> Attempt {
        let mut headers = HeaderMap::new();
        if let Some(value) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        }
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        classify(StatusCode::from_u16(status).unwrap(), &headers, now)
    }

    #[test]
    fn answers_are_classified() {
        assert_eq!(answer(201, None), Attempt::Delivered);
        assert_eq!(answer(404, None), Attempt::Gone);
        assert_eq!(answer(410, None), Attempt::Gone);
        assert!(matches!(answer(413, None), Attempt::Rejected(_)));
        assert!(matches!(answer(400, None), Attempt::Rejected(_)));
        assert!(matches!(answer(301, None), Attempt::Rejected(_)));
        assert!(matches!(
            answer(500, None),
            Attempt::Retry { after: None, .. }
        ));
        assert!(matches!(
            answer(503, Some("7")),
            Attempt::Retry { after: Some(d), .. } if d == Duration::from_secs(7)
        ));
    }

    #[test]
    fn retry_after_may_be_a_date() {
        assert!(matches!(
            answer(429, Some("Thu, 01 Jan 2026 00:01:30 GMT")),
            Attempt::Retry { after: Some(d), .. } if d == Duration::from_secs(90)
        ));
        assert!(matches!(
            answer(429, Some("Wed, 31 Dec 2025 00:00:00 GMT")),
            Attempt::Retry { after: Some(d), .. } if d == Duration::ZERO
        ));
        assert!(matches!(
            answer(429, Some("soon")),
            Attempt::Retry { after: None, .. }
        ));
    }
}
