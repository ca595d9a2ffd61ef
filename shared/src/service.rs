//! The skeleton every service shares: connect to Postgres (and migrate), Redis and RabbitMQ
//! ([`ServiceInfra`]); start a durable consumer per event ([`ServiceInfra::consume`]); serve
//! HTTP with the common middleware, probes and error handling, and stop gracefully
//! ([`Application`]); and the whole `main` ([`main`]). A service implements [`Service`] and adds
//! only its own routes, consumers and background tasks.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, Request};
use actix_service::{ServiceFactory, fn_service, map_config};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use deadpool_postgres::Pool;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing_actix_web::TracingLogger;

use crate::amqp::{
    AmqpClient, ConsumerSpec, HandleError, Handler, Publisher, Topology, consume, consume_batched,
};
use crate::auth::{Authenticator, SessionRevocations, TokenVerifier};
use crate::cache::Cache;
use crate::config::{CommonConfig, ConfigError};
use crate::db::{self, Migration};
use crate::events::{self, Envelope, Event};
use crate::http::{self, AllowedOrigins, Readiness};
use crate::outbox::OutboxRelay;
use crate::socket::{SocketEndpoint, Upgraded, Upgrades};

/// A service's settings: the common ones and its own.
pub trait ServiceConfig: Sized + Send + 'static {
    /// From the environment, with local-development defaults.
    fn from_env() -> Result<Self, ConfigError>;
    /// The settings every service has (tests point them at their own resources).
    fn common_mut(&mut self) -> &mut CommonConfig;
}

/// A GoChat service: its name and how it is built from its settings.
pub trait Service {
    /// Its name, in logs.
    const NAME: &'static str;
    /// Its settings.
    type Config: ServiceConfig;
    /// Connects, migrates, starts its consumers and tasks and binds, but does not serve yet.
    fn build(config: Self::Config) -> impl Future<Output = anyhow::Result<Application>> + Send;
}

/// A service's whole `main`: tracing, settings from the environment, build, serve until
/// SIGTERM/SIGINT.
pub async fn main<S: Service>() -> anyhow::Result<()> {
    crate::telemetry::init(S::NAME);
    run::<S>(S::Config::from_env()?).await
}

/// Builds and serves `S` with `config` until it is asked to stop.
pub async fn run<S: Service>(config: S::Config) -> anyhow::Result<()> {
    let application = S::build(config).await?;
    tracing::info!(port = application.port(), "{} listening", S::NAME);
    application.run_until_stopped().await?;
    Ok(())
}

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
    /// Open WebSockets (a socket service's), which a stop lets close before it stops the
    /// server.
    pub sockets: TaskTracker,
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
            sockets: TaskTracker::new(),
        })
    }

    /// Binds the configured address; port 0 picks a free one.
    pub fn bind(&self) -> std::io::Result<TcpListener> {
        TcpListener::bind(self.config.bind_address())
    }

    /// Consumes event `E` from this service's own durable queue (`<service>.<routing key>`),
    /// one delivery at a time, until the service stops.
    pub fn consume<E: Event, H: Handler<E>>(&self, handler: H) {
        self.tasks.spawn(consume(
            self.amqp.clone(),
            self.event_consumer::<E>(),
            Arc::new(handler),
            self.shutdown.clone(),
        ));
    }

    /// Consumes event `E` like [`Self::consume`], but hands `handle` whatever the queue already
    /// holds, or receives within `gather` of a batch's first event (up to the prefetch; see
    /// [`ConsumerSpec::gather`]), as one batch, which returns one outcome per event.
    pub fn consume_batched<E, F, Fut>(&self, gather: Duration, handle: F)
    where
        E: Event,
        F: Fn(Vec<Envelope<E>>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Result<(), HandleError>>> + Send + 'static,
    {
        self.tasks.spawn(consume_batched(
            self.amqp.clone(),
            self.event_consumer::<E>().gathering(gather),
            |payload| events::decode::<E>(payload).map_err(|e| e.to_string()),
            handle,
            self.shutdown.clone(),
        ));
    }

    /// Publishes this service's outbox (see [`crate::outbox`]) until the service stops, reading
    /// it at most once every `pace` while it keeps up ([`OutboxRelay::paced`]).
    pub fn relay_outbox(&self, pace: Duration) {
        let relay = OutboxRelay::new(&self.config.database_url, self.publisher.clone()).paced(pace);
        self.tasks.spawn(relay.run(self.shutdown.clone()));
    }

    /// Runs `job` every `period` until the service stops (housekeeping: pruning what no
    /// longer matters). A failure is logged and the next round tries again; `what` names it in
    /// the log, and the job returns how many things it handled.
    pub fn every<F, Fut>(&self, period: Duration, what: &'static str, job: F)
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<u64>> + Send,
    {
        let shutdown = self.shutdown.clone();
        self.tasks.spawn(async move {
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(period) => {}
                }
                match job().await {
                    Ok(count) => tracing::debug!(count, what, "housekeeping done"),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), what, "housekeeping failed")
                    }
                }
            }
        });
    }

    fn event_consumer<E: Event>(&self) -> ConsumerSpec {
        let queue =
            self.amqp
                .topology()
                .event_queue(self.config.service, E::EXCHANGE, E::ROUTING_KEY);
        ConsumerSpec::new(queue, self.config.amqp_prefetch)
    }

    /// An HTTP server with the common middleware (request tracing, the origin guard), app data,
    /// probes and JSON error handling, plus the service's own `routes`.
    pub fn http_server<F>(&self, listener: TcpListener, routes: F) -> std::io::Result<Server>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        let shared = self.app_shared();
        let server = HttpServer::new(move || shared.clone().app(routes.clone()))
            .workers(self.config.http_workers.max(1))
            // Each WebSocket frame goes out when written. With Nagle's algorithm (actix leaves it
            // on), a frame written while the previous one is unacknowledged waits for that ACK,
            // which the peer delays by up to 40 ms: a tenth of W1's messages at 2,000 msg/s took
            // 40-50 ms for it.
            .tcp_nodelay(true)
            .disable_signals()
            .shutdown_timeout(GRACE.as_secs())
            .listen(listener)?
            .run();
        Ok(server)
    }

    /// The server of a service with a WebSocket: [`Self::http_server`]'s, except that upgrade
    /// requests go to `socket` before any route sees them, so that the socket runs on the bare
    /// TCP stream (see [`Upgrades`]). actix-web's `HttpServer` has no such hook, so this builds
    /// the same server from its parts, with the same settings.
    pub fn socket_server<F, E>(
        &self,
        listener: TcpListener,
        routes: F,
        socket: E,
    ) -> std::io::Result<Server>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
        E: SocketEndpoint + Send + Sync,
    {
        let shared = self.app_shared();
        let upgrades = Arc::new(Upgrades::new(
            socket,
            self.authenticator.clone(),
            AllowedOrigins::new(&self.config.allowed_origins),
            self.sockets.clone(),
        ));
        let addr = listener.local_addr()?;
        let server = actix_server::Server::build()
            .workers(self.config.http_workers.max(1))
            .disable_signals()
            .shutdown_timeout(GRACE.as_secs())
            .listen("http", listener, move || {
                let upgrades = upgrades.clone();
                let app = shared.clone().app(routes.clone());
                HttpService::build()
                    // HttpServer's defaults.
                    .client_request_timeout(Duration::from_secs(5))
                    .client_disconnect_timeout(Duration::from_secs(1))
                    .tcp_nodelay(true)
                    .local_addr(addr)
                    .upgrade(fn_service(move |(req, upgraded): (Request, Upgraded)| {
                        let upgrades = upgrades.clone();
                        async move {
                            upgrades.accept(req, upgraded).await;
                            Ok::<(), actix_web::Error>(())
                        }
                    }))
                    // No route reads the configured host (requests carry theirs).
                    .finish(map_config(app, |()| AppConfig::default()))
                    .tcp()
            })?
            .run();
        Ok(server)
    }

    fn app_shared(&self) -> AppShared {
        AppShared {
            authenticator: web::Data::new(self.authenticator.clone()),
            origins: web::Data::new(AllowedOrigins::new(&self.config.allowed_origins)),
            readiness: web::Data::new(Readiness {
                db: self.db.clone(),
                amqp: self.amqp.clone(),
                cache: self.cache.clone(),
            }),
        }
    }

    /// Serves until SIGTERM/SIGINT (or `shutdown` is cancelled), then stops accepting, lets
    /// in-flight requests and background tasks finish, and returns.
    pub async fn run_until_stopped(&self, server: Server) -> std::io::Result<()> {
        let handle = server.handle();
        let stop = crate::shutdown::signalled(self.shutdown.clone());
        let server = tokio::spawn(server);
        stop.await;
        // The sockets close on the same signal (1001); their tasks run on the server's
        // workers, so the server stops only once they are done.
        self.sockets.close();
        if tokio::time::timeout(GRACE, self.sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("sockets did not close in time");
        }
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

/// What every handler of a service's HTTP server shares.
#[derive(Clone)]
struct AppShared {
    authenticator: web::Data<Authenticator>,
    origins: web::Data<AllowedOrigins>,
    readiness: web::Data<Readiness>,
}

impl AppShared {
    /// The service's app on one worker: the common middleware, app data, probes and JSON error
    /// handling, plus its own `routes`.
    fn app<F>(
        self,
        routes: F,
    ) -> App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >
    where
        F: Fn(&mut web::ServiceConfig) + 'static,
    {
        App::new()
            .wrap(from_fn(http::reject_foreign_origin))
            .wrap(TracingLogger::default())
            .app_data(self.authenticator)
            .app_data(self.origins)
            .app_data(self.readiness)
            .configure(http::configure_extractors)
            .configure(http::configure_health)
            .configure(move |cfg| routes(cfg))
            .default_service(web::to(http::not_found))
    }
}

/// A built service, listening but not yet serving.
pub struct Application {
    infra: ServiceInfra,
    server: Server,
    port: u16,
    ready: CancellationToken,
}

impl Application {
    /// Binds the configured address and builds the HTTP server with the service's `routes`.
    /// The service counts as ready at once; see [`Self::ready_when`].
    pub fn serve<F>(infra: ServiceInfra, routes: F) -> anyhow::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
    {
        Self::listen(infra, |infra, listener| infra.http_server(listener, routes))
    }

    /// [`Self::serve`] for a service with a WebSocket, served by `socket`.
    pub fn serve_socket<F, E>(infra: ServiceInfra, routes: F, socket: E) -> anyhow::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
        E: SocketEndpoint + Send + Sync,
    {
        Self::listen(infra, |infra, listener| {
            infra.socket_server(listener, routes, socket)
        })
    }

    fn listen(
        infra: ServiceInfra,
        server: impl FnOnce(&ServiceInfra, TcpListener) -> std::io::Result<Server>,
    ) -> anyhow::Result<Self> {
        let listener = infra.bind()?;
        let port = listener.local_addr()?.port();
        let server = server(&infra, listener)?;
        let ready = CancellationToken::new();
        ready.cancel();
        Ok(Self {
            infra,
            server,
            port,
            ready,
        })
    }

    /// Counts the service as ready only once `ready` is cancelled (a socket node, once its
    /// inbox consumes).
    #[must_use]
    pub fn ready_when(mut self, ready: CancellationToken) -> Self {
        self.ready = ready;
        self
    }

    /// The port actually bound (with port 0 the OS picked it).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The connections and the shutdown token, for tests.
    pub fn infra(&self) -> &ServiceInfra {
        &self.infra
    }

    /// Cancelled once the service can do its work (tests wait for it before publishing).
    pub fn ready(&self) -> CancellationToken {
        self.ready.clone()
    }

    /// Serves until SIGTERM/SIGINT or the shutdown token, then drains.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.infra.run_until_stopped(self.server).await
    }
}
