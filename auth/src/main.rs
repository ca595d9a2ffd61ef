#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<auth::startup::Auth>().await
}
