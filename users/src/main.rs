use users::config::Config;
use users::startup::Application;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init("users");
    let config = Config::from_env()?;
    let application = Application::build(config).await?;
    tracing::info!(port = application.port(), "users listening");
    application.run_until_stopped().await?;
    Ok(())
}
