//! A chat stack per test: the messages service and socket-handler nodes, sharing one broker
//! namespace and Redis prefix, each service with its own database; all removed when the test
//! ends.

use messages::startup::Messages;
use serde_json::{Value, json};
use shared::amqp::Publisher;
pub use shared::testing::WAIT;
use shared::testing::{
    TestInfra, TestService, TestUser, WsClient, announce_sign_up, spawn_service, wait_for_row,
};
use socket_handler::startup::SocketHandler;

pub struct Stack {
    pub nodes: Vec<TestService>,
    pub messages: TestService,
    pub messages_database: String,
    pub publisher: Publisher,
    // Dropped last, after the services have been told to stop.
    pub infra: TestInfra,
}

/// A socket-handler node of `infra`'s stack, with a send rate no test reaches unless it says so.
pub async fn start_node(
    infra: &TestInfra,
    adjust: impl FnOnce(&mut socket_handler::config::Config),
) -> TestService {
    spawn_service::<SocketHandler>(infra, |config| {
        config.send_rate_per_sec = 1000.0;
        config.send_burst = 1000.0;
        adjust(config);
    })
    .await
}

/// The messages service of `infra`'s stack, on the database `database_url`.
pub async fn start_messages(infra: &TestInfra, database_url: &str) -> TestService {
    spawn_service::<Messages>(infra, |config| {
        config.common.database_url = database_url.to_owned();
    })
    .await
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
    let messages = start_messages(&infra, &messages_database).await;
    let mut started = Vec::new();
    for _ in 0..nodes {
        started.push(start_node(&infra, &adjust).await);
    }
    Stack {
        nodes: started,
        messages,
        messages_database,
        publisher: Publisher::new(infra.amqp()),
        infra,
    }
}

impl Stack {
    /// A user whom messages knows (as after sign-up).
    pub async fn user(&self, name: &str) -> TestUser {
        let user = announce_sign_up(&self.publisher, name).await;
        let known = "SELECT 1 FROM users WHERE id = $1";
        wait_for_row(
            &self.messages_database,
            "messages to know the user",
            known,
            user.id.as_uuid(),
        )
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
        self.nodes[node].ws_url("/ws/chat")
    }

    pub async fn connect(&self, user: &TestUser, node: usize) -> WsClient {
        WsClient::connect(&self.ws_url(node), Some(&user.cookie()))
            .await
            .expect("the chat socket opens")
    }

    /// GET on messages as `user`: (status, body).
    pub async fn get(&self, user: &TestUser, path: &str) -> (u16, Value) {
        let answer = self.messages.get(path, Some(&user.cookie())).await;
        (answer.status.as_u16(), answer.body)
    }
}

pub fn send_frame(client_msg_id: &str, to: &TestUser, content: &str) -> Value {
    json!({"type": "message.send", "clientMsgId": client_msg_id, "to": to.id.to_string(), "content": content})
}
