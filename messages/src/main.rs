#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<messages::startup::Messages>().await
}
