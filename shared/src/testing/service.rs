//! Running a service under test, and asking it things over HTTP.

use std::time::Duration;

use awc::http::StatusCode;
use awc::http::header::HeaderMap;
use serde_json::Value;

use super::{TEST_ORIGIN, TestInfra, TestUser, eventually};
use crate::amqp::Publisher;
use crate::events::{Envelope, UserRegistered};
use crate::service::{Service, ServiceConfig};
use crate::shutdown::ShutdownToken;

/// How long any wait in an integration test may take: starting a service, a request, an
/// event or frame to arrive.
pub const WAIT: Duration = Duration::from_secs(30);

/// A service running inside the test process on a free port, stopped when this is dropped
/// (declare it before the [`TestInfra`] it uses, so that it stops before its database goes).
pub struct TestService {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    shutdown: ShutdownToken,
}

/// Starts service `S` against `infra`'s database, broker names and Redis prefix, after `adjust`
/// has had the last word on its settings, and waits until it is ready (a socket node: its
/// inbox consumes).
pub async fn spawn_service<S: Service>(
    infra: &TestInfra,
    adjust: impl FnOnce(&mut S::Config),
) -> TestService {
    let mut config = S::Config::from_env().expect("the default configuration");
    infra.configure(config.common_mut());
    adjust(&mut config);
    let application = S::build(config)
        .await
        .unwrap_or_else(|e| panic!("{} starts: {e:#}", S::NAME));
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.infra().shutdown.clone();
    let ready = application.ready();
    actix_web::rt::spawn(application.run_until_stopped());
    tokio::time::timeout(WAIT, ready.cancelled())
        .await
        .unwrap_or_else(|_| panic!("{} becomes ready", S::NAME));
    TestService { address, shutdown }
}

impl TestService {
    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The WebSocket URL of `path`.
    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.address.replacen("http", "ws", 1))
    }

    /// Stops the service (its consumers, tasks and HTTP server), as a crash or a deploy would.
    pub fn stop(&self) {
        self.shutdown.cancel();
    }

    /// `GET path`, as `cookie`'s owner (or anonymously).
    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.request("GET", path, cookie, None).await
    }

    /// Any request from the test origin, with a JSON body if given, read whole.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        let body = body.map(Value::to_string);
        self.request_raw(method, path, cookie, Some(TEST_ORIGIN), body.as_deref())
            .await
    }

    /// Any request with an `Origin` of the test's choice (or none) and a body sent as
    /// `application/json` whatever it holds (malformed JSON, say), read whole.
    pub async fn request_raw(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        origin: Option<&str>,
        body: Option<&str>,
    ) -> Answer {
        let client = awc::Client::builder().timeout(WAIT).finish();
        let method = method.parse().expect("an HTTP method");
        let mut request = client.request(method, self.url(path));
        if let Some(origin) = origin {
            request = request.insert_header(("Origin", origin));
        }
        if let Some(cookie) = cookie {
            request = request.insert_header(("Cookie", cookie));
        }
        let mut response = match body {
            Some(body) => {
                request
                    .insert_header(("Content-Type", "application/json"))
                    .send_body(body.to_owned())
                    .await
            }
            None => request.send().await,
        }
        .unwrap_or_else(|e| panic!("{path} answers: {e}"));
        let bytes = response
            .body()
            .limit(1 << 26)
            .await
            .expect("a readable body");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }
}

impl TestService {
    /// Asserts that the list route `path` (with its query string so far, ending in `?` or `&`)
    /// answers every [`super::hostile::forged_cursors`] of list `list` with a 400 naming the
    /// `cursor` field, never a 500 and never a page.
    pub async fn assert_refuses_forged_cursors(&self, path: &str, list: &str, cookie: &str) {
        let forged = super::hostile::forged_cursors(list);
        for cursor in &forged {
            let query = format!("{path}cursor={}", super::hostile::percent_encode(cursor));
            let answer = self.get(&query, Some(cookie)).await;
            assert_eq!(answer.status, 400, "{query}: {}", answer.body);
            assert_eq!(answer.code(), "invalid_field", "{query}: {}", answer.body);
            assert!(
                answer.body["error"]["fields"]["cursor"].is_string(),
                "{query}: {}",
                answer.body
            );
        }
        tracing::info!(count = forged.len(), path, "forged cursors refused");
    }
}

impl Drop for TestService {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// An HTTP answer, its body read as JSON (`Null` if it is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Value,
}

/// Asserts the contract's error body with `status` and `code` (see [`Answer::assert_error`]).
pub fn assert_error(answer: &Answer, status: u16, code: &str) {
    answer.assert_error(status, code);
}

impl Answer {
    /// The contract's error code, or "".
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// Asserts the contract's error body, `{error: {code, message, fields?}}`, with `status`.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        assert!(
            self.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            self.body
        );
    }
}

/// Asserts that the service at `address` becomes ready (its `/readyz` answers 200 once its
/// Postgres, RabbitMQ and Redis are reachable) and that `version_path` names `service`.
pub async fn assert_ready_and_named(address: &str, version_path: Option<&str>, service: &str) {
    let client = awc::Client::default();
    eventually("readiness", Duration::from_secs(30), || async {
        let response = client.get(format!("{address}/readyz")).send().await.ok()?;
        response.status().is_success().then_some(())
    })
    .await;
    let mut health = client
        .get(format!("{address}/healthz"))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.expect("healthz is JSON");
    assert_eq!(body["status"], "ok");
    if let Some(path) = version_path {
        let mut response = client
            .get(format!("{address}{path}"))
            .send()
            .await
            .expect("the version route answers");
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("version is JSON");
        assert_eq!(body["service"], service);
    }
}

/// A new signed-in user named `name` whose `user.registered` has been published, as auth does
/// after a sign-up (not yet applied by anyone).
pub async fn announce_sign_up(publisher: &Publisher, name: &str) -> TestUser {
    let user = TestUser::new(name);
    let event = Envelope::new(UserRegistered {
        user_id: user.id,
        username: name.to_owned(),
    });
    publisher
        .publish(&event, WAIT)
        .await
        .expect("the broker confirms user.registered");
    user
}

/// Waits until `sql`, with `$1` bound to `id`, finds a row in the database at `database_url`.
pub async fn wait_for_row(database_url: &str, what: &str, sql: &str, id: uuid::Uuid) {
    let (db, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .expect("the test database");
    tokio::spawn(connection);
    eventually(what, WAIT, || async {
        db.query_opt(sql, &[&id]).await.ok().flatten().map(drop)
    })
    .await;
}
