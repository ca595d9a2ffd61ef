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
