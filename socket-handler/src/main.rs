#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::service::main::<socket_handler::startup::SocketHandler>().await
}
