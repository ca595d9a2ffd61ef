//! messages' HTTP routes, one file per endpoint.

use actix_web::web;

mod add_members;
mod conversation_changes;
mod conversation_messages;
mod conversations;
mod create_group;
mod get_attachment;
mod get_conversation;
mod list_members;
mod message_revisions;
mod messages_with;
mod remove_member;
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
            "/api/messages/messages/{id}/revisions",
            web::get().to(message_revisions::revisions),
        )
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

/// `{messages, hasMore}`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryBody {
    messages: Vec<shared::events::ChatMessage>,
    has_more: bool,
}

/// `{conversation}`.
#[derive(serde::Serialize)]
struct ConversationBody {
    conversation: shared::chat::Conversation,
}
