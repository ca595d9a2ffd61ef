use messages::config::Config;
use messages::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init("messages");
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    tracing::info!(port = application.port(), "messages listening");
    application.run_until_stopped().await?;
    Ok(())
}
