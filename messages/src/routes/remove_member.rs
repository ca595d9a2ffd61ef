//! `DELETE /api/messages/conversations/{id}/members/{userId}`: leave a group (one's own id) or
//! remove a member.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use shared::auth::CurrentUser;
use shared::events::{Envelope, MemberRemoved, RemovalReason, Role, RoleChanged, SystemEvent};
use shared::ids::{ConversationId, UserId};
use shared::outbox;

use crate::domain::role::GroupAction;
use crate::error::MessagesError;
use crate::groups::{Details, GroupChange};
use crate::repository::{attachments, conversations};

/// Leaves or removes. When the owner leaves, the longest-standing admin (else member) becomes
/// owner; when the last member leaves, the group is deleted with its messages. Whoever is no
/// longer a member gets nothing of the group from the moment this is stored.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn remove(
    user: CurrentUser,
    path: web::Path<(ConversationId, UserId)>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let (id, target) = path.into_inner();
    let mut client = db.get().await?;
    let transaction = client.transaction().await?;
    let change = GroupChange::begin(&transaction, id, user.id).await?;
    let leaving = target == user.id;
    let target_role = conversations::role_of(&transaction, id, target)
        .await?
        .ok_or(MessagesError::NotFound)?;
    if !leaving {
        change.require(
            GroupAction::Remove(target_role),
            "Only the owner can remove admins, and the owner and admins members.",
        )?;
    }
    conversations::remove_member(&transaction, id, target).await?;
    let remaining = conversations::member_count(&transaction, id).await?;
    let reason = if leaving {
        RemovalReason::Left
    } else {
        RemovalReason::Removed
    };
    let removed = MemberRemoved {
        conversation_id: id,
        user_id: target,
        actor_id: user.id,
        reason,
    };
    outbox::enqueue(&transaction, &Envelope::new(removed)).await?;
    let event = if leaving {
        SystemEvent::MemberLeft
    } else {
        SystemEvent::MemberRemoved
    };
    // Recorded even when nobody is left: consumers of the timeline (notifications) learn the
    // departure from it, in order with the messages.
    change
        .record(event, vec![target], Details::default())
        .await?;
    if remaining == 0 {
        // Its files go with it: marked here, deleted from storage by the sweep after the commit.
        attachments::discard_of_conversation(&transaction, id).await?;
        conversations::delete(&transaction, id).await?;
    } else if target_role == Role::Owner {
        hand_over_to_successor(&change).await?;
    }
    change.announce(&[target]).await?;
    transaction.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The owner left: the longest-standing admin, else member, becomes owner.
async fn hand_over_to_successor(change: &GroupChange<'_, '_>) -> Result<(), MessagesError> {
    let transaction = change.transaction();
    let Some(successor) = conversations::successor(transaction, change.id()).await? else {
        return Ok(());
    };
    conversations::set_role(transaction, change.id(), successor, Role::Owner).await?;
    change
        .record(
            SystemEvent::RoleChanged,
            vec![successor],
            Details {
                role: Some(Role::Owner),
                ..Details::default()
            },
        )
        .await?;
    let event = RoleChanged {
        conversation_id: change.id(),
        user_id: successor,
        role: Role::Owner,
        actor_id: change.actor,
    };
    outbox::enqueue(transaction, &Envelope::new(event)).await?;
    Ok(())
}
