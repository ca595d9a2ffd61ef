//! Extractor settings so that malformed input is always a clear 4xx in the contract's shape.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpResponse, web};

use super::{ApiError, ErrorCode};

/// The largest JSON body any endpoint accepts; every contract request is far smaller.
const MAX_JSON_BYTES: usize = 64 * 1024;

/// Registers JSON, query and path extractor configuration on an app or scope.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(MAX_JSON_BYTES)
            .error_handler(|err, _req| json_error(err).into()),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _req| path_error(err).into()));
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ),
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::new(ErrorCode::PayloadTooLarge, "The body is too large.")
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(
            ErrorCode::InvalidField,
            format!("The body does not fit: {e}."),
        ),
        _ => ApiError::new(ErrorCode::InvalidJson, "The body is not valid JSON."),
    }
}

fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::new(
        ErrorCode::InvalidField,
        format!("The query string is invalid: {err}."),
    )
}

fn path_error(err: PathError) -> ApiError {
    tracing::debug!(error = %err, "unparsable path parameter");
    // A malformed id names nothing that exists.
    ApiError::not_found()
}

/// The default service: unknown routes get the contract's 404 body instead of an empty one.
pub async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::not_found())
}
