//! The error policy of users, in one type.
//!
//! Every failure of a request or a consumer is a [`UsersError`]. Towards HTTP it becomes a
//! [`shared::http::ApiError`], which owns the one table of codes and statuses: bad query
//! parameters are 400 `invalid_field` naming each field, an unknown user is 404, an unreachable
//! database is 503, and anything else is an opaque 500 whose cause goes to the log only. Towards
//! the broker it becomes a [`shared::amqp::HandleError`]: an integrity violation can never
//! succeed and is dead-lettered at once; every other database error is retried.
//!
//! Redis never appears here: the cache is an optimisation, and its failures are logged and
//! bypassed where they happen (see [`crate::cache`]).

use shared::amqp::HandleError;
use shared::http::{ApiError, FieldErrors};

/// Why users could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// Query parameters outside their rules; the map says which and why.
    #[error("invalid request parameters: {0:?}")]
    InvalidFields(FieldErrors),
    /// No such user (or an id that is not one).
    #[error("no such user")]
    NotFound,
    /// No database connection could be had (the pool timed out, or Postgres refused).
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A statement failed: a lost connection (503) or a bug (500).
    #[error("database: {0}")]
    Database(#[from] tokio_postgres::Error),
    /// Something that should not happen, such as a row that breaks the schema's own rules.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<UsersError> for ApiError {
    fn from(error: UsersError) -> Self {
        match error {
            UsersError::InvalidFields(fields) => ApiError::invalid_fields(fields),
            UsersError::NotFound => ApiError::not_found(),
            // Pool timeouts and refused connections are outages: 503.
            UsersError::Pool(e) => e.into(),
            // A closed connection is an outage (503); any other statement error is a bug (500).
            UsersError::Database(e) => e.into(),
            UsersError::Unexpected(e) => ApiError::internal(&e),
        }
    }
}

impl From<UsersError> for HandleError {
    fn from(error: UsersError) -> Self {
        match error {
            // Whether a retry can help is the one policy of every consumer (a second account
            // with the same username, a constraint violation, fails the same way every time).
            UsersError::Database(_) | UsersError::Pool(_) => HandleError::classify(error),
            UsersError::Unexpected(_) | UsersError::InvalidFields(_) | UsersError::NotFound => {
                HandleError::Permanent(error.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError as _;
    use actix_web::http::StatusCode;
    use shared::http::ErrorCode;

    use super::*;

    #[test]
    fn each_error_has_its_status() {
        let mut fields = FieldErrors::new();
        fields.insert("limit".into(), "Use a whole number from 1 to 100.".into());
        let invalid = ApiError::from(UsersError::InvalidFields(fields));
        assert_eq!(invalid.code(), ErrorCode::InvalidField);
        assert_eq!(invalid.status_code(), StatusCode::BAD_REQUEST);

        let missing = ApiError::from(UsersError::NotFound);
        assert_eq!(missing.status_code(), StatusCode::NOT_FOUND);

        let timeout = ApiError::from(UsersError::Pool(deadpool_postgres::PoolError::Timeout(
            deadpool_postgres::TimeoutType::Wait,
        )));
        assert_eq!(timeout.status_code(), StatusCode::SERVICE_UNAVAILABLE);

        let bug = ApiError::from(UsersError::Unexpected(anyhow::anyhow!("secret detail")));
        assert_eq!(bug.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!bug.message().contains("secret"));
    }

    #[test]
    fn an_outage_is_retried_and_a_broken_invariant_is_not() {
        let outage = HandleError::from(UsersError::Pool(deadpool_postgres::PoolError::Timeout(
            deadpool_postgres::TimeoutType::Create,
        )));
        assert!(matches!(outage, HandleError::Transient(_)));
        let bug = HandleError::from(UsersError::Unexpected(anyhow::anyhow!("bad row")));
        assert!(matches!(bug, HandleError::Permanent(_)));
    }
}
