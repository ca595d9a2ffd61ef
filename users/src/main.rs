#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<users::startup::Users>().await
}
