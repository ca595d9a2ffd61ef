//! `spawn_app`: the real service on a free port, with a database, broker namespace and Redis
//! prefix of its own, all removed when the test ends.

use shared::testing::TestInfra;
use socket_handler::config::Config;
use socket_handler::startup::Application;

pub struct TestApp {
    pub address: String,
    shutdown: shared::shutdown::ShutdownToken,
    // Dropped last, after the service has been told to stop.
    pub infra: TestInfra,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_app() -> TestApp {
    let infra = TestInfra::new("socket-handler").await;
    let mut config = Config::from_env().expect("default configuration");
    infra.configure(&mut config.common);
    let application = Application::build(config)
        .await
        .expect("the service starts");
    let address = format!("http://127.0.0.1:{}", application.port());
    let shutdown = application.infra().shutdown.clone();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address,
        shutdown,
        infra,
    }
}
