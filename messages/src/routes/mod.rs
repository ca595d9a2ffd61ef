//! messages' HTTP routes, one file per endpoint.

use actix_web::web;
use deadpool_postgres::GenericClient;
use shared::events::ChatMessage;
use shared::ids::{ConversationId, MessageId, UserId};

use crate::domain::HistoryWindow;
use crate::error::MessagesError;
use crate::repository::messages;
use crate::vote_cache::VoteCache;

mod add_members;
mod conversation_changes;
mod conversation_messages;
mod conversations;
mod create_group;
mod get_attachment;
mod get_conversation;
mod list_members;
mod message_reactions;
mod message_revisions;
mod messages_with;
mod remove_member;
mod search;
mod set_role;
mod update_group;
mod upload_attachment;

/// Registers every route of messages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/messages/version", shared::http::version("messages"))
        .route("/api/messages/openapi.yaml", shared::http::openapi())
        .route(
            "/api/messages/conversations",
            web::get().to(conversations::list),
        )
        .route(
            "/api/messages/conversations",
            web::post().to(create_group::create),
        )
        .route(
            "/api/messages/conversations/{id}",
            web::get().to(get_conversation::get),
        )
        .route(
            "/api/messages/conversations/{id}",
            web::patch().to(update_group::update),
        )
        .route(
            "/api/messages/conversations/{id}/messages",
            web::get().to(conversation_messages::history),
        )
        .route(
            "/api/messages/conversations/{id}/changes",
            web::get().to(conversation_changes::changes),
        )
        .route(
            "/api/messages/conversations/{id}/members",
            web::get().to(list_members::list),
        )
        .route(
            "/api/messages/conversations/{id}/members",
            web::post().to(add_members::add),
        )
        .route(
            "/api/messages/conversations/{id}/members/{user_id}",
            web::delete().to(remove_member::remove),
        )
        .route(
            "/api/messages/conversations/{id}/members/{user_id}/role",
            web::put().to(set_role::set),
        )
        .route(
            "/api/messages/messages/{id}/reactions",
            web::get().to(message_reactions::reactions),
        )
        .route(
            "/api/messages/messages/{id}/revisions",
            web::get().to(message_revisions::revisions),
        )
        .route("/api/messages/search", web::get().to(search::search))
        .route(
            "/api/messages/attachments",
            web::post().to(upload_attachment::upload),
        )
        .route(
            "/api/messages/attachments/{id}",
            web::get().to(get_attachment::file),
        )
        .route(
            "/api/messages/attachments/{id}/thumbnail",
            web::get().to(get_attachment::thumbnail),
        )
        .route(
            "/api/messages/with/{user_id}",
            web::get().to(messages_with::history),
        );
}

/// The conversation of `message` when `user` is one of its members now; 404 otherwise, the same
/// as for a message that does not exist (no existence oracle).
async fn conversation_of_message_for(
    client: &impl GenericClient,
    message: MessageId,
    user: UserId,
) -> Result<ConversationId, MessagesError> {
    let conversation = messages::conversation_of(client, message)
        .await?
        .ok_or(MessagesError::NotFound)?;
    if !crate::repository::conversations::is_member(client, conversation, user).await? {
        return Err(MessagesError::NotFound);
    }
    Ok(conversation)
}

/// `{messages, hasMore}`, and for a page around a message `hasMoreBefore` and `hasMoreAfter`.
#[derive(Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryBody {
    messages: Vec<ChatMessage>,
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_more_before: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    has_more_after: Option<bool>,
}

impl HistoryBody {
    /// `window` of `conversation` as `viewer` sees it (a member: the caller has checked).
    async fn read(
        client: &impl GenericClient,
        votes: &VoteCache,
        conversation: ConversationId,
        viewer: UserId,
        window: HistoryWindow,
    ) -> Result<Self, tokio_postgres::Error> {
        let mut body = match window {
            HistoryWindow::Around(seq, limit) => {
                let page = messages::around(client, conversation, viewer, seq, limit).await?;
                Self {
                    messages: page.messages,
                    // As for a page read backwards: whether older messages remain.
                    has_more: page.has_more_before,
                    has_more_before: Some(page.has_more_before),
                    has_more_after: Some(page.has_more_after),
                }
            }
            window => {
                let (messages, has_more) =
                    messages::page(client, conversation, viewer, window).await?;
                Self {
                    messages,
                    has_more,
                    ..Self::default()
                }
            }
        };
        crate::view::complete(client, votes, viewer, &mut body.messages).await;
        Ok(body)
    }
}

/// `{conversation}`.
#[derive(serde::Serialize)]
struct ConversationBody {
    conversation: shared::chat::Conversation,
}
