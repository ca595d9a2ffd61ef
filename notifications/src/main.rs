#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<notifications::startup::Notifications>().await
}
