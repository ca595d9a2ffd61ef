//! Changing a group over HTTP. Every change locks the group, checks the caller's membership
//! (404 for anyone else, exactly as for a group that does not exist) and role (403, by the one
//! role table of `domain::role`), and is recorded as a system message in the timeline and
//! announced: `conversation.updated` to every member as each sees it, `conversation.removed`
//! to whoever is no longer one, and the contract's events on the bus, all through the outbox.

use deadpool_postgres::Transaction;
use shared::chat::{ConversationDelivery, RemovedDelivery, deliver_after_commit, kind};
use shared::events::{ChatMessage, ConversationKind, Role, SystemEvent, SystemInfo};
use shared::ids::{ConversationId, UserId};

use crate::domain::role::{GroupAction, permits};
use crate::error::MessagesError;
use crate::repository::conversations::{self, Locked};
use crate::timeline;

/// A group locked for a change by one of its members.
pub struct GroupChange<'a, 't> {
    transaction: &'a Transaction<'t>,
    /// The group, and the caller's role in it.
    pub group: Locked,
    /// Who is changing it.
    pub actor: UserId,
}

impl<'a, 't> GroupChange<'a, 't> {
    /// Locks `id` for `actor`: 404 unless they are a member, 400 unless it is a group.
    pub async fn begin(
        transaction: &'a Transaction<'t>,
        id: ConversationId,
        actor: UserId,
    ) -> Result<Self, MessagesError> {
        let group = conversations::lock_as_member(transaction, id, actor)
            .await?
            .ok_or(MessagesError::NotFound)?;
        if group.kind != ConversationKind::Group {
            return Err(MessagesError::NotAGroup);
        }
        Ok(Self {
            transaction,
            group,
            actor,
        })
    }

    /// A new group, created by `owner` (who is its owner from the start).
    pub async fn create(
        transaction: &'a Transaction<'t>,
        name: &str,
        owner: UserId,
        members: &[UserId],
    ) -> Result<Self, MessagesError> {
        let id = conversations::create_group(transaction, name, owner, members).await?;
        Ok(Self {
            transaction,
            group: Locked {
                id,
                kind: ConversationKind::Group,
                role: Role::Owner,
            },
            actor: owner,
        })
    }

    /// 403 unless the caller's role permits `action`.
    pub fn require(&self, action: GroupAction, refusal: &'static str) -> Result<(), MessagesError> {
        if permits(self.group.role, action) {
            Ok(())
        } else {
            Err(MessagesError::Forbidden(refusal))
        }
    }

    /// The group's id.
    pub fn id(&self) -> ConversationId {
        self.group.id
    }

    /// The transaction the change is made in.
    pub fn transaction(&self) -> &'a Transaction<'t> {
        self.transaction
    }

    /// Records `event` as a system message by the caller, announced to the members now.
    pub async fn record(
        &self,
        event: SystemEvent,
        user_ids: Vec<UserId>,
        details: Details,
    ) -> Result<ChatMessage, MessagesError> {
        let info = SystemInfo {
            event,
            actor_id: self.actor,
            user_ids,
            name: details.name,
            topic: details.topic,
            role: details.role,
        };
        let members = conversations::members(self.transaction, self.group.id).await?;
        Ok(timeline::system(self.transaction, self.group.id, &members, &info).await?)
    }

    /// Announces the group as each member now sees it, and its loss to `removed`.
    pub async fn announce(&self, removed: &[UserId]) -> Result<(), MessagesError> {
        let views = conversations::views(self.transaction, self.group.id).await?;
        let members: Vec<UserId> = views.iter().map(|view| view.user_id).collect();
        let someone = members.first().copied();
        let conversation = match someone {
            Some(member) => conversations::get_for(self.transaction, self.group.id, member).await?,
            None => None,
        };
        if let Some(mut conversation) = conversation {
            // The common copy carries nobody's own vote.
            if let Some(last) = conversation.last_message.as_mut() {
                last.votes.mine = None;
            }
            let delivery = ConversationDelivery {
                conversation,
                views,
            };
            deliver_after_commit(self.transaction, &members, kind::CONVERSATION, &delivery).await?;
        }
        if !removed.is_empty() {
            let delivery = RemovedDelivery {
                conversation_id: self.group.id,
                user_ids: removed.to_vec(),
            };
            deliver_after_commit(self.transaction, removed, kind::REMOVED, &delivery).await?;
        }
        Ok(())
    }
}

/// What a system message records besides who and whom.
#[derive(Default)]
pub struct Details {
    /// A new name.
    pub name: Option<String>,
    /// A new topic.
    pub topic: Option<String>,
    /// A new role.
    pub role: Option<Role>,
}
