//! messages' errors. Each renders the contract's error body through `shared::http::ApiError`:
//! a failing dependency is a 503, anything unexpected an opaque 500 with the cause in the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use shared::http::{ApiError, ErrorCode, FieldErrors};

/// Everything that can go wrong in messages' HTTP routes.
#[derive(Debug, thiserror::Error)]
pub enum MessagesError {
    /// Query parameters that break the rules.
    #[error("invalid fields: {0:?}")]
    Invalid(FieldErrors),
    /// Absent, or not the caller's: the same answer, so nobody learns what others have.
    #[error("not found")]
    NotFound,
    /// A member without the right (the sentence says which).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The group would grow past its member limit.
    #[error("the group is full")]
    GroupFull,
    /// A group-only route called on a direct conversation.
    #[error("not a group")]
    NotAGroup,
    /// An upload over `ATTACHMENT_MAX_BYTES`.
    #[error("the file is too large")]
    TooLarge(u64),
    /// An upload that would take the uploader past `ATTACHMENT_QUOTA_BYTES`.
    #[error("the upload quota is used up")]
    QuotaExceeded,
    /// Over the caller's allowance for a costly route; one more is possible after this long.
    #[error("rate limited")]
    RateLimited(std::time::Duration),
    /// The object store failed (or is unreachable): a 503, the cause in the log.
    #[error("object store: {0}")]
    Storage(#[from] object_store::Error),
    /// The spool disk failed: an opaque 500.
    #[error("spooling the upload: {0}")]
    Spool(#[from] std::io::Error),
    /// Postgres.
    #[error(transparent)]
    Database(#[from] tokio_postgres::Error),
    /// The pool.
    #[error(transparent)]
    Pool(#[from] deadpool_postgres::PoolError),
}

impl MessagesError {
    /// The public error this becomes.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            Self::Invalid(fields) => ApiError::invalid_fields(fields.clone()),
            Self::NotFound => ApiError::not_found(),
            Self::Forbidden(why) => ApiError::new(ErrorCode::Forbidden, *why),
            Self::GroupFull => ApiError::new(
                ErrorCode::GroupFull,
                "The group would have more members than its limit.",
            ),
            Self::NotAGroup => ApiError::new(
                ErrorCode::InvalidField,
                "This is a direct conversation: only groups have a name, a topic and members to manage.",
            ),
            Self::TooLarge(max) => ApiError::new(
                ErrorCode::TooLarge,
                format!("Files are at most {} MiB.", max / (1024 * 1024)),
            ),
            Self::QuotaExceeded => ApiError::new(
                ErrorCode::QuotaExceeded,
                "Your files use up your storage quota: delete some messages with files first.",
            ),
            Self::RateLimited(wait) => ApiError::rate_limited(wait.as_secs_f64().ceil() as u64),
            Self::Storage(e) => {
                tracing::error!(error = %e, "object store failed");
                ApiError::new(
                    ErrorCode::Unavailable,
                    "File storage is unavailable; try again shortly.",
                )
            }
            Self::Spool(e) => {
                tracing::error!(error = %e, "spooling an upload failed");
                ApiError::new(ErrorCode::Internal, "Something went wrong.")
            }
            Self::Database(e) => ApiError::from_postgres(e),
            Self::Pool(e) => ApiError::from_pool(e),
        }
    }

    /// A single invalid field.
    pub fn field(name: &str, message: &str) -> Self {
        let mut fields = FieldErrors::new();
        fields.insert(name.to_owned(), message.to_owned());
        Self::Invalid(fields)
    }
}

impl ResponseError for MessagesError {
    fn status_code(&self) -> StatusCode {
        self.to_api_error().status_code()
    }

    fn error_response(&self) -> HttpResponse {
        self.to_api_error().error_response()
    }
}
