//! Forwarding this node's commands to messages: every connection queues its commands here, and
//! one task takes whatever has gathered from its users' allowances (one call to Redis for the
//! lot; a command over its allowance is answered `rate_limited` and goes no further), then
//! publishes the rest as one confirmed message per commands queue (sends and typing to the one
//! kept in memory, the rest to the one on disk; see `Topology::chat_sends_queue`). A burst from
//! many sockets is then a handful of broker writes and one Redis call instead of one each, and
//! no connection waits for the broker or Redis before reading its next frame; order is kept
//! within each queue, since there is one publisher (across them nothing needs it: a command
//! about a message names one already stored). What the broker does not confirm in time is
//! answered `unavailable` to each connection that sent it (the client resends; a repeated send
//! is recognised). When the node's queue is full, a command is refused at once the same way, so
//! a flood cannot grow the node's memory without bound.

use std::time::Duration;

use shared::amqp::{Outgoing, Publisher};
use shared::chat::CommandEnvelope;
use shared::http::ErrorCode;
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, Echo, ErrorFrame, frame_text};
use shared::telemetry;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::rate_limit::{CommandLimiter, Kind, Verdict, too_fast};

/// The most commands one publish carries.
const MAX_BATCH: usize = 512;

/// Where a node's connections put their commands. Cheap to clone.
#[derive(Clone)]
pub struct CommandForwarder {
    queue: mpsc::Sender<CommandEnvelope>,
}

/// What the forwarding task needs.
pub struct ForwarderSettings {
    /// Confirmed publishing.
    pub publisher: Publisher,
    /// The commands queue kept on disk (published to through the default exchange).
    pub commands_queue: String,
    /// The commands queue kept in memory, for sends and typing (see
    /// [`shared::chat::ChatCommand::is_sent_again_if_lost`]).
    pub sends_queue: String,
    /// This node's sockets, to answer refused commands.
    pub hub: ConnectionHub,
    /// Per-user allowances, shared by all nodes.
    pub limiter: CommandLimiter,
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
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut closed = false;
    loop {
        let first = tokio::select! {
            biased;
            next = receiver.recv() => match next {
                Some(envelope) => envelope,
                None => return,
            },
            () = shutdown.cancelled(), if !closed => {
                // No new commands; what is queued still goes out.
                receiver.close();
                closed = true;
                continue;
            }
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(envelope) => batch.push(envelope),
                Err(_) => break,
            }
        }
        admit(&settings, &mut batch).await;
        if !batch.is_empty() {
            publish(&settings, &batch).await;
        }
        batch.clear();
    }
}

/// Takes every command of `batch` from its user's allowance for its kind, in order, and keeps
/// those it allowed; the others are answered `rate_limited` (a typing notice, best effort, is
/// dropped without an answer).
async fn admit(settings: &ForwarderSettings, batch: &mut Vec<CommandEnvelope>) {
    let uses: Vec<_> = batch
        .iter()
        .map(|envelope| (envelope.user_id, Kind::of(&envelope.command)))
        .collect();
    let verdicts = settings.limiter.take_many(&uses).await;
    let mut verdicts = verdicts.into_iter().zip(uses);
    batch.retain(|envelope| match verdicts.next() {
        Some((Verdict::Refused(wait), (_, kind))) => {
            if kind != Kind::Typing {
                answer(settings, envelope, ErrorCode::RateLimited, &too_fast(wait));
            }
            false
        }
        _ => true,
    });
}

/// `batch` as one confirmed message per commands queue it needs (each in order); refusals to
/// its senders if the broker does not take them.
async fn publish(settings: &ForwarderSettings, batch: &[CommandEnvelope]) {
    let (sent_again, kept): (Vec<&CommandEnvelope>, Vec<&CommandEnvelope>) = batch
        .iter()
        .partition(|envelope| envelope.command.is_sent_again_if_lost());
    let mut messages = Vec::with_capacity(2);
    for (lane, queue) in [
        (sent_again, &settings.sends_queue),
        (kept, &settings.commands_queue),
    ] {
        let Some(first) = lane.first() else {
            continue;
        };
        let payload = match serde_json::to_vec(&lane) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise commands");
                return refuse(settings, batch);
            }
        };
        messages.push(Outgoing {
            exchange: String::new(),
            routing_key: queue.clone(),
            bcc: Vec::new(),
            kind: "chat.commands".to_owned(),
            message_id: first.id.to_string(),
            payload,
        });
    }
    let traced = telemetry::hop_enabled().then(|| telemetry::hop_ids(batch.iter().map(|e| e.id)));
    if let Some(ids) = &traced {
        telemetry::hop("publish", ids);
    }
    match settings
        .publisher
        .publish_all(&messages, settings.deadline)
        .await
    {
        Ok(()) => {
            if let Some(ids) = &traced {
                telemetry::hop("confirmed", ids);
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, count = batch.len(), "commands not accepted by the broker");
            refuse(settings, batch);
        }
    }
}

fn refuse(settings: &ForwarderSettings, batch: &[CommandEnvelope]) {
    for envelope in batch {
        answer(
            settings,
            envelope,
            ErrorCode::Unavailable,
            "Chat is briefly unavailable. Send again.",
        );
    }
}

/// An `error` frame to the connection that sent `envelope`.
fn answer(
    settings: &ForwarderSettings,
    envelope: &CommandEnvelope,
    code: ErrorCode,
    message: &str,
) {
    let frame = ErrorFrame::new(
        code,
        message,
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
