//! The notifications service's binary: everything it does is in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<notifications::startup::Notifications>().await
}
