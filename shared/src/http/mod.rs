//! HTTP pieces every service uses: the contract's error body, extractor configuration that
//! turns malformed input into 4xx, the origin (CSRF) guard, and health/readiness routes.

pub mod cursor;
mod error;
mod extractors;
mod health;
mod origin;
mod page_size;

pub use error::{ApiError, ErrorCode, FieldErrors};
pub use extractors::{configure_extractors, not_found};
pub use health::{Readiness, configure_health, openapi, version};
pub use origin::{AllowedOrigins, reject_foreign_origin};
pub use page_size::PageSize;
