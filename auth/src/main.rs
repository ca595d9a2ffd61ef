//! The auth service's binary: everything it does is in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<auth::startup::Auth>().await
}
