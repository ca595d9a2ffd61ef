//! messages' HTTP routes, one file per endpoint.

use actix_web::web;

mod conversation_messages;
mod conversations;
mod messages_with;

/// Registers every route of messages.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/messages/version", shared::http::version("messages"))
        .route("/api/messages/openapi.yaml", shared::http::openapi())
        .route(
            "/api/messages/conversations",
            web::get().to(conversations::list),
        )
        .route(
            "/api/messages/conversations/{id}/messages",
            web::get().to(conversation_messages::history),
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
