//! The body of `POST /api/notifications/push/subscriptions`: `{endpoint, keys: {p256dh, auth}}`,
//! as `PushSubscription.toJSON()` gives it in the browser.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use shared::http::FieldErrors;
use web_push_native::p256::PublicKey;

use super::endpoint::{EndpointPolicy, PushEndpoint};

/// The length of the `auth` secret (RFC 8291 section 3.2).
const AUTH_BYTES: usize = 16;

/// The keys a browser made for one subscription, which encrypt what is sent to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionKeys {
    /// The user agent's P-256 public key, uncompressed (65 bytes), checked to be on the curve.
    pub p256dh: Vec<u8>,
    /// The shared authentication secret.
    pub auth: Vec<u8>,
}

/// A subscription as asked for, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionRequest {
    /// Where pushes go.
    pub endpoint: PushEndpoint,
    /// How they are encrypted.
    pub keys: SubscriptionKeys,
}

impl SubscriptionRequest {
    /// Reads the JSON body; every bad field is named. Other keys (`expirationTime`) are ignored.
    pub fn parse(body: &Value, policy: &EndpointPolicy) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let endpoint = match body.get("endpoint").and_then(Value::as_str) {
            Some(raw) => PushEndpoint::parse(raw, policy)
                .map_err(|message| errors.insert("endpoint".into(), message))
                .ok(),
            None => {
                errors.insert(
                    "endpoint".into(),
                    "Send the subscription's endpoint.".into(),
                );
                None
            }
        };
        let keys = body.get("keys");
        let p256dh = key(keys, "p256dh")
            .and_then(|bytes| {
                PublicKey::from_sec1_bytes(&bytes)
                    .ok()
                    .filter(|_| bytes.len() == 65)
                    .map(|_| bytes)
            })
            .ok_or_else(|| {
                errors.insert(
                    "keys.p256dh".into(),
                    "Send the subscription's P-256 public key, uncompressed, in base64url.".into(),
                )
            })
            .ok();
        let auth = key(keys, "auth")
            .filter(|bytes| bytes.len() == AUTH_BYTES)
            .ok_or_else(|| {
                errors.insert(
                    "keys.auth".into(),
                    "Send the subscription's 16-byte auth secret in base64url.".into(),
                )
            })
            .ok();
        match (endpoint, p256dh, auth) {
            (Some(endpoint), Some(p256dh), Some(auth)) if errors.is_empty() => Ok(Self {
                endpoint,
                keys: SubscriptionKeys { p256dh, auth },
            }),
            _ => Err(errors),
        }
    }
}

/// `keys[name]` decoded from base64url (padding tolerated).
fn key(keys: Option<&Value>, name: &str) -> Option<Vec<u8>> {
    let text = keys?.get(name)?.as_str()?;
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::endpoint::DEFAULT_ENDPOINT_HOSTS;

    const P256DH: &str =
        "BLn9b-VR0ca83knDNZ32dCHGyjJp-1riX9ZTN40MqV8K_LpQmLqxC_DoHvqvFXO_nGdAB4W9dogZb_sM-uV4JbY";
    const AUTH: &str = "_ordMnz7uTCmrpBTeUV4Bw";

    fn policy() -> EndpointPolicy {
        EndpointPolicy::from_list(DEFAULT_ENDPOINT_HOSTS, false).unwrap()
    }

    #[test]
    fn a_browser_subscription_is_accepted() {
        let body = json!({
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "expirationTime": null,
            "keys": {"p256dh": P256DH, "auth": format!("{AUTH}==")}
        });
        let request = SubscriptionRequest::parse(&body, &policy()).unwrap();
        assert_eq!(
            request.endpoint.as_str(),
            "https://fcm.googleapis.com/fcm/send/abc"
        );
        assert_eq!(request.keys.p256dh.len(), 65);
        assert_eq!(request.keys.auth.len(), 16);
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = SubscriptionRequest::parse(
            &json!({"endpoint": "http://evil/", "keys": {"p256dh": "AAAA", "auth": "short"}}),
            &policy(),
        )
        .unwrap_err();
        let named: Vec<_> = errors.keys().cloned().collect();
        assert_eq!(named, ["endpoint", "keys.auth", "keys.p256dh"]);
        let errors = SubscriptionRequest::parse(&json!([1]), &policy()).unwrap_err();
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn a_point_off_the_curve_is_refused() {
        let mut bytes = URL_SAFE_NO_PAD.decode(P256DH).unwrap();
        bytes[64] ^= 1;
        let body = json!({
            "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
            "keys": {"p256dh": URL_SAFE_NO_PAD.encode(bytes), "auth": AUTH}
        });
        let errors = SubscriptionRequest::parse(&body, &policy()).unwrap_err();
        assert!(errors.contains_key("keys.p256dh"));
    }
}
