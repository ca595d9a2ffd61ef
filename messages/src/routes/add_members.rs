//! `POST /api/messages/conversations/{id}/members`: add members to a group.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;
use shared::events::{Envelope, MemberAdded, SystemEvent};
use shared::ids::{ConversationId, UserId};
use shared::outbox;

use super::ConversationBody;
use crate::domain::group::new_members;
use crate::domain::role::GroupAction;
use crate::error::MessagesError;
use crate::groups::{Details, GroupChange};
use crate::limits::Limits;
use crate::repository::{conversations, users};

/// `{userIds}` as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    user_ids: Vec<UserId>,
}

/// Owners and admins add members (those already in it are left as they are); the new members'
/// sockets start receiving the group at once.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn add(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    body: web::Json<Body>,
    db: web::Data<Pool>,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, MessagesError> {
    let mut client = db.get().await?;
    let transaction = client.transaction().await?;
    let change = GroupChange::begin(&transaction, path.into_inner(), user.id).await?;
    change.require(
        GroupAction::Manage,
        "Only the owner and admins can add members.",
    )?;
    let wanted = new_members(user.id, &body.user_ids);
    if !users::all_exist(&transaction, &wanted).await? {
        return Err(MessagesError::field(
            "userIds",
            "Every member must be an existing user.",
        ));
    }
    let joined = conversations::add_members(&transaction, change.id(), &wanted).await?;
    let count = conversations::member_count(&transaction, change.id()).await?;
    if count > limits.group_max_members as i64 {
        // Rolled back with the transaction.
        return Err(MessagesError::GroupFull);
    }
    if !joined.is_empty() {
        change
            .record(SystemEvent::MemberAdded, joined.clone(), Details::default())
            .await?;
        change.announce(&[]).await?;
        let event = MemberAdded {
            conversation_id: change.id(),
            user_ids: joined,
            actor_id: user.id,
        };
        outbox::enqueue(&transaction, &Envelope::new(event)).await?;
    }
    let conversation = conversations::get_for(&transaction, change.id(), user.id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    transaction.commit().await?;
    Ok(HttpResponse::Ok().json(ConversationBody { conversation }))
}
