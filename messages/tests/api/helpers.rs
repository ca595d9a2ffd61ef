//! `spawn_app`: the real messages service on a free port, with a database, broker namespace and
//! Redis prefix of its own, all removed when the test ends.

use messages::startup::Messages;
use serde_json::Value;
use shared::amqp::{Outgoing, Publisher};
use shared::chat::{ChatCommand, CommandEnvelope, Content, Origin, SendCommand, SendTarget};
pub use shared::testing::WAIT;
use shared::testing::{
    Answer, TestInfra, TestService, TestUser, announce_sign_up, eventually, spawn_service,
    wait_for_row,
};

pub struct TestApp {
    pub service: TestService,
    pub publisher: Publisher,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
    _attachments: AttachmentsDir,
}

/// The test's own folder for attachments on the local filesystem (the default store), so that
/// no test writes into the crate's `.run/`; removed when the test ends.
struct AttachmentsDir(std::path::PathBuf);

impl Drop for AttachmentsDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// With a last say over the configuration (a smaller group limit, say).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut messages::config::Config)) -> TestApp {
    spawn_app_on(TestInfra::new("messages").await, adjust).await
}

/// On `infra` prepared by the test (a queue left over by an earlier version, say).
pub async fn spawn_app_on(
    infra: TestInfra,
    adjust: impl FnOnce(&mut messages::config::Config),
) -> TestApp {
    // Tests call search and upload far faster than a person: the allowances are tested on
    // their own (throttle.rs), with tight ones.
    let generous = shared::rate_limit::Allowance::new(100_000.0, 100_000.0);
    let attachments = AttachmentsDir(std::env::temp_dir().join(format!(
        "gochat-attachments-{}",
        uuid::Uuid::new_v4().simple()
    )));
    let dir = attachments.0.clone();
    let adjust = |config: &mut messages::config::Config| {
        config.attachments.store = messages::storage::StoreSettings::File { dir };
        config.search_allowance = generous;
        config.upload_allowance = generous;
        adjust(config);
    };
    TestApp {
        service: spawn_service::<Messages>(&infra, adjust).await,
        publisher: Publisher::new(infra.amqp()),
        infra,
        _attachments: attachments,
    }
}

impl TestApp {
    /// Another replica of messages beside this one: the same database, broker names, Redis
    /// prefix and attachments folder.
    pub async fn replica(&self, adjust: impl FnOnce(&mut messages::config::Config)) -> TestService {
        let dir = self._attachments.0.clone();
        spawn_service::<Messages>(&self.infra, |config| {
            config.attachments.store = messages::storage::StoreSettings::File { dir };
            adjust(config);
        })
        .await
    }

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
        let envelope = envelope(id, user, command);
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
                let send = direct_send(
                    to,
                    &uuid::Uuid::new_v4().to_string(),
                    &format!("{} #{i}", from.username),
                );
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

impl TestApp {
    /// Any request as `user`, with a JSON body if given.
    pub async fn call(
        &self,
        user: &TestUser,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        self.service
            .request(method, path, Some(&user.cookie()), body.as_ref())
            .await
    }

    /// A group `name` of `owner` with `members`, asserting it was created.
    pub async fn group(&self, owner: &TestUser, name: &str, members: &[&TestUser]) -> Value {
        let ids: Vec<String> = members.iter().map(|m| m.id.to_string()).collect();
        let answer = self
            .call(
                owner,
                "POST",
                "/api/messages/conversations",
                Some(serde_json::json!({"name": name, "memberIds": ids})),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body["conversation"].clone()
    }

    /// Sends `content` into conversation `conversation` as `from` and waits until it is stored.
    pub async fn send_into(&self, from: &TestUser, conversation: &str, content: &str) {
        let send = ChatCommand::Send(SendCommand {
            client_msg_id: uuid::Uuid::new_v4().to_string(),
            target: SendTarget::Conversation {
                conversation_id: conversation.parse().unwrap(),
            },
            content: Some(Content::parse(content).unwrap()),
            reply_to: None,
            attachment_ids: Vec::new(),
        });
        self.publisher
            .publish_all(&[self.command(uuid::Uuid::now_v7(), from, send)], WAIT)
            .await
            .unwrap();
        let db = self.infra.db().await;
        eventually("the message to be stored", WAIT, || async {
            db.query_opt("SELECT 1 FROM messages WHERE content = $1", &[&content])
                .await
                .ok()
                .flatten()
        })
        .await;
    }
}

/// A `message.send` of `content` to `to` under `client_msg_id`.
/// `command` from `user`'s connection 1 on node "test", as socket-handler sends it.
pub fn envelope(id: uuid::Uuid, user: &TestUser, command: ChatCommand) -> CommandEnvelope {
    CommandEnvelope {
        id,
        user_id: user.id,
        username: user.username.clone(),
        origin: Origin {
            node: "test".into(),
            connection: 1,
        },
        request_id: None,
        command,
    }
}

pub fn direct_send(to: &TestUser, client_msg_id: &str, content: &str) -> ChatCommand {
    ChatCommand::Send(SendCommand {
        client_msg_id: client_msg_id.to_owned(),
        target: SendTarget::To { to: to.id },
        content: Some(Content::parse(content).unwrap()),
        reply_to: None,
        attachment_ids: Vec::new(),
    })
}

pub fn seqs(body: &Value) -> Vec<i64> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect()
}
