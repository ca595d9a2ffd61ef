//! `POST /api/messages/conversations`: a new group, with the caller as its owner.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;
use shared::events::{ConversationCreated, ConversationKind, Envelope, SystemEvent};
use shared::ids::UserId;
use shared::outbox;

use super::ConversationBody;
use crate::domain::group::{GroupName, new_members};
use crate::error::MessagesError;
use crate::groups::{Details, GroupChange};
use crate::limits::Limits;
use crate::repository::{conversations, users};

/// `{name, memberIds}` as sent.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    name: String,
    #[serde(default)]
    member_ids: Vec<UserId>,
}

/// Creates the group: its members join as `member`s, a `created` system message opens its
/// timeline, and every member's sockets get `conversation.updated`.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn create(
    user: CurrentUser,
    body: web::Json<Body>,
    db: web::Data<Pool>,
    limits: web::Data<Limits>,
) -> Result<HttpResponse, MessagesError> {
    let body = body.into_inner();
    let name = GroupName::parse(&body.name).map_err(|e| MessagesError::field("name", e))?;
    let members = new_members(user.id, &body.member_ids);
    if members.len() + 1 > limits.group_max_members {
        return Err(MessagesError::GroupFull);
    }
    let mut client = db.get().await?;
    let transaction = client.transaction().await?;
    users::upsert(&transaction, user.id, &user.username).await?;
    if !users::all_exist(&transaction, &members).await? {
        return Err(MessagesError::field(
            "memberIds",
            "Every member must be an existing user.",
        ));
    }
    let change = GroupChange::create(&transaction, name.as_str(), user.id, &members).await?;
    let mut everyone = vec![user.id];
    everyone.extend(&members);
    change
        .record(
            SystemEvent::Created,
            everyone.clone(),
            Details {
                name: Some(name.as_str().to_owned()),
                ..Details::default()
            },
        )
        .await?;
    change.announce(&[]).await?;
    let event = ConversationCreated {
        conversation_id: change.id(),
        kind: ConversationKind::Group,
        name: Some(name.as_str().to_owned()),
        owner_id: user.id,
        member_ids: everyone,
    };
    outbox::enqueue(&transaction, &Envelope::new(event)).await?;
    let conversation = conversations::get_for(&transaction, change.id(), user.id)
        .await?
        .ok_or(MessagesError::NotFound)?;
    transaction.commit().await?;
    Ok(HttpResponse::Created().json(ConversationBody { conversation }))
}
