//! The messages service's binary: everything it does is in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<messages::startup::Messages>().await
}
