//! `PATCH /api/messages/conversations/{id}`: rename a group or set its topic.

use actix_web::{HttpResponse, web};
use deadpool_postgres::Pool;
use serde::Deserialize;
use shared::auth::CurrentUser;
use shared::events::{ConversationUpdated, Envelope, SystemEvent};
use shared::ids::ConversationId;
use shared::outbox;

use super::ConversationBody;
use crate::domain::group::{GroupName, Topic};
use crate::domain::role::GroupAction;
use crate::error::MessagesError;
use crate::groups::{Details, GroupChange};
use crate::repository::conversations;

/// `{name?, topic?}` as sent (checked only once the caller's rights are).
#[derive(Deserialize)]
pub struct Body {
    name: Option<String>,
    topic: Option<String>,
}

/// Owners and admins rename and set the topic; each change is a system message.
#[tracing::instrument(skip_all, fields(user = %user.id))]
pub async fn update(
    user: CurrentUser,
    path: web::Path<ConversationId>,
    body: web::Json<Body>,
    db: web::Data<Pool>,
) -> Result<HttpResponse, MessagesError> {
    let body = body.into_inner();
    let mut client = db.get().await?;
    let transaction = client.transaction().await?;
    let change = GroupChange::begin(&transaction, path.into_inner(), user.id).await?;
    change.require(
        GroupAction::Manage,
        "Only the owner and admins can rename the group or set its topic.",
    )?;
    let name = body
        .name
        .as_deref()
        .map(GroupName::parse)
        .transpose()
        .map_err(|e| MessagesError::field("name", e))?;
    let topic = body
        .topic
        .as_deref()
        .map(Topic::parse)
        .transpose()
        .map_err(|e| MessagesError::field("topic", e))?;
    let (old_name, old_topic) = conversations::name_and_topic(&transaction, change.id()).await?;
    let renamed = name.filter(|n| old_name.as_deref() != Some(n.as_str()));
    let retopiced = topic.filter(|t| old_topic.as_deref() != Some(t.as_str()));
    if renamed.is_some() || retopiced.is_some() {
        conversations::update_group(
            &transaction,
            change.id(),
            renamed.as_ref().map(GroupName::as_str),
            retopiced.as_ref().map(Topic::as_str),
        )
        .await?;
        if let Some(name) = &renamed {
            let details = Details {
                name: Some(name.as_str().to_owned()),
                ..Details::default()
            };
            change
                .record(SystemEvent::Renamed, Vec::new(), details)
                .await?;
        }
        if let Some(topic) = &retopiced {
            let details = Details {
                topic: Some(topic.as_str().to_owned()),
                ..Details::default()
            };
            change
                .record(SystemEvent::TopicChanged, Vec::new(), details)
                .await?;
        }
        change.announce(&[]).await?;
        let (name, topic) = conversations::name_and_topic(&transaction, change.id()).await?;
        let event = ConversationUpdated {
            conversation_id: change.id(),
            name,
            topic,
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
