//! auth's errors. Each renders the contract's error body through `shared::http::ApiError`:
//! a failing dependency is a 503, anything unexpected an opaque 500 with the cause in the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use shared::http::{ApiError, ErrorCode, FieldErrors};

/// Everything that can go wrong in auth.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Fields that break the rules.
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    /// Another account has this username, compared without case.
    #[error("username taken")]
    UsernameTaken,
    /// Another account has this email.
    #[error("email taken")]
    EmailTaken,
    /// Unknown account or wrong password; deliberately the same answer for both.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed sign-ins.
    #[error("throttled for {retry_after_secs}s")]
    Throttled {
        /// When to come back.
        retry_after_secs: u64,
    },
    /// No valid session.
    #[error("not signed in")]
    Unauthenticated,
    /// Postgres.
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
    /// The pool (a timeout means Postgres is down or saturated).
    #[error(transparent)]
    Pool(#[from] deadpool_postgres::PoolError),
    /// Redis.
    #[error(transparent)]
    Cache(#[from] redis::RedisError),
    /// A bug.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AuthError {
    /// The public error this becomes.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::Invalid(fields) => ApiError::invalid_fields(fields.clone()),
            Self::UsernameTaken => {
                ApiError::new(ErrorCode::UsernameTaken, "That username is taken.")
            }
            Self::EmailTaken => ApiError::new(
                ErrorCode::EmailTaken,
                "An account with that email already exists.",
            ),
            Self::InvalidCredentials => ApiError::new(
                ErrorCode::InvalidCredentials,
                "Wrong email, username or password.",
            ),
            Self::Throttled { retry_after_secs } => ApiError::rate_limited(*retry_after_secs),
            Self::Unauthenticated => ApiError::unauthenticated(),
            Self::Database(e) => ApiError::from_postgres(e),
            Self::Pool(e) => ApiError::from_pool(e),
            Self::Cache(e) => ApiError::from_redis(e),
            Self::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        self.to_api_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.to_api_error().error_response()
    }
}

impl From<ApiError> for AuthError {
    /// Errors from shared helpers (the session check) keep their public meaning.
    fn from(e: ApiError) -> Self {
        match e.code() {
            ErrorCode::Unauthenticated => Self::Unauthenticated,
            _ => Self::Unexpected(anyhow::anyhow!("{e}")),
        }
    }
}
