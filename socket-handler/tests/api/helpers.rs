//! A chat stack per test: the messages service and socket-handler nodes, sharing one broker
//! namespace and Redis prefix, each service with its own database; all removed when the test
//! ends.

use std::time::Duration;

use serde_json::{Value, json};
use shared::amqp::Publisher;
use shared::events::{Envelope, UserRegistered};
use shared::shutdown::ShutdownToken;
use shared::testing::{TestInfra, TestUser, WsClient, eventually};

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Node {
    pub address: String,
    shutdown: ShutdownToken,
}

pub struct Stack {
    pub nodes: Vec<Node>,
    pub messages_address: String,
    messages_shutdown: ShutdownToken,
    pub messages_database: String,
    pub publisher: Publisher,
    pub infra: TestInfra,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.messages_shutdown.cancel();
        for node in &self.nodes {
            node.shutdown.cancel();
        }
    }
}

pub fn socket_config(infra: &TestInfra) -> socket_handler::config::Config {
    let mut config = socket_handler::config::Config::from_env().expect("default configuration");
    infra.configure(&mut config.common);
    config.send_rate_per_sec = 1000.0;
    config.send_burst = 1000.0;
    config
}

pub async fn start_node(config: socket_handler::config::Config) -> Node {
    let application = socket_handler::startup::Application::build(config)
        .await
        .expect("socket-handler starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.infra().shutdown.clone();
    let ready = application.inbox_ready();
    actix_web::rt::spawn(application.run_until_stopped());
    tokio::time::timeout(WAIT, ready.cancelled())
        .await
        .expect("the node inbox starts consuming");
    Node { address, shutdown }
}

pub async fn start_messages(infra: &TestInfra, database_url: &str) -> (String, ShutdownToken) {
    let mut config = messages::config::Config::from_env().expect("default configuration");
    infra.configure(&mut config.common);
    config.common.database_url = database_url.to_owned();
    let application = messages::startup::Application::build(config)
        .await
        .expect("messages starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.infra().shutdown.clone();
    actix_web::rt::spawn(application.run_until_stopped());
    (address, shutdown)
}

/// One messages service and `nodes` socket-handler nodes.
pub async fn spawn_stack(nodes: usize) -> Stack {
    spawn_stack_with(nodes, |_| {}).await
}

pub async fn spawn_stack_with(
    nodes: usize,
    adjust: impl Fn(&mut socket_handler::config::Config),
) -> Stack {
    let infra = TestInfra::new("socket-handler").await;
    let messages_database = infra.add_database("messages").await;
    let (messages_address, messages_shutdown) = start_messages(&infra, &messages_database).await;
    let mut started = Vec::new();
    for _ in 0..nodes {
        let mut config = socket_config(&infra);
        adjust(&mut config);
        started.push(start_node(config).await);
    }
    Stack {
        nodes: started,
        messages_address,
        messages_shutdown,
        messages_database,
        publisher: Publisher::new(infra.amqp()),
        infra,
    }
}

impl Stack {
    /// Stops the messages service (its consumers and HTTP server).
    pub fn stop_messages(&mut self) {
        self.messages_shutdown.cancel();
    }

    /// Adopts a restarted messages service.
    pub fn replace_messages(&mut self, address: String, shutdown: ShutdownToken) {
        self.messages_address = address;
        self.messages_shutdown = shutdown;
    }

    /// A user whom messages knows (as after sign-up).
    pub async fn user(&self, name: &str) -> TestUser {
        let user = TestUser::new(name);
        let event = Envelope::new(UserRegistered {
            user_id: user.id,
            username: name.to_owned(),
        });
        self.publisher
            .publish(&event, WAIT)
            .await
            .expect("published");
        let db = self.messages_db().await;
        eventually("messages to know the user", WAIT, || async {
            db.query_opt("SELECT 1 FROM users WHERE id = $1", &[&user.id.as_uuid()])
                .await
                .ok()
                .flatten()
        })
        .await;
        user
    }

    pub async fn messages_db(&self) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.messages_database, tokio_postgres::NoTls)
                .await
                .expect("messages database");
        tokio::spawn(connection);
        client
    }

    pub fn ws_url(&self, node: usize) -> String {
        format!(
            "{}/ws/chat",
            self.nodes[node].address.replacen("http", "ws", 1)
        )
    }

    pub async fn connect(&self, user: &TestUser, node: usize) -> WsClient {
        WsClient::connect(&self.ws_url(node), Some(&user.cookie()))
            .await
            .expect("the chat socket opens")
    }

    /// GET on messages as `user`: (status, body).
    pub async fn get(&self, user: &TestUser, path: &str) -> (u16, Value) {
        let mut response = awc::Client::default()
            .get(format!("{}{path}", self.messages_address))
            .insert_header(("Cookie", user.cookie()))
            .send()
            .await
            .expect("messages answers");
        let body = response
            .json::<Value>()
            .limit(1 << 24)
            .await
            .unwrap_or(Value::Null);
        (response.status().as_u16(), body)
    }
}

pub fn send_frame(client_msg_id: &str, to: &TestUser, content: &str) -> Value {
    json!({"type": "message.send", "clientMsgId": client_msg_id, "to": to.id.to_string(), "content": content})
}
