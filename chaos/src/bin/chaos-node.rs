//! Runs one GoChat service, named by the first argument, in a process of its own, so that the
//! fault-injection tests (`tests/faults`) can `kill -9` it and start it again. It is the
//! service's own `main`: configuration from the same environment variables, then
//! `Service::build` and `run_until_stopped` (`shared::service::run`). Two test-only additions:
//!
//! - `CHAOS_PRESENCE_TTL_MS`, `CHAOS_PRESENCE_HEARTBEAT_MS`, `CHAOS_PRESENCE_SWEEP_MS` shorten
//!   the presence timing of socket-handler and notifications (not settable from the
//!   environment in production), so that a killed node's sockets lapse within seconds;
//! - the process exits when its parent (the test) has gone, so that a test killed from outside
//!   leaves no service behind.

use std::time::Duration;

use shared::service::ServiceConfig;
use shared::socket::PresenceTiming;

fn main() -> anyhow::Result<()> {
    let service = std::env::args().nth(1).unwrap_or_default();
    let name: &'static str = match service.as_str() {
        "auth" => "auth",
        "users" => "users",
        "socket-handler" => "socket-handler",
        "messages" => "messages",
        "notifications" => "notifications",
        other => anyhow::bail!(
            "usage: chaos-node auth|users|socket-handler|messages|notifications (got {other:?})"
        ),
    };
    exit_with_parent();
    shared::telemetry::init(name);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(name))
}

async fn run(service: &str) -> anyhow::Result<()> {
    match service {
        "auth" => shared::service::run::<auth::startup::Auth>(from_env()?).await,
        "users" => shared::service::run::<users::startup::Users>(from_env()?).await,
        "socket-handler" => {
            let mut config: socket_handler::config::Config = from_env()?;
            config.presence = presence_timing(config.presence)?;
            shared::service::run::<socket_handler::startup::SocketHandler>(config).await
        }
        "messages" => shared::service::run::<messages::startup::Messages>(from_env()?).await,
        _ => {
            let mut config: notifications::config::Config = from_env()?;
            config.presence = presence_timing(config.presence)?;
            shared::service::run::<notifications::startup::Notifications>(config).await
        }
    }
}

fn from_env<C: ServiceConfig>() -> anyhow::Result<C> {
    Ok(C::from_env()?)
}

fn presence_timing(default: PresenceTiming) -> anyhow::Result<PresenceTiming> {
    let millis = |name: &str, default: Duration| -> anyhow::Result<Duration> {
        let ms = shared::config::var(name, default.as_millis() as u64)?;
        Ok(Duration::from_millis(ms))
    };
    Ok(PresenceTiming {
        ttl: millis("CHAOS_PRESENCE_TTL_MS", default.ttl)?,
        heartbeat: millis("CHAOS_PRESENCE_HEARTBEAT_MS", default.heartbeat)?,
        sweep: millis("CHAOS_PRESENCE_SWEEP_MS", default.sweep)?,
    })
}

/// Exits as soon as the parent process is gone (the child is then adopted by another process).
fn exit_with_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(70);
            }
        }
    });
}
