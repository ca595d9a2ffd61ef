//! A push job: "push this notification to its owner's subscriptions". One per new, unread,
//! unmuted notification whose owner has a subscription, written to the outbox in the
//! transaction that stores the notification and published after commit to the durable queue
//! [`shared::amqp::Topology::push_queue`], so a job exists exactly when its notification does.

use serde::{Deserialize, Serialize};
use shared::amqp::{NOTIFICATIONS_DELIVERY_EXCHANGE, PUSH_ROUTING_KEY};
use shared::outbox::{self, InternalMessage};

use crate::domain::NotificationId;

/// The AMQP `type` of a push job.
pub const PUSH_REQUESTED: &str = "push.requested";

/// The body of a push job.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushJob {
    /// The notification to push; everything else is read when the job runs.
    pub notification_id: NotificationId,
}

impl PushJob {
    /// Writes this job to the outbox, in the caller's transaction.
    pub async fn enqueue(
        &self,
        client: &impl deadpool_postgres::GenericClient,
    ) -> Result<(), tokio_postgres::Error> {
        // A struct of one id always serialises.
        let payload = serde_json::to_value(self).unwrap_or_default().to_string();
        outbox::enqueue_internal(
            client,
            &InternalMessage {
                exchange: NOTIFICATIONS_DELIVERY_EXCHANGE,
                routing_key: PUSH_ROUTING_KEY,
                bcc: &[],
                kind: PUSH_REQUESTED,
                payload: &payload,
            },
        )
        .await
    }

    /// Reads a job from the queue.
    pub fn decode(payload: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(payload).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_reads_back() {
        let job = PushJob {
            notification_id: NotificationId::new(),
        };
        let json = serde_json::to_vec(&job).unwrap();
        assert_eq!(PushJob::decode(&json), Ok(job));
        assert!(PushJob::decode(b"{}").is_err());
    }
}
