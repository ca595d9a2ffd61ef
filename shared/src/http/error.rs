//! The error policy of every service, in one place.
//!
//! Each public error code has exactly one HTTP status, in [`ErrorCode::status`]. A service's own
//! error enum converts into [`ApiError`], which renders the contract's body
//! `{"error": {"code", "message", "fields"?}}`. Anything unexpected becomes an opaque 500 whose
//! cause chain goes to the log and never to the client. A dependency that is down (a pool
//! timeout, a broker outage) is a 503, not a 500.

use std::collections::BTreeMap;
use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// Per-field validation messages, keyed by the request's field name.
pub type FieldErrors = BTreeMap<String, String>;

/// Every error code of the public contract (HTTP bodies and socket `error` frames).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body is not JSON, or not the JSON the endpoint takes.
    InvalidJson,
    /// A field has a value outside its rules; `fields` says which.
    InvalidField,
    /// A socket frame with an unknown `type`.
    UnknownType,
    /// Message content over the limit.
    ContentTooLong,
    /// No valid `auth` cookie, or the session has ended.
    Unauthenticated,
    /// Sign-in with an unknown account or a wrong password (indistinguishable on purpose).
    InvalidCredentials,
    /// A state-changing request or socket from an origin that is not ours.
    ForbiddenOrigin,
    /// The caller may see this but not do it: a role's right, someone else's message, a system
    /// message.
    Forbidden,
    /// Absent, or not the caller's to see.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// Another account already has this username (compared without case).
    UsernameTaken,
    /// Another account already has this email.
    EmailTaken,
    /// A group would grow past its member limit.
    GroupFull,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// A file over the size limit.
    TooLarge,
    /// The caller's stored files would exceed their quota.
    QuotaExceeded,
    /// The body is not `application/json`.
    UnsupportedMediaType,
    /// Too many requests; `Retry-After` says when to try again.
    RateLimited,
    /// A dependency (database, broker, cache) is down; retrying later will work.
    Unavailable,
    /// A bug. The details are in the log, never in the response.
    Internal,
}

impl ErrorCode {
    /// The one HTTP status of each code.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::InvalidJson | Self::InvalidField | Self::UnknownType | Self::ContentTooLong => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::ForbiddenOrigin | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UsernameTaken | Self::EmailTaken | Self::GroupFull => StatusCode::CONFLICT,
            Self::PayloadTooLarge | Self::TooLarge | Self::QuotaExceeded => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::InvalidField => "invalid_field",
            Self::UnknownType => "unknown_type",
            Self::ContentTooLong => "content_too_long",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::ForbiddenOrigin => "forbidden_origin",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UsernameTaken => "username_taken",
            Self::EmailTaken => "email_taken",
            Self::GroupFull => "group_full",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooLarge => "too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    fields: Option<FieldErrors>,
    retry_after_secs: Option<u64>,
}

impl ApiError {
    /// An error with a human sentence for the client.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: None,
            retry_after_secs: None,
        }
    }

    /// A 400 naming each bad field.
    pub fn invalid_fields(fields: FieldErrors) -> Self {
        Self {
            fields: Some(fields),
            ..Self::new(ErrorCode::InvalidField, "Some fields are invalid.")
        }
    }

    /// A 429 telling the client when to come back.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(
                ErrorCode::RateLimited,
                "Too many attempts. Try again later.",
            )
        }
    }

    /// A 401 for a missing, invalid or revoked session.
    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "You are not signed in.")
    }

    /// A 404 that says nothing about whether someone else's object exists.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound, "Not found.")
    }

    /// A 503 for a dependency that is down; logs the cause.
    pub fn unavailable(cause: &dyn fmt::Display) -> Self {
        tracing::warn!(error = %cause, "dependency unavailable");
        Self::new(
            ErrorCode::Unavailable,
            "A service we depend on is unavailable. Try again shortly.",
        )
    }

    /// An opaque 500; the full cause chain goes to the log only.
    pub fn internal(cause: &anyhow::Error) -> Self {
        tracing::error!(error = ?cause, "unexpected error");
        Self::new(ErrorCode::Internal, "Something went wrong on our side.")
    }

    /// The public code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human sentence.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: ErrorCode,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a FieldErrors>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(secs)));
        }
        response.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        response.json(Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                fields: self.fields.as_ref(),
            },
        })
    }
}

impl ApiError {
    /// A pool error: Postgres is down or saturated, a 503.
    pub fn from_pool(e: &deadpool_postgres::PoolError) -> Self {
        Self::unavailable(e)
    }

    /// A closed connection is an outage (503); any other database error is a bug (500).
    pub fn from_postgres(e: &tokio_postgres::Error) -> Self {
        if e.is_closed() || e.code().is_none() {
            Self::unavailable(e)
        } else {
            Self::internal(&anyhow::anyhow!("{e}: {:?}", e.as_db_error()))
        }
    }

    /// Redis is down: a 503.
    pub fn from_redis(e: &redis::RedisError) -> Self {
        Self::unavailable(e)
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        Self::from_pool(&e)
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::from_postgres(&e)
    }
}

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        Self::from_redis(&e)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    #[actix_web::test]
    async fn an_error_renders_the_contract_body() {
        let mut fields = FieldErrors::new();
        fields.insert("username".into(), "Use 3 to 32 characters.".into());
        let response = ApiError::invalid_fields(fields).error_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body = to_bytes(response.into_body()).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid_field", "message": "Some fields are invalid.",
                "fields": {"username": "Use 3 to 32 characters."}}})
        );
    }

    #[test]
    fn a_rate_limit_carries_retry_after() {
        let response = ApiError::rate_limited(30).error_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "30");
    }

    #[test]
    fn codes_serialize_as_their_wire_names() {
        for code in [
            ErrorCode::InvalidJson,
            ErrorCode::UsernameTaken,
            ErrorCode::Unavailable,
        ] {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
