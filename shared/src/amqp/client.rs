//! One supervised broker connection per process.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::{Channel, Connection, ConnectionProperties};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::Topology;

/// A handle to the process's broker connection; cheap to clone. The connection is re-made in the
/// background whenever it breaks; callers ask for a channel and wait (boundedly) for one.
#[derive(Clone)]
pub struct AmqpClient {
    current: watch::Receiver<Option<Arc<Connection>>>,
    topology: Topology,
}

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

impl AmqpClient {
    /// Starts the supervisor task; returns at once, connected or not.
    pub fn start(url: &str, name: &str, topology: Topology, shutdown: CancellationToken) -> Self {
        let (sender, current) = watch::channel(None);
        tokio::spawn(supervise(
            url.to_owned(),
            name.to_owned(),
            topology.clone(),
            sender,
            shutdown,
        ));
        Self { current, topology }
    }

    /// The names this process uses.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Whether the broker is reachable right now (readiness).
    pub fn is_connected(&self) -> bool {
        self.current
            .borrow()
            .as_ref()
            .is_some_and(|c| c.status().connected())
    }

    /// Whether the connection was closed for good (the service is stopping): nothing will be
    /// published any more, so there is no point waiting for it.
    pub fn is_stopped(&self) -> bool {
        self.current.has_changed().is_err()
    }

    /// A new channel, waiting up to `patience` for the connection to be (re)established.
    pub async fn channel(&self, patience: Duration) -> Result<Channel, lapin::Error> {
        let mut current = self.current.clone();
        let connection = tokio::time::timeout(patience, async {
            loop {
                if let Some(connection) = current.borrow_and_update().clone()
                    && connection.status().connected()
                {
                    return Some(connection);
                }
                if current.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await
        .ok()
        .flatten();
        match connection {
            Some(connection) => connection.create_channel().await,
            None => {
                Err(lapin::ErrorKind::InvalidConnectionState(lapin::ConnectionState::Closed).into())
            }
        }
    }
}

async fn supervise(
    url: String,
    name: String,
    topology: Topology,
    sender: watch::Sender<Option<Arc<Connection>>>,
    shutdown: CancellationToken,
) {
    let mut backoff = MIN_BACKOFF;
    while !shutdown.is_cancelled() {
        let properties = ConnectionProperties::default().with_connection_name(name.clone().into());
        let attempt = async {
            let connection = Connection::connect(&url, properties).await?;
            topology
                .declare_exchanges(&connection.create_channel().await?)
                .await?;
            topology.declare_subscriptions(&connection).await;
            Ok::<_, lapin::Error>(connection)
        };
        let connection = tokio::select! {
            () = shutdown.cancelled() => break,
            result = attempt => result,
        };
        match connection {
            Ok(connection) => {
                tracing::info!(connection = %name, "connected to RabbitMQ");
                backoff = MIN_BACKOFF;
                let connection = Arc::new(connection);
                sender.send_replace(Some(connection.clone()));
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = broken(&connection) => tracing::warn!(connection = %name, "lost RabbitMQ connection, reconnecting"),
                }
                sender.send_replace(None);
                if shutdown.is_cancelled() {
                    // Let in-flight acks and confirms finish before closing.
                    let _ = connection.close(200, "shutting down".into()).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retry_in = ?backoff, "cannot reach RabbitMQ");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(jitter(backoff)) => {}
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Resolves when the connection has failed, by its error event or, as a safety net, its status.
async fn broken(connection: &Connection) {
    let mut events = connection.events_listener();
    let error_event = async {
        while let Some(event) = events.next().await {
            // A channel-level error (a missing queue, say) closes only that channel; only a
            // connection that is no longer connected needs replacing.
            if let lapin::Event::Error(e) = event
                && !connection.status().connected()
            {
                tracing::warn!(error = %e, "RabbitMQ connection error");
                return;
            }
        }
        std::future::pending::<()>().await;
    };
    let status_poll = async {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            if !connection.status().connected() {
                return;
            }
        }
    };
    tokio::select! {
        () = error_event => {}
        () = status_poll => {}
    }
}

/// Spreads reconnect attempts of many replicas so they do not arrive in one wave.
fn jitter(d: Duration) -> Duration {
    let factor = 0.5 + rand::random::<f64>();
    d.mul_f64(factor)
}
