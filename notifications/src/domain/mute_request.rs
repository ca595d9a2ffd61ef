//! The body of `PUT /api/notifications/mutes/{conversationId}`: `{until: RFC 3339 | null}`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::http::FieldErrors;

/// How long a conversation stays muted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MuteRequest {
    /// Muted up to this instant; `None` until unmuted.
    pub until: Option<DateTime<Utc>>,
}

impl MuteRequest {
    /// Reads the JSON body as of `now`: `until` is a time in the future, or `null` (also when
    /// absent) for "until I unmute". Other keys are ignored.
    pub fn parse(body: &Value, now: DateTime<Utc>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(object) = body.as_object() else {
            errors.insert(
                "until".into(),
                "Send an object: {\"until\": \"2030-01-01T00:00:00Z\"} or {\"until\": null}."
                    .into(),
            );
            return Err(errors);
        };
        let until = match object.get("until") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
                Ok(at) if at.with_timezone(&Utc) > now => Some(at.with_timezone(&Utc)),
                Ok(_) => {
                    errors.insert("until".into(), "Send a time in the future.".into());
                    return Err(errors);
                }
                Err(_) => {
                    errors.insert("until".into(), "Send an RFC 3339 time, or null.".into());
                    return Err(errors);
                }
            },
            Some(_) => {
                errors.insert("until".into(), "Send an RFC 3339 time, or null.".into());
                return Err(errors);
            }
        };
        Ok(Self { until })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_future_time_or_null_is_accepted() {
        let now = Utc::now();
        let later = now + TimeDelta::hours(8);
        assert_eq!(
            MuteRequest::parse(&json!({"until": later.to_rfc3339()}), now),
            Ok(MuteRequest {
                until: Some(
                    DateTime::parse_from_rfc3339(&later.to_rfc3339())
                        .unwrap()
                        .with_timezone(&Utc)
                )
            })
        );
        assert_eq!(
            MuteRequest::parse(&json!({"until": null}), now),
            Ok(MuteRequest { until: None })
        );
        assert_eq!(
            MuteRequest::parse(&json!({}), now),
            Ok(MuteRequest { until: None })
        );
    }

    #[test]
    fn a_past_or_malformed_time_is_refused() {
        let now = Utc::now();
        for body in [
            json!({"until": (now - TimeDelta::seconds(1)).to_rfc3339()}),
            json!({"until": "tomorrow"}),
            json!({"until": 12}),
            json!([]),
        ] {
            assert!(
                MuteRequest::parse(&body, now)
                    .unwrap_err()
                    .contains_key("until"),
                "{body}"
            );
        }
    }
}
