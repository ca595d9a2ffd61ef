//! The socket-handler service's binary: everything it does is in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<socket_handler::startup::SocketHandler>().await
}
