//! `spawn_app`: the real notifications service on a free port, with a database, broker namespace
//! and Redis prefix of its own, all removed when the test ends.

use std::time::Duration;

use notifications::config::Config;
use notifications::startup::Application;
use shared::amqp::Publisher;
use shared::events::{Envelope, Event};
use shared::testing::{TestInfra, TestUser, WsClient};

pub const WAIT: Duration = Duration::from_secs(15);

pub struct TestApp {
    pub address: String,
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
    TestApp {
        address,
        publisher: Publisher::new(infra.amqp()),
        shutdown,
        infra,
    }
}

impl TestApp {
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

    pub async fn publish<E: Event>(&self, event: E) -> Envelope<E> {
        let envelope = Envelope::new(event);
        self.publisher
            .publish(&envelope, WAIT)
            .await
            .expect("published");
        envelope
    }
}
