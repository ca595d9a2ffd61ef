//! Forwarding this node's commands to messages: every connection queues its commands here, and
//! one task takes whatever has gathered from its users' allowances (one call to Redis for the
//! lot; a command over its allowance is answered `rate_limited` and goes no further), then hands
//! the sends and typing notices to messages' writer over the writer lane ([`crate::lane`]) and
//! publishes the rest as one confirmed message to the commands queue on disk (and the sends the
//! lane could not take to the one kept in memory; see `Topology::chat_sends_queue`), from a task
//! of its own, so that the broker's confirm of a read receipt does not hold up the sends behind
//! it. A burst from many sockets is then one lane frame, a broker write or two and one Redis call
//! instead of one each, and no connection waits for the broker, the writer or Redis before
//! reading its next frame; order is kept within each way, since there is one forwarder and one
//! publishing task, and across the lane and
//! the queue kept in memory by the lane's barrier (between them and the queue on disk nothing
//! needs it: a command about a message names one already stored). What the broker does not
//! confirm in time is answered `unavailable` to each connection that sent it (the client
//! resends; a repeated send is recognised). When the node's queue is full, a command is refused
//! at once the same way, so a flood cannot grow the node's memory without bound.

use std::sync::Arc;
use std::time::Duration;

use shared::amqp::{Outgoing, Publisher};
use shared::chat::CommandEnvelope;
use shared::http::ErrorCode;
use shared::service::ServiceInfra;
use shared::socket::{ConnectionHub, Echo, ErrorFrame, frame_text};
use shared::telemetry;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::lane::WriterLane;
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
    /// The commands queue kept in memory, for the sends and typing the lane cannot take (see
    /// [`shared::chat::ChatCommand::is_sent_again_if_lost`]).
    pub sends_queue: String,
    /// The lane to messages' writer, unless this node sends everything through the broker.
    pub lane: Option<WriterLane>,
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
    pub fn start(mut settings: ForwarderSettings, infra: &ServiceInfra) -> Self {
        let (queue, receiver) = mpsc::channel(settings.capacity.max(1));
        let (to_publish, publishing) = mpsc::channel(PUBLISHES_WAITING);
        let lane = settings.lane.take();
        let settings = Arc::new(settings);
        infra.tasks.spawn(forward(
            settings.clone(),
            lane,
            receiver,
            to_publish,
            infra.shutdown.clone(),
        ));
        infra.tasks.spawn(publish_in_order(settings, publishing));
        Self { queue }
    }

    /// Queues `envelope` for messages; `false` if the node's queue is full (the caller answers
    /// `unavailable`).
    pub fn forward(&self, envelope: CommandEnvelope) -> bool {
        self.queue.try_send(envelope).is_ok()
    }
}

async fn forward(
    settings: Arc<ForwarderSettings>,
    mut lane: Option<WriterLane>,
    mut receiver: mpsc::Receiver<CommandEnvelope>,
    to_publish: mpsc::Sender<ToPublish>,
    shutdown: CancellationToken,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut closed = false;
    loop {
        let first = tokio::select! {
            biased;
            () = given_back(lane.as_ref()) => {
                // A lane that closed gave its batches back: to the queue, before anything newer.
                hand_over(&mut lane, Vec::new(), &to_publish).await;
                continue;
            }
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
            hand_over(&mut lane, std::mem::take(&mut batch), &to_publish).await;
        }
    }
}

/// Completes when `lane` has batches to give back; never without a lane.
async fn given_back(lane: Option<&WriterLane>) {
    match lane {
        Some(lane) => lane.returned().await,
        None => std::future::pending().await,
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

/// What goes to the commands queues from one batch: the sends and typing the lane did not take
/// (with whatever it gave back first), and the other commands.
struct ToPublish {
    sent_again: Vec<CommandEnvelope>,
    kept: Vec<CommandEnvelope>,
}

/// Batches handed to the publishing task before the forwarder waits for it.
const PUBLISHES_WAITING: usize = 64;

/// Sends `batch`'s sends and typing on the lane and hands the rest to the publishing task, which
/// publishes while the forwarder goes on: the broker's confirm of a read receipt does not hold up
/// the sends behind it.
async fn hand_over(
    lane: &mut Option<WriterLane>,
    batch: Vec<CommandEnvelope>,
    to_publish: &mpsc::Sender<ToPublish>,
) {
    if telemetry::hop_enabled() {
        telemetry::hop("publish", &telemetry::hop_ids(batch.iter().map(|e| e.id)));
    }
    let (sent_again, kept): (Vec<CommandEnvelope>, Vec<CommandEnvelope>) = batch
        .into_iter()
        .partition(|envelope| envelope.command.is_sent_again_if_lost());
    let sent_again = match lane {
        Some(lane) => lane.send(sent_again).await,
        None => sent_again,
    };
    if (sent_again.is_empty() && kept.is_empty())
        || to_publish
            .send(ToPublish { sent_again, kept })
            .await
            .is_ok()
    {
        return;
    }
    tracing::error!("the publishing task is gone; commands dropped");
}

/// Publishes what the forwarder hands over, in order, until it stops.
async fn publish_in_order(settings: Arc<ForwarderSettings>, mut handed: mpsc::Receiver<ToPublish>) {
    while let Some(ToPublish { sent_again, kept }) = handed.recv().await {
        publish(&settings, &sent_again, &kept).await;
    }
}

/// The commands as one confirmed message per commands queue (each in order); refusals to their
/// senders if the broker does not take them.
async fn publish(
    settings: &ForwarderSettings,
    sent_again: &[CommandEnvelope],
    kept: &[CommandEnvelope],
) {
    let mut messages = Vec::with_capacity(2);
    for (commands, queue) in [
        (sent_again, &settings.sends_queue),
        (kept, &settings.commands_queue),
    ] {
        let Some(first) = commands.first() else {
            continue;
        };
        let payload = match serde_json::to_vec(commands) {
            Ok(payload) => payload,
            Err(e) => {
                tracing::error!(error = %e, "cannot serialise commands");
                return refuse(settings, sent_again.iter().chain(kept));
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
    if messages.is_empty() {
        return;
    }
    match settings
        .publisher
        .publish_all(&messages, settings.deadline)
        .await
    {
        Ok(()) => {
            if telemetry::hop_enabled() {
                let ids = telemetry::hop_ids(sent_again.iter().chain(kept).map(|e| e.id));
                telemetry::hop("confirmed", &ids);
            }
        }
        Err(e) => {
            let count = sent_again.len() + kept.len();
            tracing::warn!(error = %e, count, "commands not accepted by the broker");
            refuse(settings, sent_again.iter().chain(kept));
        }
    }
}

fn refuse<'a>(settings: &ForwarderSettings, batch: impl Iterator<Item = &'a CommandEnvelope>) {
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
