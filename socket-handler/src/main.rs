use socket_handler::config::Config;
use socket_handler::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init("socket-handler");
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    tracing::info!(port = application.port(), "socket-handler listening");
    application.run_until_stopped().await?;
    Ok(())
}
