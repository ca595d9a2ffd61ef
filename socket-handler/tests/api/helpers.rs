//! A chat stack per test: the messages service and socket-handler nodes, sharing one broker
//! namespace and Redis prefix, each service with its own database; all removed when the test
//! ends.

use messages::startup::Messages;
use serde_json::{Value, json};
use shared::amqp::Publisher;
pub use shared::testing::WAIT;
use shared::testing::{
    Answer, TestInfra, TestService, TestUser, WsClient, announce_sign_up, spawn_service,
    wait_for_row,
};
use socket_handler::rate_limit::{Allowance, CommandLimits};
use socket_handler::startup::SocketHandler;

pub struct Stack {
    pub nodes: Vec<TestService>,
    pub messages: TestService,
    pub messages_database: String,
    pub publisher: Publisher,
    // Dropped last, after the services have been told to stop.
    pub infra: TestInfra,
}

/// A socket-handler node of `infra`'s stack, with allowances no test reaches unless it says so.
pub async fn start_node(
    infra: &TestInfra,
    adjust: impl FnOnce(&mut socket_handler::config::Config),
) -> TestService {
    spawn_service::<SocketHandler>(infra, |config| {
        config.command_limits = generous_limits();
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

    /// Any request to messages as `user`, with a JSON body if given.
    pub async fn call(
        &self,
        user: &TestUser,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        self.messages
            .request(method, path, Some(&user.cookie()), body.as_ref())
            .await
    }

    /// A group `name` of `owner` with `members`; its id.
    pub async fn group(&self, owner: &TestUser, name: &str, members: &[&TestUser]) -> String {
        let ids: Vec<String> = members.iter().map(|m| m.id.to_string()).collect();
        let answer = self
            .call(
                owner,
                "POST",
                "/api/messages/conversations",
                Some(json!({"name": name, "memberIds": ids})),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body["conversation"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Every message of `conversation` as `user` sees it, oldest first.
    pub async fn history(&self, user: &TestUser, conversation: &str) -> Vec<Value> {
        let mut all = Vec::new();
        let mut after = 0;
        loop {
            let path = format!(
                "/api/messages/conversations/{conversation}/messages?after={after}&limit=100"
            );
            let (status, page) = self.get(user, &path).await;
            assert_eq!(status, 200, "{page}");
            let messages = page["messages"].as_array().unwrap().clone();
            let Some(last) = messages.last() else {
                return all;
            };
            after = last["seq"].as_i64().unwrap();
            all.extend(messages);
        }
    }

    /// GET on messages as `user`: (status, body).
    pub async fn get(&self, user: &TestUser, path: &str) -> (u16, Value) {
        let answer = self.messages.get(path, Some(&user.cookie())).await;
        (answer.status.as_u16(), answer.body)
    }
}

/// A `message.send` into `conversation`.
pub fn group_frame(client_msg_id: &str, conversation: &str, content: &str) -> Value {
    json!({"type": "message.send", "clientMsgId": client_msg_id, "conversationId": conversation, "content": content})
}

pub fn send_frame(client_msg_id: &str, to: &TestUser, content: &str) -> Value {
    json!({"type": "message.send", "clientMsgId": client_msg_id, "to": to.id.to_string(), "content": content})
}

/// Allowances of 1,000 per second and at once for every kind of command.
pub fn generous_limits() -> CommandLimits {
    CommandLimits::uniform(Allowance {
        rate_per_sec: 1000.0,
        burst: 1000.0,
    })
}
