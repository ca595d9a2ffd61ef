//! The users service's binary: everything it does is in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<users::startup::Users>().await
}
