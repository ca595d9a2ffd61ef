//! Tracing set-up: human-readable logs by default, JSON lines when `LOG_FORMAT=json`.

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber. The filter comes from `RUST_LOG` (default `info`).
/// Calling it twice is harmless, which lets every test call it.
pub fn init(service: &'static str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(fmt::layer().json().with_current_span(true))
            .try_init()
    } else {
        registry.with(fmt::layer().with_target(false)).try_init()
    };
    if result.is_ok() {
        tracing::debug!(service, "tracing initialised");
    }
}

/// For integration tests: logs only when `TEST_LOG` is set, so parallel tests stay quiet.
pub fn init_for_tests() {
    if std::env::var_os("TEST_LOG").is_some() {
        init("test");
    }
}

/// Whether the per-hop trace of the chat path is on (`RUST_LOG=info,hop=debug`). Callers check
/// it before building the ids they would log, so that the trace costs one check when off.
pub fn hop_enabled() -> bool {
    tracing::enabled!(target: "hop", tracing::Level::DEBUG)
}

/// One line of the per-hop trace: `hop <stage> <unix time in µs> <ids>`, where the ids are
/// those of the commands or outbox rows the stage handled (comma-separated). Every service of
/// one machine shares the clock, so `scripts/hop-trace.py` joins the lines of a bench run into
/// the time each hop took (docs/profiling.md, "One message, hop by hop").
pub fn hop(stage: &str, ids: &str) {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros());
    tracing::debug!(target: "hop", "hop {stage} {micros} {ids}");
}

/// `ids` comma-separated, for [`hop`].
pub fn hop_ids<T: std::fmt::Display>(ids: impl IntoIterator<Item = T>) -> String {
    use std::fmt::Write as _;
    let mut joined = String::new();
    for id in ids {
        if !joined.is_empty() {
            joined.push(',');
        }
        let _ = write!(joined, "{id}");
    }
    joined
}
