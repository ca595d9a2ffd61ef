//! `GET /api/messages/messages/{id}/reactions`: who reacted to a message with what.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Serialize;
use shared::auth::CurrentUser;
use shared::chat::Peer;
use shared::ids::MessageId;

use crate::error::MessagesError;
use crate::repository::reactions;

/// One emoji's reactions: the count and `mine` as in a message's `reactions`, and the reactors.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Reaction {
    emoji: String,
    count: usize,
    mine: bool,
    users: Vec<Peer>,
}

/// Every reactor of every emoji, in the order of the message's `reactions` (by emoji as each
/// first appeared, then by when each reacted). Not paged: a message holds at most 20 emoji from
/// at most a group's members. For members of the message's conversation, 404 for anyone else.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn reactions(
    user: CurrentUser,
    path: web::Path<MessageId>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let message = path.into_inner();
    let client = db.get().await?;
    super::conversation_of_message_for(&client, message, user.id).await?;
    let mut grouped: Vec<Reaction> = Vec::new();
    for (reactor, emoji) in reactions::named_reactors(&client, message).await? {
        // Rows come grouped by emoji, so a new emoji is always the last one seen or new.
        if grouped.last().is_none_or(|last| last.emoji != emoji) {
            grouped.push(Reaction {
                emoji,
                count: 0,
                mine: false,
                users: Vec::new(),
            });
        }
        let Some(current) = grouped.last_mut() else {
            continue;
        };
        current.count += 1;
        current.mine |= reactor.id == user.id;
        current.users.push(reactor);
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "reactions": grouped })))
}
