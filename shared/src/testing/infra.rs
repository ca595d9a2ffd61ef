//! Servers and isolation: a test's own database, AMQP name prefix and Redis key prefix on the
//! shared servers, all deleted when the test ends (also when it panics).

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{ExchangeDeleteOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use redis::AsyncCommands as _;
use tokio_postgres::NoTls;
use uuid::Uuid;

use super::{EventProbe, eventually};
use crate::amqp::{AmqpClient, Kind, Topology, take_declared};
use crate::config::CommonConfig;
use crate::events::Event;

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

    /// Stands in for a socket node's inbox: an exclusive queue on `channel` (gone with its
    /// connection), bound to the chat delivery exchange with the keys of `users`. Returns its
    /// name.
    pub async fn bind_node_queue(
        &self,
        channel: &lapin::Channel,
        users: &[crate::ids::UserId],
    ) -> String {
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("an exclusive queue");
        let exchange = self.topology().chat_delivery_exchange();
        for user in users {
            channel
                .queue_bind(
                    queue.name().clone(),
                    exchange.clone().into(),
                    crate::chat::user_key(*user).into(),
                    lapin::options::QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .expect("bound to the delivery exchange");
        }
        queue.name().to_string()
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

    /// Waits until `service` consumes each of `events` (exchange, routing key) from its durable
    /// queue: events published before a queue is bound would be dropped by the exchange.
    pub async fn wait_for_event_consumers(
        &self,
        service: &'static str,
        events: &[(crate::events::Exchange, &'static str)],
    ) {
        let topology = self.topology();
        for (exchange, key) in events {
            let queue = topology.event_queue(service, *exchange, key);
            self.wait_for_consumer(&queue.name, super::WAIT).await;
        }
    }

    /// Waits until the durable queue `name` exists and has a consumer, so that what is published
    /// to it from now on is consumed (and not dropped because the queue is not declared yet).
    pub async fn wait_for_consumer(&self, name: &str, timeout: Duration) {
        eventually(&format!("a consumer on {name}"), timeout, || async {
            self.queue_state(name)
                .await
                .filter(|(_, consumers)| *consumers > 0)
                .map(drop)
        })
        .await;
    }

    /// (messages ready, consumers) of the queue `name`, if it exists.
    pub async fn queue_state(&self, name: &str) -> Option<(u32, u32)> {
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
        state.map(|q| (q.message_count(), q.consumer_count()))
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
