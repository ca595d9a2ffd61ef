use auth::config::Config;
use auth::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init("auth");
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    tracing::info!(port = application.port(), "auth listening");
    application.run_until_stopped().await?;
    Ok(())
}
