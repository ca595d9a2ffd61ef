//! Messages as a reader sees them: what a row does not hold is filled in here for a page at a
//! time, in one query each (vote counts from their cache, the reader's reactions, the files, the
//! replied message's preview as it is now).

use std::collections::HashMap;

use deadpool_postgres::GenericClient;
use shared::chat::Conversation;
use shared::events::{ChatMessage, ReplyTo};
use shared::ids::UserId;
use uuid::Uuid;

use crate::repository::{attachments, messages, reactions};
use crate::vote_cache::VoteCache;

/// Completes `page` for `viewer`. A failure of the extras leaves them as the rows had them
/// (counts) or empty, and is logged: the messages themselves are already right.
pub async fn complete(
    client: &impl GenericClient,
    votes: &VoteCache,
    viewer: UserId,
    page: &mut [ChatMessage],
) {
    if page.is_empty() {
        return;
    }
    votes.fill(client, page).await;
    let ids: Vec<Uuid> = page.iter().map(|m| m.id.as_uuid()).collect();
    match reactions::counts(client, &ids, viewer).await {
        Ok(counts) => {
            let mut by_message: HashMap<Uuid, Vec<_>> = HashMap::new();
            for (message, count) in counts {
                by_message.entry(message).or_default().push(count);
            }
            for message in page.iter_mut() {
                message.reactions = by_message.remove(&message.id.as_uuid()).unwrap_or_default();
            }
        }
        Err(e) => tracing::warn!(error = %e, "reactions unavailable"),
    }
    match attachments::of_messages(client, &ids).await {
        Ok(mut files) => {
            for message in page.iter_mut() {
                message.attachments = files.remove(&message.id.as_uuid()).unwrap_or_default();
            }
        }
        Err(e) => tracing::warn!(error = %e, "attachments unavailable"),
    }
    let replied: Vec<Uuid> = page
        .iter()
        .filter_map(|m| m.reply_to.as_ref().map(|r| r.id.as_uuid()))
        .collect();
    if replied.is_empty() {
        return;
    }
    match messages::replied(client, &replied).await {
        Ok(found) => {
            let found: HashMap<Uuid, ReplyTo> =
                found.into_iter().map(|r| (r.id.as_uuid(), r)).collect();
            for reply in page.iter_mut().filter_map(|m| m.reply_to.as_mut()) {
                if let Some(now) = found.get(&reply.id.as_uuid()) {
                    *reply = now.clone();
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "replied messages unavailable"),
    }
}

/// Gives the last message of each of `conversations` its files (the list and a conversation
/// show them; everything else of a last message is in its row). A failure leaves them empty,
/// logged.
pub async fn complete_last_messages(
    client: &impl GenericClient,
    conversations: &mut [Conversation],
) {
    let ids: Vec<Uuid> = conversations
        .iter()
        .filter_map(|c| c.last_message.as_ref().map(|m| m.id.as_uuid()))
        .collect();
    if ids.is_empty() {
        return;
    }
    match attachments::of_messages(client, &ids).await {
        Ok(mut files) => {
            for message in conversations
                .iter_mut()
                .filter_map(|c| c.last_message.as_mut())
            {
                message.attachments = files.remove(&message.id.as_uuid()).unwrap_or_default();
            }
        }
        Err(e) => tracing::warn!(error = %e, "attachments unavailable"),
    }
}
