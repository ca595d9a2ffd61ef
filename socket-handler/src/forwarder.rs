//! Forwarding this node's commands to messages: every connection queues its commands here, and
//! one task publishes whatever has gathered as one confirmed message on the commands queue. A
//! burst from many sockets is then a handful of broker writes instead of one each, and no
//! connection waits for the broker before reading its next frame; order is kept, since there
//! is one queue and one publisher. A batch goes out while earlier ones still wait for their
//! confirms (up to [`MAX_UNCONFIRMED`]), which another task awaits in order. What the broker
//! does not confirm in time is answered `unavailable` to each connection that sent it (the
//! client resends; a repeated send is recognised). When the node's queue is full, a command is refused at once the same way, so a
//! flood cannot grow the node's memory without bound.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use shared::amqp::{Outgoing, Publisher};
use shared::chat::CommandEnvelope;
use shared::http::ErrorCode;
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, Echo, ErrorFrame, frame_text};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The most commands one publish carries.
const MAX_BATCH: usize = 512;

/// Batches handed to the broker and not confirmed yet, at most. A quorum queue confirms a batch
/// once it is on disk; commands arriving meanwhile go out at once instead of waiting for that,
/// and the broker writes them with the ones before.
const MAX_UNCONFIRMED: usize = 8;

/// Where a node's connections put their commands. Cheap to clone.
#[derive(Clone)]
pub struct CommandForwarder {
    queue: mpsc::Sender<CommandEnvelope>,
}

/// What the forwarding task needs.
pub struct ForwarderSettings {
    /// Confirmed publishing.
    pub publisher: Publisher,
    /// The commands queue (published to through the default exchange).
    pub commands_queue: String,
    /// This node's sockets, to answer refused commands.
    pub hub: ConnectionHub,
    /// How long a publish may wait for the broker's confirm.
    pub deadline: Duration,
    /// Commands waiting to be published, at most.
    pub capacity: usize,
}

impl CommandForwarder {
    /// Starts the forwarding task among the service's tasks; on shutdown it publishes what is
    /// already queued, then stops.
    pub fn start(settings: ForwarderSettings, infra: &ServiceInfra) -> Self {
        let (queue, receiver) = mpsc::channel(settings.capacity.max(1));
        infra
            .tasks
            .spawn(forward(settings, receiver, infra.shutdown.clone()));
        Self { queue }
    }

    /// Queues `envelope` for messages; `false` if the node's queue is full (the caller answers
    /// `unavailable`).
    pub fn forward(&self, envelope: CommandEnvelope) -> bool {
        self.queue.try_send(envelope).is_ok()
    }
}

async fn forward(
    settings: ForwarderSettings,
    mut receiver: mpsc::Receiver<CommandEnvelope>,
    shutdown: CancellationToken,
) {
    let settings = Arc::new(settings);
    let (unconfirmed, confirming) = mpsc::channel(MAX_UNCONFIRMED);
    let confirmer = tokio::spawn(confirm(settings.clone(), confirming));
    let mut closed = false;
    loop {
        let first = tokio::select! {
            biased;
            next = receiver.recv() => match next {
                Some(envelope) => envelope,
                None => break,
            },
            () = shutdown.cancelled(), if !closed => {
                // No new commands; what is queued still goes out.
                receiver.close();
                closed = true;
                continue;
            }
        };
        let mut batch = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(envelope) => batch.push(envelope),
                Err(_) => break,
            }
        }
        if let Some(pending) = send(&settings, batch).await {
            // Waits only when MAX_UNCONFIRMED batches are unconfirmed already.
            if unconfirmed.send(pending).await.is_err() {
                break;
            }
        }
    }
    drop(unconfirmed);
    let _ = confirmer.await;
}

/// A batch handed to the broker, and its confirm to come.
type Unconfirmed = (
    Vec<CommandEnvelope>,
    Pin<Box<dyn Future<Output = Result<(), String>> + Send>>,
);

/// Hands `batch` to the broker as one message, without waiting for its confirm. When it cannot
/// (the channel broke), falls back to publishing with retries until the deadline, and refuses
/// the batch's commands if that fails too; `None` then, as nothing is left to confirm.
async fn send(settings: &ForwarderSettings, batch: Vec<CommandEnvelope>) -> Option<Unconfirmed> {
    let message = match message(settings, &batch) {
        Ok(message) => message,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise commands");
            refuse(settings, &batch);
            return None;
        }
    };
    match settings.publisher.send(&message, settings.deadline).await {
        Ok(pending) => Some((batch, Box::pin(pending.confirmed(settings.deadline)))),
        Err(e) => {
            tracing::debug!(error = %e, "commands not handed to the broker, retrying");
            if let Err(e) = settings
                .publisher
                .publish_all(std::slice::from_ref(&message), settings.deadline)
                .await
            {
                tracing::warn!(error = %e, count = batch.len(), "commands not accepted by the broker");
                refuse(settings, &batch);
            }
            None
        }
    }
}

/// Waits for each batch's confirm in the order they were sent; a batch the broker did not
/// confirm is refused to its senders, who send again (a repeated send is recognised).
async fn confirm(settings: Arc<ForwarderSettings>, mut confirming: mpsc::Receiver<Unconfirmed>) {
    while let Some((batch, confirmed)) = confirming.recv().await {
        if let Err(e) = confirmed.await {
            tracing::warn!(error = %e, count = batch.len(), "commands not confirmed by the broker");
            refuse(&settings, &batch);
        }
    }
}

/// One message carrying `batch` on the commands queue.
fn message(
    settings: &ForwarderSettings,
    batch: &[CommandEnvelope],
) -> Result<Outgoing, serde_json::Error> {
    Ok(Outgoing {
        exchange: String::new(),
        routing_key: settings.commands_queue.clone(),
        bcc: Vec::new(),
        kind: "chat.commands".to_owned(),
        message_id: batch[0].id.to_string(),
        payload: serde_json::to_vec(batch)?,
    })
}

fn refuse(settings: &ForwarderSettings, batch: &[CommandEnvelope]) {
    for envelope in batch {
        let frame = ErrorFrame::new(
            ErrorCode::Unavailable,
            "Chat is briefly unavailable. Send again.",
            Echo {
                client_msg_id: envelope.command.client_msg_id(),
                request_id: envelope.request_id.as_deref(),
            },
        );
        settings.hub.send_to_connection(
            envelope.user_id,
            envelope.origin.connection,
            frame_text(&frame),
        );
    }
}
