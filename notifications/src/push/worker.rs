//! Handling a push job: read the notification and its owner's subscriptions, push to each one
//! not yet pushed, record what was delivered and delete what is gone.
//!
//! Nothing is pushed for a notification that is gone, already read, older than a push's
//! lifetime or whose conversation is muted by now. How each (notification, subscription) pair
//! ended is recorded (delivered, or given up), and only unrecorded pairs are tried, so a job
//! handled again (redelivered after a crash or a restart) sends nothing twice. The exceptions:
//! a push in flight at the very moment of a crash, and two copies of one job handled at the
//! same instant (the outbox relay republishing after a lost confirm), may go twice; the service
//! worker then shows it once (same `tag`, same notification id). No database connection is
//! held while requests are in flight.

use std::sync::Arc;

use chrono::Utc;
use deadpool_postgres::Pool;
use futures_util::future::join_all;
use shared::amqp::HandleError;
use tracing::Instrument;

use super::client::PushClient;
use super::config::PushConfig;
use super::delivery::{Retries, SendLimits, Settled, deliver};
use super::job::PushJob;
use super::payload::{PushMessage, TTL};
use super::vapid::VapidKey;
use crate::error::NotificationsError;
use crate::repository::push_subscriptions::Outcome;
use crate::repository::{mutes, notifications, push_subscriptions};

/// Sends push jobs; shared by every job in flight.
pub struct PushWorker {
    db: Pool,
    client: PushClient,
    limits: SendLimits,
    retries: Retries,
}

impl PushWorker {
    /// Over notifications' database, with the push settings, signing with `vapid`.
    pub fn new(db: Pool, config: &PushConfig, vapid: VapidKey) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            client: PushClient::new(config, vapid)?,
            limits: SendLimits::new(config),
            retries: Retries::new(config),
        })
    }

    /// Handles one job; database failures are retried by redelivery.
    pub async fn handle(self: Arc<Self>, job: PushJob) -> Result<(), HandleError> {
        let span = tracing::info_span!("push", notification = %job.notification_id);
        self.push(job)
            .instrument(span)
            .await
            .map_err(HandleError::from)
    }

    async fn push(&self, job: PushJob) -> Result<(), NotificationsError> {
        let (notification, targets) = {
            let client = self.db.get().await?;
            let Some((owner, notification)) =
                notifications::find(&client, job.notification_id).await?
            else {
                tracing::debug!("the notification is gone; nothing to push");
                return Ok(());
            };
            if notification.read_at.is_some() {
                tracing::debug!("already read; nothing to push");
                return Ok(());
            }
            let age = Utc::now() - notification.created_at;
            if age.to_std().is_ok_and(|age| age > TTL) {
                tracing::debug!("older than a push's lifetime; nothing to push");
                return Ok(());
            }
            if mutes::is_muted(&client, owner, notification.conversation_id).await? {
                tracing::debug!("muted; nothing to push");
                return Ok(());
            }
            let targets =
                push_subscriptions::not_yet_pushed(&client, owner, notification.id.as_uuid())
                    .await?;
            (notification, targets)
        };
        if targets.is_empty() {
            return Ok(());
        }
        let Some(message) = PushMessage::of(&notification) else {
            return Err(anyhow::anyhow!("a notification too large to push").into());
        };
        let outcomes = join_all(targets.iter().map(|target| async {
            let settled = deliver(
                &self.client,
                &self.limits,
                self.retries,
                &target.target,
                &message,
            )
            .await;
            self.settle(notification.id.as_uuid(), target.id, settled)
                .await
        }))
        .await;
        // Every subscription was tried; a failure to record one is retried with the job, which
        // then skips those recorded.
        outcomes.into_iter().collect()
    }

    async fn settle(
        &self,
        notification: uuid::Uuid,
        subscription: uuid::Uuid,
        settled: Settled,
    ) -> Result<(), NotificationsError> {
        let client = self.db.get().await?;
        match settled {
            Settled::Delivered => {
                push_subscriptions::record_outcome(
                    &client,
                    notification,
                    subscription,
                    Outcome::Delivered,
                )
                .await?;
                tracing::debug!(%subscription, "pushed");
            }
            Settled::Gone => {
                push_subscriptions::delete_gone(&client, subscription).await?;
                tracing::info!(%subscription, "the push service says the subscription is gone; deleted");
            }
            Settled::Refused(reason) => {
                push_subscriptions::record_outcome(
                    &client,
                    notification,
                    subscription,
                    Outcome::Refused,
                )
                .await?;
                tracing::warn!(%subscription, reason, "push endpoint outside the SSRF policy; nothing sent");
            }
            Settled::Dropped(reason) => {
                push_subscriptions::record_outcome(
                    &client,
                    notification,
                    subscription,
                    Outcome::Dropped,
                )
                .await?;
                tracing::warn!(%subscription, reason, "push not delivered; given up");
            }
        }
        Ok(())
    }
}
