//! `spawn_app`: the real notifications service on a free port, with a database, broker namespace
//! and Redis prefix of its own, all removed when the test ends; and helpers per endpoint and
//! event.

use chrono::{DateTime, Utc};
use notifications::config::Config;
use notifications::startup::Notifications;
use serde_json::Value;
use shared::amqp::Publisher;
use shared::events::{
    ChatMessage, Envelope, Event, MessageDeleted, MessageEdited, MessageKind, MessageRead,
    MessageSent, SystemEvent, SystemInfo, UserRegistered, UserSignedOut,
};
use shared::ids::{ConversationId, MessageId};
pub use shared::testing::{Answer, WAIT, assert_error};
use shared::testing::{
    TEST_ORIGIN, TestInfra, TestService, TestUser, WsClient, eventually, spawn_service,
};

pub struct TestApp {
    pub service: TestService,
    pub publisher: Publisher,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let infra = TestInfra::new("notifications").await;
    let service = spawn_service::<Notifications>(&infra, adjust).await;
    infra
        .wait_for_event_consumers(
            "notifications",
            &[
                (MessageSent::EXCHANGE, MessageSent::ROUTING_KEY),
                (MessageRead::EXCHANGE, MessageRead::ROUTING_KEY),
                (UserRegistered::EXCHANGE, UserRegistered::ROUTING_KEY),
                (UserSignedOut::EXCHANGE, UserSignedOut::ROUTING_KEY),
                (MessageEdited::EXCHANGE, MessageEdited::ROUTING_KEY),
                (MessageDeleted::EXCHANGE, MessageDeleted::ROUTING_KEY),
            ],
        )
        .await;
    infra
        .wait_for_consumer(&infra.topology().push_queue().name, WAIT)
        .await;
    TestApp {
        service,
        publisher: Publisher::new(infra.amqp()),
        infra,
    }
}

impl TestApp {
    // --- sockets --------------------------------------------------------------------------

    pub fn ws_url(&self) -> String {
        self.service.ws_url("/ws/notifications")
    }

    pub async fn connect(&self, user: &TestUser) -> WsClient {
        WsClient::connect(&self.ws_url(), Some(&user.cookie()))
            .await
            .expect("the socket opens")
    }

    /// A socket whose user's live deliveries are routed to it: the server reads no frame before
    /// the socket's opening has bound the user, so an answered `ping` proves the binding.
    pub async fn connect_bound(&self, user: &TestUser) -> WsClient {
        let mut socket = self.connect(user).await;
        socket.send_json(&serde_json::json!({"type": "ping"})).await;
        socket.next_of_type("pong", WAIT).await;
        socket
    }

    // --- events ---------------------------------------------------------------------------

    pub async fn publish<E: Event>(&self, event: E) -> Envelope<E> {
        let envelope = Envelope::new(event);
        self.publish_envelope(&envelope).await;
        envelope
    }

    pub async fn publish_envelope<E: Event>(&self, envelope: &Envelope<E>) {
        self.publisher
            .publish(envelope, WAIT)
            .await
            .expect("published");
    }

    /// Publishes `message.sent` for `message`.
    pub async fn sent(&self, message: &ChatMessage) -> Envelope<MessageSent> {
        self.publish(MessageSent {
            message: message.clone(),
        })
        .await
    }

    /// Publishes `message.read`: `reader` has read `conversation` up to `seq`.
    pub async fn read(&self, reader: &TestUser, conversation: ConversationId, seq: i64) {
        self.publish(MessageRead {
            conversation_id: conversation,
            reader_id: reader.id,
            seq,
        })
        .await;
    }

    pub async fn register(&self, user: &TestUser) {
        self.publish(UserRegistered {
            user_id: user.id,
            username: user.username.clone(),
        })
        .await;
    }

    /// Registers `user` and waits until the service knows their username (`user.registered`
    /// and `message.sent` travel on different queues).
    pub async fn register_and_wait(&self, user: &TestUser) {
        self.register(user).await;
        let db = self.infra.db().await;
        eventually(&format!("{} to be known", user.username), WAIT, || async {
            let row = db
                .query_opt(
                    "SELECT username FROM users WHERE id = $1",
                    &[&user.id.as_uuid()],
                )
                .await
                .ok()??;
            (row.get::<_, String>(0) == user.username).then_some(())
        })
        .await;
    }

    // --- HTTP -----------------------------------------------------------------------------

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.service.get(path, cookie).await
    }

    /// `POST {path}` with a raw body, as JSON, from `origin`.
    pub async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        body: &str,
    ) -> Answer {
        self.service
            .request_raw("POST", path, cookie, origin, Some(body))
            .await
    }

    /// `GET /api/notifications?{query}` as `user`.
    pub async fn list(&self, user: &TestUser, query: &str) -> Answer {
        self.get(&format!("/api/notifications?{query}"), Some(&user.cookie()))
            .await
    }

    /// One page, asserting it is a 200.
    pub async fn page(&self, user: &TestUser, query: &str) -> Value {
        let answer = self.list(user, query).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body
    }

    /// `POST /api/notifications/read` with `body` as `user`.
    pub async fn mark_read(&self, user: &TestUser, body: &Value) -> Answer {
        self.post_raw(
            "/api/notifications/read",
            Some(&user.cookie()),
            Some(TEST_ORIGIN),
            &body.to_string(),
        )
        .await
    }

    /// Waits until `user`'s first page (with `query`) satisfies `check`; returns it.
    pub async fn wait_for_page(
        &self,
        user: &TestUser,
        query: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        eventually(
            &format!("{}'s notifications to match", user.username),
            WAIT,
            || async {
                let answer = self.list(user, query).await;
                (answer.status == 200 && check(&answer.body)).then_some(answer.body)
            },
        )
        .await
    }

    /// Waits until `user` has a notification of `message`; returns it.
    pub async fn wait_for_notification(&self, user: &TestUser, message: MessageId) -> Value {
        let page = self
            .wait_for_page(user, "limit=100", |page| find(page, message).is_some())
            .await;
        find(&page, message).cloned().expect("just found")
    }
}

/// A message from `from` to `to`, stored now.
pub fn message(
    from: &TestUser,
    to: &TestUser,
    conversation: ConversationId,
    seq: i64,
    content: &str,
) -> ChatMessage {
    message_at(from, to, conversation, seq, content, now())
}

/// A message from `from` to `to`, stored at `at`.
pub fn message_at(
    from: &TestUser,
    to: &TestUser,
    conversation: ConversationId,
    seq: i64,
    content: &str,
    at: DateTime<Utc>,
) -> ChatMessage {
    ChatMessage::new_user(
        MessageId::new(),
        conversation,
        seq,
        from.id,
        Some(to.id),
        content.to_owned(),
        at,
    )
}

/// A system message of a group: `event` by `actor` about `users`, at `seq`.
pub fn system_message(
    actor: &TestUser,
    conversation: ConversationId,
    seq: i64,
    event: SystemEvent,
    users: &[&TestUser],
    name: Option<&str>,
) -> ChatMessage {
    ChatMessage {
        receiver_id: None,
        kind: MessageKind::System,
        system: Some(SystemInfo {
            event,
            actor_id: actor.id,
            user_ids: users.iter().map(|u| u.id).collect(),
            name: name.map(str::to_owned),
            topic: None,
            role: None,
        }),
        ..ChatMessage::new_user(
            MessageId::new(),
            conversation,
            seq,
            actor.id,
            None,
            String::new(),
            now(),
        )
    }
}

/// A user's message in a group.
pub fn group_message(
    from: &TestUser,
    conversation: ConversationId,
    seq: i64,
    content: &str,
) -> ChatMessage {
    ChatMessage::new_user(
        MessageId::new(),
        conversation,
        seq,
        from.id,
        None,
        content.to_owned(),
        now(),
    )
}

/// Now, at the microsecond precision Postgres keeps.
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).expect("a representable time")
}

/// The notifications of a page.
pub fn notifications(page: &Value) -> &Vec<Value> {
    page["notifications"]
        .as_array()
        .expect("a notifications array")
}

/// The notification of `message` in a page, if listed.
pub fn find(page: &Value, message: MessageId) -> Option<&Value> {
    notifications(page)
        .iter()
        .find(|n| n["messageId"] == message.to_string())
}

/// The message ids of a page, in order.
pub fn message_ids(page: &Value) -> Vec<String> {
    notifications(page)
        .iter()
        .map(|n| n["messageId"].as_str().expect("a messageId").to_owned())
        .collect()
}
