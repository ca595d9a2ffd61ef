//! `spawn_app`: the real messages service on a free port, with a database, broker namespace and
//! Redis prefix of its own, all removed when the test ends.

use messages::startup::Messages;
use serde_json::Value;
use shared::amqp::{Outgoing, Publisher};
use shared::chat::{ChatCommand, CommandEnvelope, Content, Origin, SendCommand, SendTarget};
pub use shared::testing::WAIT;
use shared::testing::{
    TestInfra, TestService, TestUser, announce_sign_up, eventually, spawn_service, wait_for_row,
};

pub struct TestApp {
    pub service: TestService,
    pub publisher: Publisher,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
}

pub async fn spawn_app() -> TestApp {
    let infra = TestInfra::new("messages").await;
    TestApp {
        service: spawn_service::<Messages>(&infra, |_| {}).await,
        publisher: Publisher::new(infra.amqp()),
        infra,
    }
}

impl TestApp {
    /// A user messages knows about.
    pub async fn user(&self, name: &str) -> TestUser {
        let user = announce_sign_up(&self.publisher, name).await;
        let known = "SELECT 1 FROM users WHERE id = $1";
        wait_for_row(
            &self.infra.database_url,
            "messages to know the user",
            known,
            user.id.as_uuid(),
        )
        .await;
        user
    }

    /// `command` from `user`, as socket-handler publishes it to the commands queue.
    pub fn command(&self, id: uuid::Uuid, user: &TestUser, command: ChatCommand) -> Outgoing {
        let envelope = CommandEnvelope {
            id,
            user_id: user.id,
            username: user.username.clone(),
            origin: Origin {
                node: "test".into(),
                connection: 1,
            },
            request_id: None,
            command,
        };
        Outgoing {
            exchange: String::new(),
            routing_key: self.infra.topology().chat_commands_queue().name,
            bcc: Vec::new(),
            kind: "chat.command".into(),
            message_id: id.to_string(),
            payload: serde_json::to_vec(&envelope).unwrap(),
        }
    }

    /// Sends `count` messages from `from` to `to` as commands and waits until all are stored.
    pub async fn send(&self, from: &TestUser, to: &TestUser, count: usize) {
        let db = self.infra.db().await;
        let before: i64 = db
            .query_one("SELECT count(*) FROM messages", &[])
            .await
            .unwrap()
            .get(0);
        let commands: Vec<Outgoing> = (0..count)
            .map(|i| {
                let send = ChatCommand::Send(SendCommand {
                    client_msg_id: uuid::Uuid::new_v4().to_string(),
                    target: SendTarget::To { to: to.id },
                    content: Content::parse(&format!("{} #{i}", from.username)).unwrap(),
                });
                self.command(uuid::Uuid::now_v7(), from, send)
            })
            .collect();
        self.publisher.publish_all(&commands, WAIT).await.unwrap();
        let target = before + count as i64;
        eventually("the messages to be stored", WAIT, || async {
            let now: i64 = db
                .query_one("SELECT count(*) FROM messages", &[])
                .await
                .ok()?
                .get(0);
            (now >= target).then_some(())
        })
        .await;
    }

    /// GET as `user` (or anonymously): (status, body).
    pub async fn get(&self, user: Option<&TestUser>, path: &str) -> (u16, Value) {
        let cookie = user.map(TestUser::cookie);
        let answer = self.service.get(path, cookie.as_deref()).await;
        (answer.status.as_u16(), answer.body)
    }
}

pub fn seqs(body: &Value) -> Vec<i64> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}
