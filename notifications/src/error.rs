//! The error policy of notifications, in one type.
//!
//! Every failure of a request or a consumer is a [`NotificationsError`]. Towards HTTP it
//! becomes a [`shared::http::ApiError`] (which owns the one table of codes and statuses) through
//! [`NotificationsError::to_api_error`]: bad input is 400 `invalid_field` naming each field, an
//! unreachable database or broker is 503, and anything else an opaque 500 whose cause goes to
//! the log only. Towards the broker it becomes a [`shared::amqp::HandleError`]: database and
//! broker failures are retried (and dead-lettered past the delivery limit); a bug is
//! dead-lettered at once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use shared::amqp::HandleError;
use shared::http::{ApiError, ErrorCode, FieldErrors};

/// Why notifications could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum NotificationsError {
    /// Request parameters or body outside their rules; the map says which and why.
    #[error("invalid request: {0:?}")]
    InvalidFields(FieldErrors),
    /// The caller already has as many of something (push subscriptions, mutes) as allowed;
    /// the sentence says which limit.
    #[error("quota reached: {0}")]
    QuotaExceeded(String),
    /// Not the caller's, or not there: the same answer either way.
    #[error("not found")]
    NotFound,
    /// The caller's session ended while the request was on its way.
    #[error("the session has ended")]
    SessionEnded,
    /// No database connection could be had (the pool timed out, or Postgres refused).
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed: a lost connection (503) or a bug (500).
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// The broker did not take a live delivery in time.
    #[error("broker: {0}")]
    Broker(String),
    /// Something that should not happen, such as a row that breaks the schema's own rules.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl NotificationsError {
    /// The public error this becomes.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::InvalidFields(fields) => ApiError::invalid_fields(fields.clone()),
            // A limit on what one user may keep (contract v2: 413 `quota_exceeded`).
            Self::QuotaExceeded(message) => ApiError::new(ErrorCode::QuotaExceeded, message),
            Self::NotFound => ApiError::not_found(),
            Self::SessionEnded => ApiError::unauthenticated(),
            // Pool timeouts and refused connections are outages: 503.
            Self::Pool(e) => ApiError::from_pool(e),
            // A closed connection is an outage (503); any other statement error is a bug (500).
            Self::Database(e) => ApiError::from_postgres(e),
            Self::Broker(e) => ApiError::unavailable(e),
            Self::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl ResponseError for NotificationsError {
    fn status_code(&self) -> StatusCode {
        self.to_api_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.to_api_error().error_response()
    }
}

impl From<NotificationsError> for HandleError {
    fn from(error: NotificationsError) -> Self {
        match error {
            // Whether a retry can help is the one policy of every consumer.
            NotificationsError::Pool(_)
            | NotificationsError::Database(_)
            | NotificationsError::Broker(_) => HandleError::classify(error),
            NotificationsError::InvalidFields(_)
            | NotificationsError::QuotaExceeded(_)
            | NotificationsError::NotFound
            | NotificationsError::SessionEnded
            | NotificationsError::Unexpected(_) => HandleError::Permanent(error.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_its_status() {
        let mut fields = FieldErrors::new();
        fields.insert("limit".into(), "Use a whole number from 1 to 100.".into());
        let invalid = NotificationsError::InvalidFields(fields);
        assert_eq!(invalid.to_api_error().code(), ErrorCode::InvalidField);
        assert_eq!(invalid.status_code(), StatusCode::BAD_REQUEST);

        let timeout = NotificationsError::Pool(deadpool_postgres::PoolError::Timeout(
            deadpool_postgres::TimeoutType::Wait,
        ));
        assert_eq!(timeout.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            NotificationsError::Broker("down".into()).status_code(),
            StatusCode::SERVICE_UNAVAILABLE
        );

        let quota = NotificationsError::QuotaExceeded("You have 20.".into());
        assert_eq!(quota.to_api_error().code(), ErrorCode::QuotaExceeded);
        assert_eq!(quota.status_code(), StatusCode::PAYLOAD_TOO_LARGE);

        let bug = NotificationsError::Unexpected(anyhow::anyhow!("secret detail"));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!bug.to_api_error().message().contains("secret"));
    }

    #[test]
    fn outages_are_retried_and_bugs_are_not() {
        let outage = HandleError::from(NotificationsError::Pool(
            deadpool_postgres::PoolError::Timeout(deadpool_postgres::TimeoutType::Create),
        ));
        assert!(matches!(outage, HandleError::Transient(_)));
        let broker = HandleError::from(NotificationsError::Broker("no confirm".into()));
        assert!(matches!(broker, HandleError::Transient(_)));
        let bug = HandleError::from(NotificationsError::Unexpected(anyhow::anyhow!("bad row")));
        assert!(matches!(bug, HandleError::Permanent(_)));
    }
}
