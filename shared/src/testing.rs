//! The integration-test harness: real Postgres, RabbitMQ and Redis, isolated per test.
//!
//! Each [`TestInfra`] owns a fresh database, an AMQP name prefix and a Redis key prefix, so tests
//! run in parallel against the same servers without seeing each other; dropping it (even while a
//! failed test unwinds) deletes all three. Servers come from `PG_URL`, `AMQP_URL` and `REDIS_URL`
//! (what `make test` exports), defaulting to the local ones.
//!
//! This is test code: a harness that cannot reach its servers should fail the test loudly, so
//! `expect` is the right tool here.
#![allow(clippy::expect_used)]

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use redis::AsyncCommands as _;
use tokio_postgres::NoTls;
use uuid::Uuid;

use crate::amqp::{AmqpClient, Kind, Topology, take_declared};
use crate::auth::{Claims, TokenSigner};
use crate::config::CommonConfig;
use crate::events::{self, Envelope, Event};
use crate::ids::{SessionId, UserId};

/// The development private key, which the harness uses to sign tokens for test users.
pub const DEV_PRIVATE_KEY: &str = include_str!("../keys/dev-jwt-private.pem");

fn pg_server_url() -> String {
    std::env::var("PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

/// The servers' URLs and this test's private names on them.
pub struct TestInfra {
    /// This test's own database.
    pub database_url: String,
    database_name: String,
    /// The broker.
    pub amqp_url: String,
    /// This test's exchange and queue prefix.
    pub amqp_namespace: String,
    /// Redis.
    pub redis_url: String,
    /// This test's key prefix.
    pub redis_prefix: String,
    /// More databases, for tests that run several services.
    extra_databases: std::sync::Mutex<Vec<String>>,
}

impl TestInfra {
    /// Creates the database; names the prefixes.
    pub async fn new(service: &str) -> Self {
        crate::telemetry::init_for_tests();
        let tag = Uuid::new_v4().simple().to_string();
        let database_name = format!("test_{}_{}", service.replace('-', "_"), &tag[..16]);
        let server = pg_server_url();
        let (admin, connection) = tokio_postgres::connect(&format!("{server}/postgres"), NoTls)
            .await
            .expect("Postgres must be reachable at PG_URL for integration tests");
        tokio::spawn(connection);
        admin
            .batch_execute(&format!("CREATE DATABASE {database_name}"))
            .await
            .expect("creating the test database");
        Self {
            database_url: format!("{server}/{database_name}"),
            database_name,
            amqp_url: std::env::var("AMQP_URL")
                .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned()),
            amqp_namespace: format!("test.{}.", &tag[..12]),
            redis_url: std::env::var("REDIS_URL")
                .unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned()),
            redis_prefix: format!("test:{}:", &tag[..12]),
            extra_databases: std::sync::Mutex::default(),
        }
    }

    /// Another fresh database (dropped with the test), for a second service in the same test;
    /// returns its URL.
    pub async fn add_database(&self, service: &str) -> String {
        let name = format!(
            "test_{}_{}",
            service.replace('-', "_"),
            &Uuid::new_v4().simple().to_string()[..16]
        );
        let (admin, connection) =
            tokio_postgres::connect(&format!("{}/postgres", pg_server_url()), NoTls)
                .await
                .expect("Postgres must be reachable at PG_URL for integration tests");
        tokio::spawn(connection);
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating a test database");
        self.extra_databases
            .lock()
            .expect("not poisoned")
            .push(name.clone());
        format!("{}/{name}", pg_server_url())
    }

    /// Points a service's configuration at this test's resources, on a free port.
    pub fn configure(&self, config: &mut CommonConfig) {
        config.host = "127.0.0.1".to_owned();
        config.port = 0;
        config.database_url = self.database_url.clone();
        config.database_pool_size = 8;
        config.amqp_url = self.amqp_url.clone();
        config.amqp_namespace = self.amqp_namespace.clone();
        config.amqp_prefetch = 16;
        config.redis_url = self.redis_url.clone();
        config.redis_prefix = self.redis_prefix.clone();
        config.allowed_origins = vec![TEST_ORIGIN.to_owned()];
        config.startup_timeout = Duration::from_secs(10);
        config.http_workers = 1;
        config.node_id = format!("{}-{}", config.service, Uuid::new_v4().simple());
    }

    /// The topology this test's services use.
    pub fn topology(&self) -> Topology {
        Topology::new(&self.amqp_namespace)
    }

    /// An admin connection to this test's database, for assertions on stored state.
    pub async fn db(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.database_url, NoTls)
            .await
            .expect("connecting to the test database");
        tokio::spawn(connection);
        client
    }

    /// A connection to the broker outside any service, for probes and injected events.
    pub fn amqp(&self) -> AmqpClient {
        AmqpClient::start(
            &self.amqp_url,
            "test-probe",
            self.topology(),
            tokio_util::sync::CancellationToken::new(),
        )
    }

    /// A Redis handle under this test's prefix.
    pub fn cache(&self) -> crate::cache::Cache {
        crate::cache::Cache::new(&self.redis_url, &self.redis_prefix).expect("valid REDIS_URL")
    }

    /// Listens to `E` on its exchange from now on (an exclusive queue of the test's own).
    pub async fn probe<E: Event>(&self) -> EventProbe<E> {
        EventProbe::bind(self.amqp(), self.topology()).await
    }

    /// A channel on a connection of its own, for poking at queues: a failed passive declare
    /// closes its channel, which must not disturb anything else.
    async fn raw_channel(&self) -> (lapin::Connection, lapin::Channel) {
        let connection =
            lapin::Connection::connect(&self.amqp_url, lapin::ConnectionProperties::default())
                .await
                .expect("broker reachable");
        let channel = connection.create_channel().await.expect("a channel");
        (connection, channel)
    }

    /// Waits until the durable queue `name` exists and has a consumer, so that what is published
    /// to it from now on is consumed (and not dropped because the queue is not declared yet).
    pub async fn wait_for_consumer(&self, name: &str, timeout: Duration) {
        eventually(&format!("a consumer on {name}"), timeout, || async {
            let (connection, channel) = self.raw_channel().await;
            let state = channel
                .queue_declare(
                    name.into(),
                    QueueDeclareOptions {
                        passive: true,
                        ..QueueDeclareOptions::default()
                    },
                    FieldTable::default(),
                )
                .await
                .ok();
            let _ = connection.close(200, "probe done".into()).await;
            state.filter(|q| q.consumer_count() > 0).map(drop)
        })
        .await;
    }

    /// Publishes raw bytes (a poison message, say) to `exchange` (a full name; empty for the
    /// default exchange) with `routing_key`, persistent, `type` = `kind`, with a confirm.
    pub async fn publish_raw(&self, exchange: &str, routing_key: &str, kind: &str, body: &[u8]) {
        let (connection, channel) = self.raw_channel().await;
        channel
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await
            .expect("confirms");
        let confirm = channel
            .basic_publish(
                exchange.into(),
                routing_key.into(),
                lapin::options::BasicPublishOptions {
                    mandatory: true,
                    ..Default::default()
                },
                body,
                lapin::BasicProperties::default()
                    .with_delivery_mode(2)
                    .with_content_type("application/json".into())
                    .with_type(kind.into())
                    .with_message_id(Uuid::new_v4().to_string().into()),
            )
            .await
            .expect("publishing")
            .await
            .expect("a confirm");
        assert!(
            confirm.is_ack() && confirm.take_message().is_none(),
            "the broker routed {routing_key} on {exchange:?} to a queue"
        );
        let _ = connection.close(200, "published".into()).await;
    }

    /// Takes every message now in `service`'s dead-letter queue.
    pub async fn take_dead_letters(&self, service: &str) -> Vec<Vec<u8>> {
        let (connection, channel) = self.raw_channel().await;
        let queue = self.topology().dead_letter_queue(service);
        let mut letters = Vec::new();
        while let Ok(Some(message)) = channel
            .basic_get(
                queue.as_str().into(),
                lapin::options::BasicGetOptions { no_ack: true },
            )
            .await
        {
            letters.push(message.delivery.data.clone());
        }
        let _ = connection.close(200, "drained".into()).await;
        letters
    }

    /// Waits until `count` messages have reached `service`'s dead-letter queue (taking them),
    /// and returns them; panics after `timeout` or if more arrive.
    pub async fn wait_for_dead_letters(
        &self,
        service: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<Vec<u8>> {
        let taken = tokio::sync::Mutex::new(Vec::new());
        eventually(
            &format!("{count} dead letters of {service}"),
            timeout,
            || async {
                let mut taken = taken.lock().await;
                taken.extend(self.take_dead_letters(service).await);
                (taken.len() >= count).then_some(())
            },
        )
        .await;
        let letters = taken.into_inner();
        assert_eq!(letters.len(), count, "exactly {count} dead letters");
        letters
    }
}

/// The origin tests send, and which their services allow.
pub const TEST_ORIGIN: &str = "http://localhost:8080";

impl Drop for TestInfra {
    fn drop(&mut self) {
        let mut databases = vec![self.database_name.clone()];
        if let Ok(extra) = self.extra_databases.lock() {
            databases.extend(extra.iter().cloned());
        }
        let amqp_url = self.amqp_url.clone();
        let namespace = self.amqp_namespace.clone();
        let redis_url = self.redis_url.clone();
        let prefix = self.redis_prefix.clone();
        // Drop cannot await, and the test's runtime may be shutting down: clean up on a thread of
        // our own and wait for it, so that nothing is left behind when the test binary exits.
        let cleaner = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let budget = Duration::from_secs(10);
                for database in &databases {
                    let _ = tokio::time::timeout(budget, drop_database(database)).await;
                }
                let _ = tokio::time::timeout(budget, delete_amqp(&amqp_url, &namespace)).await;
                let _ = tokio::time::timeout(budget, delete_redis(&redis_url, &prefix)).await;
            });
        });
        let _ = cleaner.join();
    }
}

async fn drop_database(name: &str) {
    if let Ok((admin, connection)) =
        tokio_postgres::connect(&format!("{}/postgres", pg_server_url()), NoTls).await
    {
        tokio::spawn(connection);
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
}

async fn delete_amqp(url: &str, namespace: &str) {
    let declared = take_declared(namespace);
    if declared.is_empty() {
        return;
    }
    let Ok(connection) =
        lapin::Connection::connect(url, lapin::ConnectionProperties::default()).await
    else {
        return;
    };
    for (kind, name) in declared {
        // A failed delete closes the channel, so each gets its own.
        let Ok(channel) = connection.create_channel().await else {
            continue;
        };
        let _ = match kind {
            Kind::Queue => channel
                .queue_delete(name.into(), QueueDeleteOptions::default())
                .await
                .map(drop),
            Kind::Exchange => {
                channel
                    .exchange_delete(name.into(), ExchangeDeleteOptions::default())
                    .await
            }
        };
    }
    let _ = connection.close(200, "test cleanup".into()).await;
}

async fn delete_redis(url: &str, prefix: &str) {
    let Ok(client) = redis::Client::open(url) else {
        return;
    };
    let Ok(mut connection) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = match connection
        .scan_match::<_, String>(format!("{prefix}*"))
        .await
    {
        Ok(iter) => iter.filter_map(|k| async move { k.ok() }).collect().await,
        Err(_) => return,
    };
    if !keys.is_empty() {
        let _: redis::RedisResult<()> = redis::AsyncCommands::del(&mut connection, keys).await;
    }
}

/// A test user with a valid `auth` token, minted with the development key.
#[derive(Clone, Debug)]
pub struct TestUser {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// Their session.
    pub session_id: SessionId,
    /// The `auth` cookie's value.
    pub token: String,
}

impl TestUser {
    /// A new user named `username`, signed in.
    pub fn new(username: &str) -> Self {
        let claims = Claims::issue(UserId::new(), username, SessionId::new());
        Self::from_claims(claims)
    }

    /// A user with the given claims (for expired or odd tokens).
    pub fn from_claims(claims: Claims) -> Self {
        let signer = TokenSigner::from_pem(DEV_PRIVATE_KEY).expect("the development key parses");
        Self {
            id: claims.sub,
            username: claims.username.clone(),
            session_id: claims.sid,
            token: signer.sign(&claims).expect("signing"),
        }
    }

    /// The `Cookie` header value.
    pub fn cookie(&self) -> String {
        format!("{}={}", crate::auth::AUTH_COOKIE, self.token)
    }
}

/// Observes one public event type from the moment it is bound.
pub struct EventProbe<E> {
    consumer: lapin::Consumer,
    _client: AmqpClient,
    _event: std::marker::PhantomData<E>,
}

impl<E: Event> EventProbe<E> {
    async fn bind(client: AmqpClient, topology: Topology) -> Self {
        let channel = client
            .channel(Duration::from_secs(10))
            .await
            .expect("broker reachable");
        topology
            .declare_exchanges(&channel)
            .await
            .expect("declaring exchanges");
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("declaring the probe queue");
        channel
            .queue_bind(
                queue.name().clone(),
                topology.exchange(E::EXCHANGE).into(),
                E::ROUTING_KEY.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("binding the probe queue");
        let consumer = channel
            .basic_consume(
                queue.name().clone(),
                "".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("consuming the probe queue");
        Self {
            consumer,
            _client: client,
            _event: std::marker::PhantomData,
        }
    }

    /// The next event, or a panic after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Envelope<E> {
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .unwrap_or_else(|_| panic!("no {} event within {timeout:?}", E::ROUTING_KEY))
            .expect("probe consumer ended")
            .expect("probe delivery");
        let _ = delivery.acker.ack(BasicAckOptions::default()).await;
        assert_eq!(
            delivery.properties.delivery_mode(),
            &Some(2),
            "events must be persistent"
        );
        assert_eq!(
            delivery.properties.kind().as_ref().map(|k| k.as_str()),
            Some(E::ROUTING_KEY),
            "the AMQP type must equal the routing key"
        );
        let envelope = events::decode::<E>(&delivery.data).expect("a well-formed envelope");
        assert_eq!(
            delivery
                .properties
                .message_id()
                .as_ref()
                .map(|m| m.as_str().to_owned()),
            Some(envelope.id.to_string()),
            "message_id must equal the envelope id"
        );
        envelope
    }

    /// Asserts that no event arrives within `window`.
    pub async fn assert_silent(&mut self, window: Duration) {
        if let Ok(Some(Ok(delivery))) = tokio::time::timeout(window, self.consumer.next()).await {
            panic!(
                "unexpected {} event: {}",
                E::ROUTING_KEY,
                String::from_utf8_lossy(&delivery.data)
            );
        }
    }
}

/// Waits until `check` returns `Some`, polling, or panics after `timeout` naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A TCP proxy in front of a real server that a test can cut and restore, to simulate an outage
/// of Postgres, RabbitMQ or Redis without disturbing the server (which other tests share).
pub struct TcpProxy {
    /// The port clients connect to.
    pub port: u16,
    state: std::sync::Arc<ProxyState>,
    accept_loop: tokio::task::JoinHandle<()>,
}

struct ProxyState {
    up: std::sync::atomic::AtomicBool,
    links: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
}

impl TcpProxy {
    /// Proxies a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = std::sync::Arc::new(ProxyState {
            up: std::sync::atomic::AtomicBool::new(true),
            links: std::sync::Mutex::new(Vec::new()),
        });
        let target = target.to_owned();
        let accept_state = state.clone();
        let accept_loop = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accept_state.up.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                if let Ok(mut links) = accept_state.links.lock() {
                    links.retain(|l| !l.is_finished());
                    links.push(link.abort_handle());
                }
            }
        });
        Self {
            port,
            state,
            accept_loop,
        }
    }

    /// `url` with its `host:port` replaced by the proxy's.
    pub fn rewrite(&self, url: &str, target: &str) -> String {
        url.replacen(target, &format!("127.0.0.1:{}", self.port), 1)
    }

    /// Severs every connection and refuses new ones, like a server that died.
    pub fn cut(&self) {
        self.state
            .up
            .store(false, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut links) = self.state.links.lock() {
            for link in links.drain(..) {
                link.abort();
            }
        }
    }

    /// Accepts connections again, like a server that came back.
    pub fn restore(&self) {
        self.state
            .up
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept_loop.abort();
    }
}

/// A WebSocket client for tests, speaking the contract's JSON frames.
pub struct WsClient {
    framed: actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>,
    /// Whether pings are answered while reading (a dead client answers none).
    pub answer_pings: bool,
}

/// How a socket ended, as a test sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum WsEnd {
    /// A close frame with this code.
    Closed(u16),
    /// The connection dropped without a close frame.
    Dropped,
}

impl WsClient {
    /// Opens `url` with the given `Cookie` header (if any) from our test origin; on refusal,
    /// the HTTP status.
    pub async fn connect(url: &str, cookie: Option<&str>) -> Result<Self, u16> {
        Self::connect_from(url, cookie, Some(TEST_ORIGIN)).await
    }

    /// As [`Self::connect`], from any origin (or none).
    pub async fn connect_from(
        url: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Self, u16> {
        let client = awc::Client::builder()
            .max_http_version(awc::http::Version::HTTP_11)
            .finish();
        let mut request = client.ws(url).max_frame_size(1 << 20);
        if let Some(cookie) = cookie {
            request = request.header(awc::http::header::COOKIE, cookie);
        }
        if let Some(origin) = origin {
            request = request.origin(origin);
        }
        match request.connect().await {
            Ok((_, framed)) => Ok(Self {
                framed,
                answer_pings: true,
            }),
            Err(awc::error::WsClientError::InvalidResponseStatus(status)) => Err(status.as_u16()),
            Err(e) => panic!("websocket connect failed: {e}"),
        }
    }

    /// Closes from the client side.
    pub async fn close(mut self) {
        use futures_util::SinkExt;
        let _ = self.framed.send(awc::ws::Message::Close(None)).await;
    }

    /// Sends a text frame.
    pub async fn send_text(&mut self, text: &str) {
        use futures_util::SinkExt;
        self.framed
            .send(awc::ws::Message::Text(text.to_owned().into()))
            .await
            .expect("sending a frame");
    }

    /// Sends a JSON frame.
    pub async fn send_json(&mut self, value: &serde_json::Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends a raw message (binary, oversized, …).
    pub async fn send_message(&mut self, message: awc::ws::Message) {
        use futures_util::SinkExt;
        self.framed.send(message).await.expect("sending a frame");
    }

    /// The next JSON frame, answering pings on the way; panics after `timeout` or on close.
    pub async fn next_json(&mut self, timeout: Duration) -> serde_json::Value {
        match self.next_event(timeout).await {
            Some(Ok(value)) => value,
            Some(Err(end)) => panic!("socket ended ({end:?}) while a frame was expected"),
            None => panic!("no frame within {timeout:?}"),
        }
    }

    /// The next JSON frame whose `type` is `kind`, skipping others.
    pub async fn next_of_type(&mut self, kind: &str, timeout: Duration) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = self.next_json(remaining).await;
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Waits for the server to end the socket; returns how.
    pub async fn closed(&mut self, timeout: Duration) -> WsEnd {
        let answer_pings = self.answer_pings;
        let end = self.closed_inner(timeout).await;
        self.answer_pings = answer_pings;
        end
    }

    async fn closed_inner(&mut self, timeout: Duration) -> WsEnd {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_event(remaining).await {
                Some(Err(end)) => return end,
                Some(Ok(_)) => {}
                None => panic!("the socket stayed open for {timeout:?}"),
            }
        }
    }

    /// Asserts that no JSON frame arrives within `window`.
    pub async fn assert_silent(&mut self, window: Duration) {
        match self.next_event(window).await {
            Some(Ok(frame)) => panic!("unexpected frame: {frame}"),
            Some(Err(end)) => panic!("the socket ended ({end:?}) instead of staying quiet"),
            None => {}
        }
    }

    /// The next JSON frame or the end of the socket; `None` if `timeout` passes first.
    async fn next_event(&mut self, timeout: Duration) -> Option<Result<serde_json::Value, WsEnd>> {
        use futures_util::{SinkExt, StreamExt};
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let Ok(frame) = tokio::time::timeout_at(deadline, self.framed.next()).await else {
                return None;
            };
            match frame {
                Some(Ok(awc::ws::Frame::Text(bytes))) => {
                    return Some(Ok(serde_json::from_slice(&bytes).expect("frames are JSON")));
                }
                Some(Ok(awc::ws::Frame::Ping(bytes))) => {
                    if self.answer_pings {
                        let _ = self.framed.send(awc::ws::Message::Pong(bytes)).await;
                    }
                }
                Some(Ok(awc::ws::Frame::Close(reason))) => {
                    return Some(Err(WsEnd::Closed(
                        reason.map_or(1005, |r| u16::from(r.code)),
                    )));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Some(Err(WsEnd::Dropped)),
            }
        }
    }
}

/// Asserts that the service at `address` becomes ready (its `/readyz` answers 200 once its
/// Postgres, RabbitMQ and Redis are reachable) and that `version_path` names `service`.
pub async fn assert_ready_and_named(address: &str, version_path: Option<&str>, service: &str) {
    let client = awc::Client::default();
    eventually("readiness", Duration::from_secs(30), || async {
        let response = client.get(format!("{address}/readyz")).send().await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;
    let mut health = client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("healthz is JSON");
    assert_eq!(body["status"], "ok");
    if let Some(path) = version_path {
        let mut response = client
            .get(format!("{address}{path}"))
            .send()
            .await
            .expect("the version route answers");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("version is JSON");
        assert_eq!(body["service"], service);
    }
}

/// Hostile input for the security tests: SQL injection strings, unicode edge cases, and a
/// deterministic generator of malformed WebSocket frames (shared by both socket services).
pub mod hostile {
    use serde_json::{Value, json};

    /// Classic SQL injection payloads, for every string field and query parameter.
    pub const SQL_INJECTION: &[&str] = &[
        "' OR '1'='1",
        "' OR 1=1 --",
        "admin'--",
        "\"; DROP TABLE accounts; --",
        "'; DROP TABLE messages; --",
        "1; SELECT pg_sleep(5)",
        "' UNION SELECT id, email, password_hash FROM accounts --",
        "') OR ('a'='a",
        "%' --",
        "\\' OR 1=1 #",
        "1' AND (SELECT count(*) FROM pg_tables) > 0 --",
        "$$; DROP TABLE notifications; $$",
    ];

    /// Strings that break naive handling: empty, whitespace, zero-width, right-to-left, emoji,
    /// combining marks, NUL, path traversal, percent-encoding, HTML.
    pub const UNICODE_EDGE: &[&str] = &[
        "",
        " ",
        "\u{200b}",
        "\u{feff}",
        "\u{202e}gnp.exe",
        "\u{200f}\u{5e9}\u{5dc}\u{5d5}\u{5dd}",
        "🙂🙃👩‍👩‍👧‍👦",
        "e\u{301}\u{301}\u{301}",
        "\u{0}",
        "../../etc/passwd",
        "%00%2e%2e",
        "<script>alert(1)</script>",
        "null",
        "NaN",
    ];

    /// Raw JSON texts that are not valid Unicode once decoded, or hide NULs: lone surrogates
    /// escaped in JSON, an unpaired low surrogate, an escaped NUL.
    pub const ESCAPED_EDGE: &[&str] = &[
        r#""\ud800""#,
        r#""\udfff""#,
        r#""a\ud83dz""#,
        r#""\u0000""#,
        r#""\u202e\u200b""#,
    ];

    /// `value` percent-encoded for a query string or a path segment.
    pub fn percent_encode(value: &str) -> String {
        value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    /// A small deterministic generator, so a failure is reproducible from its seed.
    pub struct Lcg(pub u64);

    impl Lcg {
        /// The next pseudo-random number.
        pub fn draw(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        /// One of `items`.
        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[(self.draw() as usize) % items.len()]
        }
    }

    /// A value of the wrong type or shape for any field.
    pub fn odd_value(rng: &mut Lcg) -> Value {
        match rng.draw() % 11 {
            0 => Value::Null,
            1 => json!(rng.draw() as i64 - (1 << 30)),
            2 => json!(1e308),
            3 => json!(true),
            4 => json!([1, "two", null]),
            5 => json!({"nested": {"deep": [{}]}}),
            6 => json!(*rng.pick(UNICODE_EDGE)),
            7 => json!(*rng.pick(SQL_INJECTION)),
            8 => json!("not-a-uuid"),
            9 => json!(i64::MIN),
            _ => json!("x".repeat((rng.draw() % 300) as usize)),
        }
    }

    /// What a fuzzed frame is.
    #[derive(Debug)]
    pub enum FuzzFrame {
        /// A text frame.
        Text(String),
        /// A binary frame.
        Binary(Vec<u8>),
    }

    /// A text or binary frame that is invalid for both sockets by construction: no valid
    /// command, so each must be answered with an `error` frame. `types` are the frame types the
    /// socket knows (used with wrong fields).
    pub fn malformed_frame(rng: &mut Lcg, types: &[&str]) -> FuzzFrame {
        let odd_types = [
            "",
            "pong",
            "MESSAGE.SEND",
            "message.send ",
            "\u{200b}ping",
            "ping\u{0}",
            "\u{202e}gnip",
            "🙂",
        ];
        let text = match rng.draw() % 14 {
            0 => (*rng.pick(UNICODE_EDGE)).to_owned() + "{",
            1 => json!([odd_value(rng), odd_value(rng)]).to_string(),
            2 => odd_value(rng).to_string(),
            3 => json!({"type": odd_value(rng)}).to_string(),
            4 => json!({"type": *rng.pick(&odd_types), "payload": odd_value(rng)}).to_string(),
            5 => {
                // A known type with a wrong-typed or hostile value in every field.
                let kind = *rng.pick(types);
                json!({
                    "type": kind,
                    "clientMsgId": odd_value(rng),
                    "to": odd_value(rng),
                    "content": odd_value(rng),
                    "conversationId": odd_value(rng),
                    "messageId": odd_value(rng),
                    "seq": "one",
                    "vote": odd_value(rng),
                })
                .to_string()
            }
            6 => format!(
                r#"{{"type":"message.send","clientMsgId":"c","to":"00000000-0000-0000-0000-000000000000","content":{}}}"#,
                rng.pick(ESCAPED_EDGE)
            ),
            7 => format!(r#"{{"type":{}}}"#, rng.pick(ESCAPED_EDGE)),
            8 => "[".repeat(1 + (rng.draw() % 5000) as usize),
            9 => format!(
                "{{\"type\":\"ping\",\"x\":{}",
                "{\"a\":".repeat((rng.draw() % 200) as usize)
            ),
            10 => {
                let mut bytes = b"{\"type\":\"".to_vec();
                bytes.extend_from_slice(&[0xff, 0xfe, 0xc0, 0x80]);
                bytes.extend_from_slice(b"\"}");
                return FuzzFrame::Binary(bytes);
            }
            11 => json!({"type": "ping", "type2": odd_value(rng)}).to_string() + "garbage",
            12 => format!("\u{feff}{}", json!({"type": *rng.pick(&odd_types)})),
            _ => (*rng.pick(SQL_INJECTION)).to_owned(),
        };
        if rng.draw().is_multiple_of(10) {
            FuzzFrame::Binary(text.into_bytes())
        } else {
            FuzzFrame::Text(text)
        }
    }
}
