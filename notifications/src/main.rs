use notifications::config::Config;
use notifications::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init("notifications");
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    tracing::info!(port = application.port(), "notifications listening");
    application.run_until_stopped().await?;
    Ok(())
}
