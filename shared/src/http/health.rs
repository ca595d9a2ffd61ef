//! `GET /healthz` (the process answers) and `GET /readyz` (its Postgres, RabbitMQ and Redis
//! are reachable), for probes and `make up`. Neither is routed through the gateway.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::amqp::AmqpClient;
use crate::cache::Cache;

/// What readiness checks. Registered as `web::Data<Readiness>`.
#[derive(Clone)]
pub struct Readiness {
    /// The service's own database.
    pub db: deadpool_postgres::Pool,
    /// The broker connection.
    pub amqp: AmqpClient,
    /// Redis.
    pub cache: Cache,
}

/// A dependency that takes longer than this is reported down: probes must answer quickly.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

impl Readiness {
    async fn postgres_ok(&self) -> bool {
        let check = async {
            let client = self.db.get().await.ok()?;
            client.simple_query("SELECT 1").await.ok()
        };
        matches!(
            tokio::time::timeout(CHECK_TIMEOUT, check).await,
            Ok(Some(_))
        )
    }

    async fn redis_ok(&self) -> bool {
        matches!(
            tokio::time::timeout(CHECK_TIMEOUT, self.cache.ping()).await,
            Ok(true)
        )
    }
}

/// Registers the two probe routes.
pub fn configure_health(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let (postgres, redis) = tokio::join!(readiness.postgres_ok(), readiness.redis_ok());
    let rabbitmq = readiness.amqp.is_connected();
    let word = |ok: bool| if ok { "ok" } else { "down" };
    let checks =
        json!({"postgres": word(postgres), "rabbitmq": word(rabbitmq), "redis": word(redis)});
    if postgres && rabbitmq && redis {
        HttpResponse::Ok().json(json!({"status": "ready", "checks": checks}))
    } else {
        HttpResponse::ServiceUnavailable().json(json!({"error": {
            "code": "unavailable",
            "message": "A dependency is not reachable.",
            "fields": checks,
        }}))
    }
}

/// The public HTTP API (`docs/openapi.yaml`), compiled in.
const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");

/// `GET /api/<prefix>/openapi.yaml`: the OpenAPI document of the public HTTP API, which every
/// HTTP service serves under its own prefix (clients and schemathesis read it).
pub fn openapi() -> actix_web::Route {
    web::get().to(|| async {
        HttpResponse::Ok()
            .content_type("application/yaml")
            .body(OPENAPI)
    })
}

/// `GET /api/<prefix>/version`: which service answered, and its build. Lets a client (and the
/// end-to-end tests) see that the gateway reaches each service.
pub fn version(service: &'static str) -> actix_web::Route {
    web::get().to(move || async move {
        HttpResponse::Ok().json(json!({"service": service, "version": env!("CARGO_PKG_VERSION")}))
    })
}
