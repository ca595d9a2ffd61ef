//! `spawn_app`: the real service on a free port, with a database, broker namespace and Redis
//! prefix of its own, all removed when the test ends; and one helper per endpoint and event.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::amqp::Publisher;
use shared::events::{Envelope, Event, UserOffline, UserOnline, UserRegistered};
use shared::ids::UserId;
pub use shared::testing::{Answer, WAIT, assert_error};
use shared::testing::{TestInfra, TestService, TestUser, eventually, spawn_service};
use users::config::Config;
use users::startup::Users;

pub struct TestApp {
    pub service: TestService,
    /// Publishes events as auth and the socket handler would.
    pub publisher: Publisher,
    /// Someone signed in who is in nobody's way: not in the directory.
    pub observer: TestUser,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with a last say over the configuration (to route a dependency through a
/// proxy, say).
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let infra = TestInfra::new("users").await;
    let service = spawn_service::<Users>(&infra, adjust).await;
    infra
        .wait_for_event_consumers(
            "users",
            &[
                (UserRegistered::EXCHANGE, UserRegistered::ROUTING_KEY),
                (UserOnline::EXCHANGE, UserOnline::ROUTING_KEY),
                (UserOffline::EXCHANGE, UserOffline::ROUTING_KEY),
            ],
        )
        .await;
    TestApp {
        service,
        publisher: Publisher::new(infra.amqp()),
        observer: TestUser::new("observer"),
        infra,
    }
}

impl TestApp {
    // --- events ---------------------------------------------------------------------------

    pub async fn publish<E: Event>(&self, envelope: &Envelope<E>) {
        self.publisher
            .publish(envelope, Duration::from_secs(10))
            .await
            .expect("the broker confirms the event");
    }

    /// A new signed-in user whose `user.registered` has been published (not yet applied).
    pub async fn register(&self, username: &str) -> TestUser {
        let user = TestUser::new(username);
        self.publish(&registered(&user)).await;
        user
    }

    pub async fn online(&self, user: &TestUser, at: DateTime<Utc>) -> Envelope<UserOnline> {
        let envelope = online(user, at);
        self.publish(&envelope).await;
        envelope
    }

    pub async fn offline(&self, user: &TestUser, at: DateTime<Utc>) -> Envelope<UserOffline> {
        let envelope = offline(user, at);
        self.publish(&envelope).await;
        envelope
    }

    /// Registers each `(username, online)` and sets them online where asked, then waits until
    /// the directory shows all of them so.
    pub async fn seed(&self, users: &[(&str, bool)]) -> Vec<TestUser> {
        let mut seeded = Vec::new();
        for (username, is_online) in users {
            let user = self.register(username).await;
            if *is_online {
                self.online(&user, now()).await;
            }
            seeded.push(user);
        }
        for (user, (_, is_online)) in seeded.iter().zip(users) {
            let status = if *is_online { "online" } else { "offline" };
            self.wait_for_user(user.id, |body| body["status"] == status)
                .await;
        }
        seeded
    }

    // --- HTTP -----------------------------------------------------------------------------

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.service.get(path, cookie).await
    }

    /// `GET /api/users?{query}` as `caller`.
    pub async fn list(&self, caller: &TestUser, query: &str) -> Answer {
        self.get(&format!("/api/users?{query}"), Some(&caller.cookie()))
            .await
    }

    /// The usernames of one page, asserting it is a 200.
    pub async fn usernames(&self, caller: &TestUser, query: &str) -> Vec<String> {
        let answer = self.list(caller, query).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        usernames(&answer.body)
    }

    /// `GET /api/users/{id}` as the observer.
    pub async fn user(&self, id: impl std::fmt::Display) -> Answer {
        self.get(&format!("/api/users/{id}"), Some(&self.observer.cookie()))
            .await
    }

    /// Waits until `GET /api/users/{id}` answers a profile for which `check` holds.
    pub async fn wait_for_user(&self, id: UserId, check: impl Fn(&Value) -> bool) -> Value {
        eventually(&format!("user {id} to match"), WAIT, || async {
            let answer = self.user(id).await;
            (answer.status == 200 && check(&answer.body)).then_some(answer.body)
        })
        .await
    }
}

pub fn registered(user: &TestUser) -> Envelope<UserRegistered> {
    Envelope::new(UserRegistered {
        user_id: user.id,
        username: user.username.clone(),
    })
}

pub fn online(user: &TestUser, at: DateTime<Utc>) -> Envelope<UserOnline> {
    Envelope::new(UserOnline {
        user_id: user.id,
        username: user.username.clone(),
        at,
    })
}

pub fn offline(user: &TestUser, at: DateTime<Utc>) -> Envelope<UserOffline> {
    Envelope::new(UserOffline {
        user_id: user.id,
        username: user.username.clone(),
        at,
    })
}

/// Now, at the microsecond precision Postgres keeps, so that it compares equal after storage.
pub fn now() -> DateTime<Utc> {
    micros(Utc::now())
}

pub fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).expect("a representable time")
}

/// A `lastSeenAt` (or any time) from a response body.
pub fn time(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().map(|s| {
        DateTime::parse_from_rfc3339(s)
            .expect("RFC 3339")
            .with_timezone(&Utc)
    })
}

pub fn usernames(body: &Value) -> Vec<String> {
    body["users"]
        .as_array()
        .expect("a users array")
        .iter()
        .map(|user| user["username"].as_str().expect("a username").to_owned())
        .collect()
}
