//! `PUT /api/messages/conversations/{id}/members/{userId}/role`: make a member an admin or a
//! member again, or hand ownership over.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;
use shared::events::{Envelope, Role, RoleChanged, SystemEvent};
use shared::ids::{ConversationId, UserId};
use shared::outbox;

use super::ConversationBody;
use crate::domain::group::parse_role;
use crate::domain::role::GroupAction;
use crate::error::MessagesError;
use crate::groups::{Details, GroupChange};
use crate::repository::conversations;

/// `{role}` as sent.
#[derive(Deserialize)]
pub struct Body {
    role: String,
}

/// Only the owner changes roles; `owner` hands ownership over (the old owner becomes an admin).
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn set(
    user: CurrentUser,
    path: web::Path<(ConversationId, UserId)>,
    body: web::Json<Body>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let (id, target) = path.into_inner();
    let mut client = db.get().await?;
    let transaction = client.transaction().await?;
    let change = GroupChange::begin(&transaction, id, user.id).await?;
    let current = conversations::role_of(&transaction, id, target)
        .await?
        .ok_or(MessagesError::NotFound)?;
    change.require(
        GroupAction::ChangeRole(current),
        "Only the owner changes roles, and the owner's own only by handing ownership over.",
    )?;
    let role = parse_role(&body.role).map_err(|e| MessagesError::field("role", e))?;
    let mut changed = Vec::new();
    if role == Role::Owner {
        // The old owner first, so that there is never a second owner.
        changed.push((user.id, Role::Admin));
        changed.push((target, Role::Owner));
    } else if role != current {
        changed.push((target, role));
    }
    for (member, role) in &changed {
        conversations::set_role(&transaction, id, *member, *role).await?;
        change
            .record(
                SystemEvent::RoleChanged,
                vec![*member],
                Details {
                    role: Some(*role),
                    ..Details::default()
                },
            )
            .await?;
        let event = RoleChanged {
            conversation_id: id,
            user_id: *member,
            role: *role,
            actor_id: user.id,
        };
        outbox::enqueue(&transaction, &Envelope::new(event)).await?;
    }
    if !changed.is_empty() {
        change.announce(&[]).await?;
    }
    let conversation = conversations::get_for(&transaction, id, user.id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    transaction.commit().await?;
    Ok(HttpResponse::Ok().json(ConversationBody { conversation }))
}
