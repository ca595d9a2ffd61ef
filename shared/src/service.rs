//! The parts of start-up that every service shares: connect to Postgres (and migrate), Redis and
//! RabbitMQ; run an HTTP server with the common middleware, probes and error handling; stop
//! gracefully. A service adds only its own routes, consumers and background tasks.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use deadpool_postgres::Pool;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing_actix_web::TracingLogger;

use crate::amqp::{AmqpClient, Publisher, Topology};
use crate::auth::{Authenticator, SessionRevocations, TokenVerifier};
use crate::cache::Cache;
use crate::config::CommonConfig;
use crate::db::{self, Migration};
use crate::http::{self, AllowedOrigins, Readiness};

/// How long a stop waits for in-flight requests and background tasks.
const GRACE: Duration = Duration::from_secs(20);

/// A service's connections to the outside, made once at start-up and shared by its handlers,
/// consumers and background tasks.
#[derive(Clone)]
pub struct ServiceInfra {
    /// The settings it was started with.
    pub config: CommonConfig,
    /// Its own database.
    pub db: Pool,
    /// Redis.
    pub cache: Cache,
    /// The broker connection.
    pub amqp: AmqpClient,
    /// Confirmed publishing over that connection.
    pub publisher: Publisher,
    /// Turns a request's cookie into the signed-in user.
    pub authenticator: Authenticator,
    /// Cancelled when the process is asked to stop.
    pub shutdown: CancellationToken,
    /// Background tasks that a stop waits for.
    pub tasks: TaskTracker,
}

impl ServiceInfra {
    /// Migrates the database (waiting for Postgres up to `startup_timeout`) and starts the
    /// self-healing Redis and RabbitMQ connections, which do not wait for their servers.
    pub async fn start(config: CommonConfig, migrations: &[Migration]) -> anyhow::Result<Self> {
        let db = db::pool(&config.database_url, config.database_pool_size)?;
        db::migrate(&db, migrations, config.startup_timeout).await?;
        let cache = Cache::new(&config.redis_url, &config.redis_prefix)?;
        let shutdown = CancellationToken::new();
        let amqp = AmqpClient::start(
            &config.amqp_url,
            &config.node_id,
            Topology::new(&config.amqp_namespace),
            shutdown.clone(),
        );
        let verifier = TokenVerifier::from_pem(&config.jwt_public_key_pem)?;
        Ok(Self {
            publisher: Publisher::new(amqp.clone()),
            authenticator: Authenticator::new(verifier, SessionRevocations::new(cache.clone())),
            config,
            db,
            cache,
            amqp,
            shutdown,
            tasks: TaskTracker::new(),
        })
    }

    /// Binds the configured address; port 0 picks a free one.
    pub fn bind(&self) -> std::io::Result<TcpListener> {
        TcpListener::bind(self.config.bind_address())
    }

    /// An HTTP server with the common middleware (request tracing, the origin guard), app data,
    /// probes and JSON error handling, plus the service's own `routes`.
    pub fn http_server<F>(&self, listener: TcpListener, routes: F) -> std::io::Result<Server>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        let authenticator = web::Data::new(self.authenticator.clone());
        let origins = web::Data::new(AllowedOrigins::new(&self.config.allowed_origins));
        let readiness = web::Data::new(Readiness {
            db: self.db.clone(),
            amqp: self.amqp.clone(),
            cache: self.cache.clone(),
        });
        let server = HttpServer::new(move || {
            let routes = routes.clone();
            App::new()
                .wrap(from_fn(http::reject_foreign_origin))
                .wrap(TracingLogger::default())
                .app_data(authenticator.clone())
                .app_data(origins.clone())
                .app_data(readiness.clone())
                .configure(http::configure_extractors)
                .configure(http::configure_health)
                .configure(move |cfg| routes(cfg))
                .default_service(web::to(http::not_found))
        })
        .workers(self.config.http_workers.max(1))
        .disable_signals()
        .shutdown_timeout(GRACE.as_secs())
        .listen(listener)?
        .run();
        Ok(server)
    }

    /// Serves until SIGTERM/SIGINT (or `shutdown` is cancelled), then stops accepting, lets
    /// in-flight requests and background tasks finish, and returns.
    pub async fn run_until_stopped(&self, server: Server) -> std::io::Result<()> {
        let handle = server.handle();
        let stop = crate::shutdown::signalled(self.shutdown.clone());
        let server = tokio::spawn(server);
        stop.await;
        handle.stop(true).await;
        self.tasks.close();
        if tokio::time::timeout(GRACE, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not finish in time");
        }
        match server.await {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}
