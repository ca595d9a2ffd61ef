//! `spawn_app`: the real notifications service on a free port, with a database, broker namespace
//! and Redis prefix of its own, all removed when the test ends; and helpers per endpoint and
//! event.

use std::time::Duration;

use awc::http::StatusCode;
use chrono::{DateTime, Utc};
use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use notifications::config::Config;
use notifications::startup::Application;
use serde_json::Value;
use shared::amqp::Publisher;
use shared::events::{
    ChatMessage, Envelope, Event, MessageRead, MessageSent, UserRegistered, UserSignedOut,
    VoteCounts,
};
use shared::ids::{ConversationId, MessageId};
use shared::testing::{TEST_ORIGIN, TestInfra, TestUser, WsClient, eventually};

pub const WAIT: Duration = Duration::from_secs(30);

pub struct TestApp {
    pub address: String,
    pub client: awc::Client,
    pub publisher: Publisher,
    shutdown: shared::shutdown::ShutdownToken,
    pub infra: TestInfra,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let infra = TestInfra::new("notifications").await;
    let mut config = Config::from_env().expect("default configuration");
    infra.configure(&mut config.common);
    adjust(&mut config);
    let application = Application::build(config)
        .await
        .expect("notifications starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.infra().shutdown.clone();
    let ready = application.inbox_ready();
    actix_web::rt::spawn(application.run_until_stopped());
    tokio::time::timeout(WAIT, ready.cancelled())
        .await
        .expect("the node inbox starts consuming");
    let app = TestApp {
        address,
        client: awc::Client::default(),
        publisher: Publisher::new(infra.amqp()),
        shutdown,
        infra,
    };
    app.wait_for_consumers().await;
    app
}

/// An HTTP answer, its body read as JSON (`Null` if it is not).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl TestApp {
    /// Stops the service, as a shutdown signal would (tests of restarts).
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    /// Events published before a durable queue is bound would be dropped by the exchange, so
    /// wait until each of notifications' queues has its consumer.
    async fn wait_for_consumers(&self) {
        let topology = self.infra.topology();
        let queues = [
            topology.event_queue(
                "notifications",
                MessageSent::EXCHANGE,
                MessageSent::ROUTING_KEY,
            ),
            topology.event_queue(
                "notifications",
                MessageRead::EXCHANGE,
                MessageRead::ROUTING_KEY,
            ),
            topology.event_queue(
                "notifications",
                UserRegistered::EXCHANGE,
                UserRegistered::ROUTING_KEY,
            ),
            topology.event_queue(
                "notifications",
                UserSignedOut::EXCHANGE,
                UserSignedOut::ROUTING_KEY,
            ),
            topology.push_queue(),
        ];
        for queue in queues {
            eventually(&format!("a consumer on {}", queue.name), WAIT, || async {
                // A passive declare of a missing queue closes its channel: one channel per try.
                let channel = self.publisher.client().channel(WAIT).await.ok()?;
                let declared = channel
                    .queue_declare(
                        queue.name.clone().into(),
                        QueueDeclareOptions {
                            passive: true,
                            ..QueueDeclareOptions::default()
                        },
                        FieldTable::default(),
                    )
                    .await
                    .ok()?;
                (declared.consumer_count() > 0).then_some(())
            })
            .await;
        }
    }

    // --- sockets --------------------------------------------------------------------------

    pub fn ws_url(&self) -> String {
        format!(
            "{}/ws/notifications",
            self.address.replacen("http", "ws", 1)
        )
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
        let mut request = self.client.get(format!("{}{path}", self.address));
        if let Some(cookie) = cookie {
            request = request.insert_header(("Cookie", cookie));
        }
        answer(request.send().await.expect("the service answers")).await
    }

    /// `POST {path}` with a raw body, as JSON, from our origin unless `origin` says otherwise.
    pub async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        body: &str,
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .insert_header(("Content-Type", "application/json"));
        if let Some(cookie) = cookie {
            request = request.insert_header(("Cookie", cookie));
        }
        if let Some(origin) = origin {
            request = request.insert_header(("Origin", origin));
        }
        answer(
            request
                .send_body(body.to_owned())
                .await
                .expect("the service answers"),
        )
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

pub async fn answer(mut response: awc::ClientResponse) -> Answer {
    let status = response.status();
    let bytes = response.body().await.expect("a readable body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer { status, body }
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
    ChatMessage {
        id: MessageId::new(),
        conversation_id: conversation,
        seq,
        sender_id: from.id,
        receiver_id: to.id,
        content: content.to_owned(),
        created_at: at,
        votes: VoteCounts::default(),
    }
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

/// Asserts the contract's error body: `{error: {code, message, fields?}}`.
pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.body);
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.body
    );
}
