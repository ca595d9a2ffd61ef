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
        receiver_id: id::<UserId>(0x2),
        content: "hello <b>world</b> 👋".into(),
        created_at: at(),
        votes: VoteCounts {
            up: 2,
            down: 1,
            mine: None,
        },
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
