//! The JSON of every public event, pinned. A failing snapshot here means outside consumers
//! would see a different message: bump the version or keep the old shape.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use super::*;
use crate::ids::{ConversationId, EventId, MessageId, SessionId, UserId};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn id<T: From<Uuid>>(n: u128) -> T {
    T::from(Uuid::from_u128(n))
}

fn envelope<T: Event>(data: T) -> Envelope<T> {
    Envelope {
        id: id::<EventId>(0xE),
        ..Envelope::at(data, at())
    }
}

fn message() -> ChatMessage {
    ChatMessage {
        id: id::<MessageId>(0x30),
        conversation_id: id::<ConversationId>(0x20),
        seq: 7,
        sender_id: id::<UserId>(0x1),
        receiver_id: Some(id::<UserId>(0x2)),
        kind: MessageKind::User,
        system: None,
        content: "hello <b>world</b> 👋".into(),
        reply_to: Some(ReplyTo {
            id: id::<MessageId>(0x31),
            seq: 6,
            sender_id: id::<UserId>(0x2),
            preview: "hi".into(),
        }),
        created_at: at(),
        edited_at: Some(at()),
        deleted_at: None,
        votes: VoteCounts {
            up: 2,
            down: 1,
            mine: None,
        },
        reactions: vec![ReactionCount {
            emoji: "👍".into(),
            count: 2,
            mine: false,
        }],
        attachments: vec![Attachment {
            id: id::<crate::ids::AttachmentId>(0x40),
            filename: "cat.png".into(),
            content_type: "image/png".into(),
            size: 1234,
            width: Some(640),
            height: Some(480),
            url: "/api/messages/attachments/00000000-0000-0000-0000-000000000040".into(),
            thumbnail_url: Some(
                "/api/messages/attachments/00000000-0000-0000-0000-000000000040/thumbnail".into(),
            ),
        }],
        rev: 12,
    }
}

fn system_message() -> ChatMessage {
    ChatMessage {
        receiver_id: None,
        kind: MessageKind::System,
        system: Some(SystemInfo {
            event: SystemEvent::MemberAdded,
            actor_id: id::<UserId>(0x1),
            user_ids: vec![id::<UserId>(0x3), id::<UserId>(0x4)],
            name: None,
            topic: None,
            role: None,
        }),
        content: String::new(),
        reply_to: None,
        edited_at: None,
        reactions: Vec::new(),
        attachments: Vec::new(),
        ..message()
    }
}

#[test]
fn user_registered() {
    insta::assert_json_snapshot!(envelope(UserRegistered {
        user_id: id::<UserId>(0x1),
        username: "Alice".into(),
    }));
}

#[test]
fn user_logged_in() {
    insta::assert_json_snapshot!(envelope(UserLoggedIn {
        user_id: id::<UserId>(0x1),
        username: "Alice".into(),
        session_id: id::<SessionId>(0x5),
    }));
}

#[test]
fn user_signed_out_of_one_session_and_of_all() {
    insta::assert_json_snapshot!(
        "user_signed_out_one",
        envelope(UserSignedOut {
            user_id: id::<UserId>(0x1),
            session_id: Some(id::<SessionId>(0x5)),
        })
    );
    insta::assert_json_snapshot!(
        "user_signed_out_all",
        envelope(UserSignedOut {
            user_id: id::<UserId>(0x1),
            session_id: None,
        })
    );
}

#[test]
fn user_online_and_offline() {
    insta::assert_json_snapshot!(
        "user_online",
        envelope(UserOnline {
            user_id: id::<UserId>(0x1),
            username: "Alice".into(),
            at: at(),
        })
    );
    insta::assert_json_snapshot!(
        "user_offline",
        envelope(UserOffline {
            user_id: id::<UserId>(0x1),
            username: "Alice".into(),
            at: at(),
        })
    );
}

#[test]
fn message_sent() {
    insta::assert_json_snapshot!(envelope(MessageSent { message: message() }));
}

#[test]
fn a_system_message_in_a_group() {
    insta::assert_json_snapshot!(
        "message_sent_system",
        envelope(MessageSent {
            message: system_message()
        })
    );
}

#[test]
fn conversation_events() {
    let conversation = id::<ConversationId>(0x20);
    insta::assert_json_snapshot!(
        "conversation_created",
        envelope(ConversationCreated {
            conversation_id: conversation,
            kind: ConversationKind::Group,
            name: Some("Launch".into()),
            owner_id: id::<UserId>(0x1),
            member_ids: vec![id::<UserId>(0x1), id::<UserId>(0x2)],
        })
    );
    insta::assert_json_snapshot!(
        "conversation_updated",
        envelope(ConversationUpdated {
            conversation_id: conversation,
            name: Some("Launch".into()),
            topic: Some("Friday".into()),
            actor_id: id::<UserId>(0x1),
        })
    );
    insta::assert_json_snapshot!(
        "conversation_member_added",
        envelope(MemberAdded {
            conversation_id: conversation,
            user_ids: vec![id::<UserId>(0x3)],
            actor_id: id::<UserId>(0x1),
        })
    );
    insta::assert_json_snapshot!(
        "conversation_member_removed",
        envelope(MemberRemoved {
            conversation_id: conversation,
            user_id: id::<UserId>(0x3),
            actor_id: id::<UserId>(0x1),
            reason: RemovalReason::Removed,
        })
    );
    insta::assert_json_snapshot!(
        "conversation_role_changed",
        envelope(RoleChanged {
            conversation_id: conversation,
            user_id: id::<UserId>(0x2),
            role: Role::Admin,
            actor_id: id::<UserId>(0x1),
        })
    );
}

#[test]
fn message_lifecycle_events() {
    let conversation = id::<ConversationId>(0x20);
    insta::assert_json_snapshot!(
        "message_delivered",
        envelope(MessageDelivered {
            conversation_id: conversation,
            user_id: id::<UserId>(0x2),
            seq: 7,
        })
    );
    insta::assert_json_snapshot!(
        "message_edited",
        envelope(MessageEdited {
            conversation_id: conversation,
            message_id: id::<MessageId>(0x30),
            content: "hello again".into(),
            edited_at: at(),
            editor_id: id::<UserId>(0x1),
        })
    );
    insta::assert_json_snapshot!(
        "message_deleted",
        envelope(MessageDeleted {
            conversation_id: conversation,
            message_id: id::<MessageId>(0x30),
            deleted_by: id::<UserId>(0x1),
        })
    );
    insta::assert_json_snapshot!(
        "message_reacted",
        envelope(MessageReacted {
            conversation_id: conversation,
            message_id: id::<MessageId>(0x30),
            user_id: id::<UserId>(0x2),
            emoji: "🎉".into(),
            added: true,
        })
    );
}

#[test]
fn message_read() {
    insta::assert_json_snapshot!(envelope(MessageRead {
        conversation_id: id::<ConversationId>(0x20),
        reader_id: id::<UserId>(0x2),
        seq: 7,
    }));
}

#[test]
fn message_voted() {
    insta::assert_json_snapshot!(envelope(MessageVoted {
        conversation_id: id::<ConversationId>(0x20),
        message_id: id::<MessageId>(0x30),
        voter_id: id::<UserId>(0x2),
        vote: Some(Vote::Up),
        up: 3,
        down: 1,
    }));
}

#[test]
fn routing_keys_are_the_contracts() {
    let keys = [
        (UserRegistered::EXCHANGE, UserRegistered::ROUTING_KEY),
        (UserLoggedIn::EXCHANGE, UserLoggedIn::ROUTING_KEY),
        (UserSignedOut::EXCHANGE, UserSignedOut::ROUTING_KEY),
        (UserOnline::EXCHANGE, UserOnline::ROUTING_KEY),
        (UserOffline::EXCHANGE, UserOffline::ROUTING_KEY),
        (MessageSent::EXCHANGE, MessageSent::ROUTING_KEY),
        (MessageRead::EXCHANGE, MessageRead::ROUTING_KEY),
        (MessageVoted::EXCHANGE, MessageVoted::ROUTING_KEY),
        (MessageDelivered::EXCHANGE, MessageDelivered::ROUTING_KEY),
        (MessageEdited::EXCHANGE, MessageEdited::ROUTING_KEY),
        (MessageDeleted::EXCHANGE, MessageDeleted::ROUTING_KEY),
        (MessageReacted::EXCHANGE, MessageReacted::ROUTING_KEY),
        (
            ConversationCreated::EXCHANGE,
            ConversationCreated::ROUTING_KEY,
        ),
        (
            ConversationUpdated::EXCHANGE,
            ConversationUpdated::ROUTING_KEY,
        ),
        (MemberAdded::EXCHANGE, MemberAdded::ROUTING_KEY),
        (MemberRemoved::EXCHANGE, MemberRemoved::ROUTING_KEY),
        (RoleChanged::EXCHANGE, RoleChanged::ROUTING_KEY),
    ];
    insta::assert_debug_snapshot!(keys.map(|(exchange, key)| format!("{} {key}", exchange.name())));
}

#[test]
fn decoding_tolerates_unknown_fields_and_refuses_other_types() {
    let json = serde_json::json!({
        "id": Uuid::from_u128(1), "type": "user.registered", "version": 1,
        "occurredAt": "2026-11-21T12:00:00Z", "extra": true,
        "data": {"userId": Uuid::from_u128(2), "username": "bob", "future": [1, 2]}
    });
    let bytes = serde_json::to_vec(&json).unwrap();
    let envelope = decode::<UserRegistered>(&bytes).unwrap();
    assert_eq!(envelope.data.username, "bob");
    assert!(matches!(
        decode::<UserLoggedIn>(&bytes),
        Err(DecodeError::WrongType { .. }) | Err(DecodeError::Malformed(_))
    ));
    assert!(decode::<UserRegistered>(b"not json").is_err());
}
