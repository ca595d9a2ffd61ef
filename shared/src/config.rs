//! Configuration from environment variables. Every setting has a default that works on a
//! developer's machine with the local Postgres, RabbitMQ and Redis, so `cargo run -p auth`
//! needs nothing; deployments override what differs (see `k8s/`).

use std::str::FromStr;
use std::time::Duration;

/// A setting that was present but could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name} has an invalid value {value:?}: {reason}")]
pub struct ConfigError {
    name: String,
    value: String,
    reason: String,
}

/// Reads `name`, falling back to `default` when it is unset or empty.
pub fn var<T>(name: &str, default: T) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => {
            value.trim().parse().map_err(|e: T::Err| ConfigError {
                name: name.to_owned(),
                value,
                reason: e.to_string(),
            })
        }
        _ => Ok(default),
    }
}

/// Reads a PEM either inline (`NAME`) or from a file (`NAME_FILE`, as Kubernetes Secrets mount).
pub fn pem(name: &str, default: &str) -> Result<String, ConfigError> {
    let file_var = format!("{name}_FILE");
    if let Ok(path) = std::env::var(&file_var)
        && !path.trim().is_empty()
    {
        return std::fs::read_to_string(path.trim()).map_err(|e| ConfigError {
            name: file_var,
            value: path,
            reason: e.to_string(),
        });
    }
    var(name, default.to_owned())
}

/// The settings every service has.
#[derive(Clone, Debug)]
pub struct CommonConfig {
    /// The service's name, used in logs, queue names and the AMQP connection name.
    pub service: &'static str,
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 0 asks the OS for a free one (tests).
    pub port: u16,
    /// This service's own database.
    pub database_url: String,
    /// Upper bound of pooled Postgres connections.
    pub database_pool_size: usize,
    /// RabbitMQ, with its virtual host.
    pub amqp_url: String,
    /// Prefix of every exchange and queue name. Empty in deployments (the public exchange
    /// names are part of the contract); tests set one so that they never see each other.
    pub amqp_namespace: String,
    /// Unacknowledged deliveries a consumer may hold at once.
    pub amqp_prefetch: u16,
    /// Redis.
    pub redis_url: String,
    /// Prefix of every Redis key, for the same reason as `amqp_namespace`.
    pub redis_prefix: String,
    /// Origins allowed to make state-changing requests and open sockets (CSRF, CSWSH).
    pub allowed_origins: Vec<String>,
    /// Whether cookies carry `Secure`; false only for plain-http local development.
    pub cookie_secure: bool,
    /// Public key (PEM, Ed25519) that verifies the `auth` cookie's token.
    pub jwt_public_key_pem: String,
    /// How long start-up waits for Postgres to accept the migrations before giving up.
    pub startup_timeout: Duration,
    /// Identifies this process among replicas (per-node queues, presence).
    pub node_id: String,
    /// HTTP worker threads; one per core by default.
    pub http_workers: usize,
}

const DEV_PUBLIC_KEY: &str = include_str!("../keys/dev-jwt-public.pem");

impl CommonConfig {
    /// Reads the common settings for `service`, whose default port and database name differ.
    pub fn from_env(service: &'static str, default_port: u16) -> Result<Self, ConfigError> {
        let database = format!("gochat_{}", service.replace('-', "_"));
        let origins: String = var(
            "ALLOWED_ORIGINS",
            "http://localhost:8080,http://127.0.0.1:8080".to_owned(),
        )?;
        Ok(Self {
            service,
            host: var("HOST", "127.0.0.1".to_owned())?,
            port: var("PORT", default_port)?,
            database_url: var(
                "DATABASE_URL",
                format!("postgres://postgres@127.0.0.1:5432/{database}"),
            )?,
            database_pool_size: var("DATABASE_POOL_SIZE", 16)?,
            amqp_url: var(
                "AMQP_URL",
                "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned(),
            )?,
            amqp_namespace: var("AMQP_NAMESPACE", String::new())?,
            amqp_prefetch: var("AMQP_PREFETCH", 64)?,
            redis_url: var("REDIS_URL", "redis://127.0.0.1:6379".to_owned())?,
            redis_prefix: var("REDIS_PREFIX", "gochat:".to_owned())?,
            allowed_origins: origins
                .split(',')
                .map(|o| o.trim().trim_end_matches('/').to_owned())
                .filter(|o| !o.is_empty())
                .collect(),
            cookie_secure: var("COOKIE_SECURE", false)?,
            jwt_public_key_pem: pem("JWT_PUBLIC_KEY", DEV_PUBLIC_KEY)?,
            startup_timeout: Duration::from_secs(var("STARTUP_TIMEOUT_SECS", 60)?),
            node_id: var("NODE_ID", default_node_id(service))?,
            http_workers: var(
                "HTTP_WORKERS",
                std::thread::available_parallelism().map_or(2, usize::from),
            )?,
        })
    }

    /// `host:port` to bind.
    pub fn bind_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn default_node_id(service: &str) -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "local".to_owned());
    format!("{service}-{host}-{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_variable_takes_its_default() {
        let port: u16 = var("GOCHAT_TEST_SURELY_UNSET", 8081).unwrap();
        assert_eq!(port, 8081);
    }
}
