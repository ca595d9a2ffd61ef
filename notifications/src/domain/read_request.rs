//! The body of `POST /api/notifications/read`: `{ids: [...]}` or `{all: true}`.

use serde_json::Value;
use shared::http::FieldErrors;
use uuid::Uuid;

use super::NotificationId;

/// Which of the caller's notifications to mark read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadRequest {
    /// These (ids that are not the caller's are ignored). May be empty, which marks nothing.
    Ids(Vec<NotificationId>),
    /// Every unread one.
    All,
}

impl ReadRequest {
    /// The most ids one request may name.
    pub const MAX_IDS: usize = 500;

    /// Reads the JSON body. Exactly one of `ids` (an array of at most [`Self::MAX_IDS`]
    /// notification ids) and `all` (which must be `true`) is required; other keys are ignored.
    pub fn parse(body: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(object) = body.as_object() else {
            errors.insert(
                "ids".into(),
                "Send an object: {\"ids\": [...]} or {\"all\": true}.".into(),
            );
            return Err(errors);
        };
        match (object.get("ids"), object.get("all")) {
            (None, None) => {
                errors.insert(
                    "ids".into(),
                    "Send the ids to mark read, or \"all\": true.".into(),
                );
                Err(errors)
            }
            (Some(_), Some(_)) => {
                errors.insert(
                    "all".into(),
                    "Send either ids or \"all\": true, not both.".into(),
                );
                Err(errors)
            }
            (None, Some(all)) => {
                if all == &Value::Bool(true) {
                    Ok(Self::All)
                } else {
                    errors.insert("all".into(), "Only true is accepted.".into());
                    Err(errors)
                }
            }
            (Some(ids), None) => match parse_ids(ids) {
                Ok(ids) => Ok(Self::Ids(ids)),
                Err(message) => {
                    errors.insert("ids".into(), message);
                    Err(errors)
                }
            },
        }
    }
}

fn parse_ids(value: &Value) -> Result<Vec<NotificationId>, String> {
    let Some(values) = value.as_array() else {
        return Err("Send an array of notification ids.".into());
    };
    if values.len() > ReadRequest::MAX_IDS {
        return Err(format!(
            "Send at most {} ids at a time.",
            ReadRequest::MAX_IDS
        ));
    }
    values
        .iter()
        .map(|value| {
            value
                .as_str()
                .and_then(|s| Uuid::parse_str(s).ok())
                .map(NotificationId::from)
                .ok_or_else(|| "Every id must be a notification id (a UUID).".to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn ids_or_all_are_accepted() {
        let id = NotificationId::new();
        assert_eq!(
            ReadRequest::parse(&json!({"ids": [id.to_string()]})),
            Ok(ReadRequest::Ids(vec![id]))
        );
        assert_eq!(
            ReadRequest::parse(&json!({"ids": []})),
            Ok(ReadRequest::Ids(vec![]))
        );
        assert_eq!(
            ReadRequest::parse(&json!({"all": true, "extra": 1})),
            Ok(ReadRequest::All)
        );
        let most: Vec<_> = (0..ReadRequest::MAX_IDS)
            .map(|_| NotificationId::new().to_string())
            .collect();
        assert!(ReadRequest::parse(&json!({ "ids": most })).is_ok());
    }

    #[test]
    fn anything_else_is_refused_naming_the_field() {
        let too_many: Vec<_> = (0..=ReadRequest::MAX_IDS)
            .map(|_| NotificationId::new().to_string())
            .collect();
        let cases = [
            (json!({}), "ids"),
            (json!({"ids": [], "all": true}), "all"),
            (json!({"ids": "not-an-array"}), "ids"),
            (json!({"ids": null}), "ids"),
            (json!({"ids": ["not-a-uuid"]}), "ids"),
            (json!({"ids": [42]}), "ids"),
            (json!({ "ids": too_many }), "ids"),
            (json!({"all": false}), "all"),
            (json!({"all": "true"}), "all"),
            (json!([]), "ids"),
            (json!("all"), "ids"),
        ];
        for (body, field) in cases {
            let errors = ReadRequest::parse(&body).unwrap_err();
            assert!(errors.contains_key(field), "{body}: {errors:?}");
        }
    }
}
