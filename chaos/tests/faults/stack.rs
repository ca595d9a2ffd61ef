//! A whole GoChat deployment per test: private Postgres (one database per service), Redis and
//! RabbitMQ, and each service as an OS process of its own (`chaos-node <service>`) on a fixed
//! free port, configured through the same environment variables as in production. A service
//! can be killed with `kill -9` and started again on the same port; any number of replicas of a
//! service can run.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use shared::testing::{TEST_ORIGIN, eventually};

use crate::infra::{Guarded, Postgres, RabbitMq, Redis, Scratch, free_port};

pub const SERVICES: [&str; 5] = [
    "auth",
    "users",
    "socket-handler",
    "messages",
    "notifications",
];

/// How long a service may take to become ready, a condition to converge, and so on.
pub const WAIT: Duration = Duration::from_secs(60);

/// Presence timing for the tests: a killed node's sockets lapse within about 3 s.
const PRESENCE_ENV: [(&str, &str); 3] = [
    ("CHAOS_PRESENCE_TTL_MS", "3000"),
    ("CHAOS_PRESENCE_HEARTBEAT_MS", "1000"),
    ("CHAOS_PRESENCE_SWEEP_MS", "1000"),
];

/// One service process (a replica), restartable on its port.
pub struct ServiceProcess {
    pub service: &'static str,
    pub replica: usize,
    pub port: u16,
    restarts: usize,
    process: Option<Guarded>,
}

impl ServiceProcess {
    pub fn http(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Where the infrastructure listens, shared by every service process.
#[derive(Clone)]
struct Endpoints {
    postgres: u16,
    amqp_url: String,
    redis_url: String,
}

pub struct Stack {
    // Declared first so that the services go before the servers they use, and the folder last.
    pub processes: Vec<ServiceProcess>,
    pub postgres: Option<Postgres>,
    pub rabbit: Option<RabbitMq>,
    pub redis: Option<Redis>,
    endpoints: Endpoints,
    scratch: Arc<Scratch>,
    pub http: awc::Client,
}

pub fn database(service: &str) -> String {
    format!("gochat_{}", service.replace('-', "_"))
}

impl Stack {
    /// Starts the three servers (in parallel), then `replicas[service]` processes of each
    /// service (one when absent), and waits until every one is ready.
    pub async fn start(replicas: &[(&'static str, usize)]) -> Self {
        shared::telemetry::init_for_tests();
        let started = std::time::Instant::now();
        let scratch = Arc::new(Scratch::new());
        let (s1, s2, s3) = (scratch.clone(), scratch.clone(), scratch.clone());
        let databases: Vec<String> = SERVICES.iter().map(|s| database(s)).collect();
        let postgres = actix_web::rt::task::spawn_blocking(move || {
            let names: Vec<&str> = databases.iter().map(String::as_str).collect();
            Postgres::start(&s1, &names)
        });
        let rabbit = actix_web::rt::task::spawn_blocking(move || RabbitMq::start(&s2));
        let redis = actix_web::rt::task::spawn_blocking(move || Redis::start(&s3));
        let (postgres, rabbit, redis) = (
            postgres.await.expect("Postgres starts"),
            rabbit.await.expect("RabbitMQ starts"),
            redis.await.expect("Redis starts"),
        );
        let endpoints = Endpoints {
            postgres: postgres.port,
            amqp_url: rabbit.url(),
            redis_url: redis.url(),
        };
        let mut stack = Self {
            processes: Vec::new(),
            postgres: Some(postgres),
            rabbit: Some(rabbit),
            redis: Some(redis),
            endpoints,
            scratch,
            http: awc::Client::builder()
                .timeout(Duration::from_secs(5))
                .finish(),
        };
        for service in SERVICES {
            let count = replicas
                .iter()
                .find(|(s, _)| *s == service)
                .map_or(1, |(_, n)| *n);
            for replica in 0..count {
                let mut process = ServiceProcess {
                    service,
                    replica,
                    port: free_port(),
                    restarts: 0,
                    process: None,
                };
                stack.launch(&mut process);
                stack.processes.push(process);
            }
        }
        for index in 0..stack.processes.len() {
            stack.wait_ready(index).await;
        }
        eprintln!(
            "[chaos] stack up in {:.1}s: private Postgres :{}, RabbitMQ :{}, Redis :{}; {} service processes",
            started.elapsed().as_secs_f64(),
            stack.endpoints.postgres,
            stack.rabbit.as_ref().map_or(0, |r| r.port),
            stack.redis.as_ref().map_or(0, |r| r.port),
            stack.processes.len()
        );
        stack
    }

    fn launch(&self, process: &mut ServiceProcess) {
        let binary = env!("CARGO_BIN_EXE_chaos-node");
        let mut command = Command::new(binary);
        let e = &self.endpoints;
        command
            .arg(process.service)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOST", "127.0.0.1")
            .env("PORT", process.port.to_string())
            .env(
                "DATABASE_URL",
                format!(
                    "postgres://postgres@127.0.0.1:{}/{}",
                    e.postgres,
                    database(process.service)
                ),
            )
            .env("DATABASE_POOL_SIZE", "4")
            .env("AMQP_URL", &e.amqp_url)
            .env("REDIS_URL", &e.redis_url)
            .env("ALLOWED_ORIGINS", TEST_ORIGIN)
            .env("HTTP_WORKERS", "1")
            .env(
                "NODE_ID",
                format!(
                    "{}-{}-{}",
                    process.service, process.replica, process.restarts
                ),
            )
            .env("BCRYPT_COST", "4")
            .env("SEND_RATE_PER_SEC", "1000")
            .env("SEND_BURST", "1000")
            .env("COMMAND_DEADLINE_MS", "1500")
            .env("STARTUP_TIMEOUT_SECS", "60")
            .env(
                "RUST_LOG",
                std::env::var("CHAOS_SERVICE_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .envs(PRESENCE_ENV);
        let name = format!("{}#{}", process.service, process.replica);
        let log = self.scratch.path.join(format!("{name}.log"));
        process.process = Some(Guarded::spawn(&name, command, log));
    }

    /// Starts one more replica of `service` and waits until it is ready; returns its number.
    pub async fn add_replica(&mut self, service: &'static str) -> usize {
        let replica = self
            .processes
            .iter()
            .filter(|p| p.service == service)
            .count();
        let mut process = ServiceProcess {
            service,
            replica,
            port: free_port(),
            restarts: 0,
            process: None,
        };
        self.launch(&mut process);
        self.processes.push(process);
        self.wait_ready(self.processes.len() - 1).await;
        replica
    }

    /// The index of a service's replica in `processes`.
    pub fn index(&self, service: &str, replica: usize) -> usize {
        self.processes
            .iter()
            .position(|p| p.service == service && p.replica == replica)
            .unwrap_or_else(|| panic!("no {service} replica {replica}"))
    }

    pub fn address(&self, service: &str, replica: usize) -> String {
        self.processes[self.index(service, replica)].http()
    }

    /// Every live replica's address of a service.
    pub fn addresses(&self, service: &str) -> Vec<String> {
        self.processes
            .iter()
            .filter(|p| p.service == service && p.process.is_some())
            .map(ServiceProcess::http)
            .collect()
    }

    /// `kill -9` of one service process.
    pub fn kill(&mut self, service: &str, replica: usize) {
        let index = self.index(service, replica);
        if let Some(mut process) = self.processes[index].process.take() {
            process.stop("KILL", Duration::from_secs(5));
        }
    }

    /// Starts a killed service process again, on its port, and waits until it is ready.
    pub async fn restart(&mut self, service: &str, replica: usize) {
        let index = self.index(service, replica);
        let mut process = std::mem::replace(
            &mut self.processes[index],
            ServiceProcess {
                service: "placeholder",
                replica: usize::MAX,
                port: 0,
                restarts: 0,
                process: None,
            },
        );
        process.restarts += 1;
        self.launch(&mut process);
        self.processes[index] = process;
        self.wait_ready(index).await;
    }

    async fn wait_ready(&mut self, index: usize) {
        let address = self.processes[index].http();
        let what = format!(
            "{} replica {} to be ready",
            self.processes[index].service, self.processes[index].replica
        );
        let http = self.http.clone();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Ok(response) = http.get(format!("{address}/readyz")).send().await
                && response.status().is_success()
            {
                return;
            }
            if let Some(process) = self.processes[index].process.as_mut() {
                assert!(
                    !process.exited(),
                    "{} exited during start-up:\n{}",
                    process.name,
                    process.tail(30)
                );
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops RabbitMQ, in the background (the test's runtime keeps serving the clients).
    pub async fn stop_rabbit(&mut self) {
        let server = self.rabbit.take().expect("RabbitMQ is running");
        self.rabbit = Some(off_runtime(server, RabbitMq::stop).await);
    }

    pub async fn start_rabbit(&mut self) {
        let server = self.rabbit.take().expect("RabbitMQ is stopped");
        self.rabbit = Some(off_runtime(server, RabbitMq::start_again).await);
    }

    pub async fn stop_postgres(&mut self) {
        let server = self.postgres.take().expect("Postgres is running");
        self.postgres = Some(off_runtime(server, Postgres::stop_immediate).await);
    }

    pub async fn start_postgres(&mut self) {
        let server = self.postgres.take().expect("Postgres is stopped");
        self.postgres = Some(off_runtime(server, Postgres::start_again).await);
    }

    pub async fn kill_redis(&mut self) {
        if let Some(redis) = self.redis.as_mut() {
            redis.kill();
        }
    }

    pub async fn start_redis(&mut self) {
        let server = self.redis.take().expect("Redis is stopped");
        self.redis = Some(off_runtime(server, Redis::start_again).await);
    }

    /// A Redis connection to the private instance.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.endpoints.redis_url.as_str())
            .expect("a Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("the private Redis answers")
    }

    /// A connection to a service's database.
    pub async fn db(&self, service: &str) -> tokio_postgres::Client {
        let url = format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.endpoints.postgres,
            database(service)
        );
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("the private Postgres answers");
        actix_web::rt::spawn(connection);
        client
    }

    // ---- The public API, as a client uses it ------------------------------------------------

    /// Signs up through auth (retrying while auth is down) and waits until messages, users and
    /// notifications know the account. Returns the account and its `auth` cookie.
    pub async fn sign_up(&self, name: &str) -> Account {
        let username = format!("{name}_{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
        let auth = self.address("auth", 0);
        let http = self.http.clone();
        let account = eventually(&format!("auth to sign {username} up"), WAIT, || {
            let (http, auth, username) = (http.clone(), auth.clone(), username.clone());
            async move {
                let mut response = http
                    .post(format!("{auth}/api/auth/signup"))
                    .insert_header(("Origin", TEST_ORIGIN))
                    .send_json(&json!({
                        "email": format!("{username}@example.com"),
                        "username": username,
                        "password": "correct horse battery",
                    }))
                    .await
                    .ok()?;
                if response.status().as_u16() != 201 {
                    return None;
                }
                let cookie = response.cookie(shared::auth::AUTH_COOKIE)?;
                let body: Value = response.json().await.ok()?;
                Some(Account {
                    id: body["user"]["id"].as_str()?.to_owned(),
                    username: username.clone(),
                    cookie: format!("{}={}", shared::auth::AUTH_COOKIE, cookie.value()),
                })
            }
        })
        .await;
        for service in ["messages", "users", "notifications"] {
            let db = self.db(service).await;
            let id: uuid::Uuid = account.id.parse().expect("a UUID");
            eventually(&format!("{service} to learn of {username}"), WAIT, || {
                let db = &db;
                async move {
                    db.query_opt("SELECT 1 FROM users WHERE id = $1", &[&id])
                        .await
                        .ok()
                        .flatten()
                }
            })
            .await;
        }
        account
    }

    /// Creates a group owned by `owner` with `members` through messages
    /// (`POST /api/messages/conversations`); returns its id.
    pub async fn create_group(&self, owner: &Account, name: &str, members: &[&Account]) -> String {
        let address = self.address("messages", 0);
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let mut response = self
            .http
            .post(format!("{address}/api/messages/conversations"))
            .insert_header(("Origin", TEST_ORIGIN))
            .insert_header(("Cookie", owner.cookie.clone()))
            .send_json(&json!({"name": name, "memberIds": ids}))
            .await
            .expect("messages answers the group's creation");
        let body: Value = response.json().await.expect("a JSON answer");
        assert_eq!(response.status().as_u16(), 201, "creating {name}: {body}");
        body["conversation"]["id"]
            .as_str()
            .expect("the group's id")
            .to_owned()
    }

    /// `GET /api/users` as `viewer` from any live users replica: username → status.
    pub async fn presence(&self, viewer: &Account) -> Option<BTreeMap<String, String>> {
        let address = self.addresses("users").into_iter().next()?;
        let mut response = self
            .http
            .get(format!("{address}/api/users?limit=100"))
            .insert_header(("Cookie", viewer.cookie.clone()))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let body: Value = response.json().limit(1 << 22).await.ok()?;
        Some(
            body["users"]
                .as_array()?
                .iter()
                .filter_map(|u| {
                    Some((
                        u["username"].as_str()?.to_owned(),
                        u["status"].as_str()?.to_owned(),
                    ))
                })
                .collect(),
        )
    }

    /// Waits until `users` report each of `accounts` with `status`.
    pub async fn wait_presence(&self, viewer: &Account, accounts: &[&Account], status: &str) {
        let what = format!(
            "users to show {} as {status}",
            accounts
                .iter()
                .map(|a| a.username.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        eventually(&what, WAIT, || async {
            let seen = self.presence(viewer).await?;
            accounts
                .iter()
                .all(|a| seen.get(&a.username).map(String::as_str) == Some(status))
                .then_some(())
        })
        .await;
    }

    /// `GET /api/notifications` as `account`: the unread count.
    pub async fn unread_notifications(&self, account: &Account) -> Option<i64> {
        let address = self.addresses("notifications").into_iter().next()?;
        let mut response = self
            .http
            .get(format!("{address}/api/notifications?limit=1"))
            .insert_header(("Cookie", account.cookie.clone()))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let body: Value = response.json().await.ok()?;
        body["unreadCount"].as_i64()
    }
}

/// A signed-up user.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub username: String,
    /// The `Cookie` header value with the `auth` token.
    pub cookie: String,
}

/// Runs a blocking stop or start of a private server off the runtime's threads, so that the
/// test's clients keep being served meanwhile.
async fn off_runtime<S: Send + 'static>(mut server: S, change: fn(&mut S)) -> S {
    actix_web::rt::task::spawn_blocking(move || {
        change(&mut server);
        server
    })
    .await
    .expect("the server's stop or start ran to the end")
}
