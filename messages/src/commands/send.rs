//! `send`: store a message, once, with the next `seq` of its conversation. The content was
//! checked before it could become a command (it is a [`shared::chat::Content`]).
//!
//! Consecutive sends of a batch form a run, and a run is applied set by set, in the same few
//! statements however long it is: find repeats, check the receivers and lock the conversations
//! that exist (one round trip for the three), record the senders, open the conversations (a
//! pair's is created on its first message), read their members, find what replies point to,
//! lock the files sends carry, then number every message (each conversation's next seqs in the
//! run's order, counted on from where its lock found them), queue its events and store it: the
//! insert needs no answer, so it goes out with the batch's next round trip, COMMIT's when the
//! run ends the batch. Each send is still judged on its own, in order, with the outcome it would
//! have alone.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Client;
use futures_util::TryFutureExt;
use shared::amqp::HandleError;
use shared::chat::{AckDelivery, CommandEnvelope, MAX_ATTACHMENTS, SendCommand, SendTarget, kind};
use shared::events::{ChatMessage, ConversationKind};
use shared::http::ErrorCode;
use shared::ids::{ConversationId, UserId};
use uuid::Uuid;

use super::{AfterCommit, CommandProcessor, Context};
use crate::repository::conversations::{LockedPair, Numbering};
use crate::repository::{attachments, conversations, messages, users};
use crate::timeline;

/// One send of a run, with the envelope it came in.
pub(super) type Send<'a> = (&'a CommandEnvelope, &'a SendCommand);

/// What became of one send of a run.
enum Outcome {
    /// Stored as the run's `n`th new message.
    Stored(usize),
    /// Stored before: acknowledged again with that message. A retried send is recognised
    /// before any other check (the sender may have left the group since).
    Repeat(Box<ChatMessage>),
    /// A repeat of the run's `i`th send (same sender and client id): answered as that one.
    SameAs(usize),
    /// Refused with this code and sentence.
    Refused(ErrorCode, &'static str),
}

const NO_USER: Outcome = Outcome::Refused(ErrorCode::NotFound, "There is no such user.");
const NO_CONVERSATION: Outcome =
    Outcome::Refused(ErrorCode::NotFound, "There is no such conversation.");
const BAD_REPLY: Outcome = Outcome::Refused(
    ErrorCode::InvalidField,
    "A reply must be to a message of the same conversation.",
);
const BAD_ATTACHMENTS: Outcome = Outcome::Refused(
    ErrorCode::InvalidField,
    "attachmentIds must be at most 10 of your own uploads that no message has used yet.",
);
const NOTHING_TO_SEND: Outcome = Outcome::Refused(
    ErrorCode::InvalidField,
    "A message needs some text or a file.",
);

/// The conversation a send goes to, locked.
#[derive(Clone, Copy)]
struct Open {
    conversation: ConversationId,
    /// A two-party conversation, whose messages name the other participant as the receiver.
    direct: bool,
    /// Where its numbering stood when it was locked.
    numbering: Numbering,
}

pub(super) async fn apply_run(
    processor: &CommandProcessor,
    transaction: &Client,
    run: &[Send<'_>],
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    // Statements that do not depend on each other's answers are sent together (tokio-postgres
    // pipelines what is polled at once): every round trip here is one the whole batch waits for.
    let senders = note_senders(run, after);
    let mut people = unknown_receivers(run, after);
    people.extend(senders.iter().map(|(id, _)| *id));
    let (mut outcomes, recorded, locked, now) = futures_util::try_join!(
        repeats(transaction, run),
        users::names(transaction, &people).err_into::<HandleError>(),
        lock_conversations(transaction, run),
        messages::transaction_time(transaction).err_into::<HandleError>(),
    )?;
    // Senders are recorded under their current names; almost always they already are, and a
    // statement that would change nothing still locks (writes) their rows.
    let renamed: Vec<_> = senders
        .into_iter()
        .filter(|(id, name)| recorded.get(id) != Some(name))
        .collect();
    users::upsert_many(transaction, &renamed).await?;
    after.known.extend(recorded.into_keys());
    let opened = open(transaction, run, &mut outcomes, locked, after).await?;
    // A direct conversation's members are its pair; only the others are looked up.
    let mut members: HashMap<ConversationId, Vec<UserId>> = HashMap::new();
    let mut others = HashSet::new();
    for (i, open) in &opened {
        match (open.direct, run[*i].1.target) {
            (true, SendTarget::To { to }) => {
                let sender = run[*i].0.user_id;
                members.insert(open.conversation, vec![sender.min(to), sender.max(to)]);
            }
            _ => {
                others.insert(open.conversation);
            }
        }
    }
    let others: Vec<ConversationId> = others.into_iter().collect();
    let wanted: Vec<_> = opened
        .iter()
        .filter_map(|(i, open)| Some((run[*i].1.reply_to?, open.conversation)))
        .collect();
    let files: Vec<Uuid> = opened
        .keys()
        .flat_map(|i| run[*i].1.attachment_ids.iter().map(|id| id.as_uuid()))
        .collect();
    let (looked_up, replies, pending) = futures_util::try_join!(
        conversations::members_of(transaction, &others),
        messages::reply_targets(transaction, &wanted),
        attachments::lock_pending(transaction, &files),
    )?;
    members.extend(looked_up);
    // Uploads claimed by an earlier send of the run.
    let mut claimed = HashSet::new();

    // The messages are numbered here, from where each conversation's numbering stood when it
    // was locked: the insert then needs no answer, and goes out with the next round trip.
    let mut numbering: HashMap<ConversationId, Numbering> = HashMap::new();
    let mut new = Vec::new();
    let mut client_msg_ids = Vec::new();
    // The run's index of each new message.
    let mut sent_by = Vec::new();
    for (i, (envelope, send)) in run.iter().enumerate() {
        let Some(open) = opened.get(&i) else {
            continue;
        };
        let reply_to = match send.reply_to {
            None => None,
            Some(replied) => match replies.get(&replied) {
                Some(target) => Some(target.clone()),
                None => {
                    outcomes[i] = Some(BAD_REPLY);
                    continue;
                }
            },
        };
        if let Some(refusal) = check_files(send, envelope.user_id, &pending, &mut claimed) {
            outcomes[i] = Some(refusal);
            continue;
        }
        let everyone = members
            .get(&open.conversation)
            .map_or(&[][..], Vec::as_slice);
        let receiver = if open.direct {
            everyone.iter().copied().find(|m| *m != envelope.user_id)
        } else {
            None
        };
        outcomes[i] = Some(Outcome::Stored(new.len()));
        sent_by.push(i);
        let (seq, rev) = numbering
            .entry(open.conversation)
            .or_insert(open.numbering)
            .advance();
        client_msg_ids.push(send.client_msg_id.as_str());
        new.push(ChatMessage {
            rev,
            reply_to,
            ..ChatMessage::new_user(
                Uuid::now_v7().into(),
                open.conversation,
                seq,
                envelope.user_id,
                receiver,
                send.text().to_owned(),
                now,
            )
        });
    }
    let insert = messages::insert_many(transaction, &new, &client_msg_ids).await?;
    after.hold(transaction, insert).await?;
    let mut stored = new;
    attach_files(transaction, run, &sent_by, &mut stored, after).await?;
    for (message, i) in stored.iter().zip(sent_by) {
        let everyone = members
            .get(&message.conversation_id)
            .map_or(&[][..], Vec::as_slice);
        timeline::announce(
            &mut after.outbox,
            &mut after.deliveries,
            message,
            &run[i].1.client_msg_id,
            Some(&run[i].0.origin),
            everyone,
        );
    }
    answer(processor, transaction, run, &outcomes, &stored, after)
}

/// Why a send's files (or their absence) are refused, if they are: files are the sender's own
/// pending uploads, used by no other send, at most [`MAX_ATTACHMENTS`] without repeats; and a
/// send without text must carry some.
fn check_files(
    send: &SendCommand,
    sender: UserId,
    pending: &HashMap<Uuid, UserId>,
    claimed: &mut HashSet<Uuid>,
) -> Option<Outcome> {
    if send.content.is_none() && send.attachment_ids.is_empty() {
        return Some(NOTHING_TO_SEND);
    }
    let ids: Vec<Uuid> = send.attachment_ids.iter().map(|id| id.as_uuid()).collect();
    let distinct: HashSet<Uuid> = ids.iter().copied().collect();
    let usable = ids.len() <= MAX_ATTACHMENTS
        && distinct.len() == ids.len()
        && ids
            .iter()
            .all(|id| pending.get(id) == Some(&sender) && !claimed.contains(id));
    if !usable {
        return Some(BAD_ATTACHMENTS);
    }
    claimed.extend(ids);
    None
}

/// Makes the files of each stored send part of its message, and shows them on it: the messages'
/// insert goes first, since the files then point to them.
async fn attach_files(
    transaction: &Client,
    run: &[Send<'_>],
    sent_by: &[usize],
    stored: &mut [ChatMessage],
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    let claims: Vec<_> = stored
        .iter()
        .zip(sent_by)
        .flat_map(|(message, i)| {
            run[*i]
                .1
                .attachment_ids
                .iter()
                .map(|id| (id.as_uuid(), message.id, message.conversation_id))
        })
        .collect();
    if claims.is_empty() {
        return Ok(());
    }
    after.send_pending(transaction).await?;
    let mut files = attachments::claim(transaction, &claims).await?;
    for message in stored.iter_mut() {
        message.attachments = files.remove(&message.id.as_uuid()).unwrap_or_default();
    }
    Ok(())
}

/// The senders exist (their tokens say so) under these names: those not yet recorded in this
/// batch, to record (each once per batch).
fn note_senders(run: &[Send<'_>], after: &mut AfterCommit) -> Vec<(UserId, String)> {
    let mut fresh = Vec::new();
    for (envelope, _) in run {
        let named = (envelope.user_id, envelope.username.clone());
        if after.recorded.insert(named.clone()) {
            fresh.push(named);
            after.known.insert(envelope.user_id);
        }
    }
    fresh
}

/// The people sent to whom this batch has not yet found to exist (some of these sends may turn
/// out to be repeats: looking them up anyway saves waiting for that answer first).
fn unknown_receivers(run: &[Send<'_>], after: &AfterCommit) -> Vec<UserId> {
    let unknown: HashSet<UserId> = run
        .iter()
        .filter_map(|(_, send)| match send.target {
            SendTarget::To { to } if !after.known.contains(&to) => Some(to),
            _ => None,
        })
        .collect();
    unknown.into_iter().collect()
}

/// Each send's outcome so far: a repeat (of a stored message, or of an earlier send of the
/// run), a send to oneself refused, or undecided.
async fn repeats(
    transaction: &Client,
    run: &[Send<'_>],
) -> Result<Vec<Option<Outcome>>, HandleError> {
    let keys: Vec<(UserId, &str)> = run
        .iter()
        .map(|(envelope, send)| (envelope.user_id, send.client_msg_id.as_str()))
        .collect();
    let mut stored_before = messages::find_by_client_ids(transaction, &keys).await?;
    if !stored_before.is_empty() {
        // The ack of a repeat shows the message as the first one did, files included.
        let ids: Vec<Uuid> = stored_before.values().map(|m| m.id.as_uuid()).collect();
        let mut files = attachments::of_messages(transaction, &ids).await?;
        for message in stored_before.values_mut() {
            message.attachments = files.remove(&message.id.as_uuid()).unwrap_or_default();
        }
    }
    let mut first_of: HashMap<(UserId, &str), usize> = HashMap::new();
    Ok(keys
        .iter()
        .enumerate()
        .map(|(i, &(sender, client_msg_id))| {
            if let Some(stored) = stored_before.get(&(sender, client_msg_id.to_owned())) {
                return Some(Outcome::Repeat(Box::new(stored.clone())));
            }
            if let Some(first) = first_of.get(&(sender, client_msg_id)) {
                return Some(Outcome::SameAs(*first));
            }
            first_of.insert((sender, client_msg_id), i);
            match run[i].1.target {
                SendTarget::To { to } if to == sender => Some(NO_USER),
                _ => None,
            }
        })
        .collect())
}

/// The conversations of a run's sends that exist, locked: asked for in the same round trip as
/// the repeats and the names, before it is known which sends will be stored (locking the
/// conversation of a send that turns out to be a repeat or refused only holds it until the
/// commit, which the run's others do anyway), so that a run to existing conversations takes
/// one round trip fewer.
struct Locked {
    pairs: HashMap<(UserId, UserId), LockedPair>,
    memberships: HashMap<(ConversationId, UserId), (ConversationKind, Numbering)>,
}

async fn lock_conversations(transaction: &Client, run: &[Send<'_>]) -> Result<Locked, HandleError> {
    let mut pairs = Vec::new();
    let mut memberships = Vec::new();
    for (envelope, send) in run {
        let sender = envelope.user_id;
        match send.target {
            SendTarget::To { to } if to != sender => pairs.push((sender, to)),
            SendTarget::To { .. } => {}
            SendTarget::Conversation { conversation_id } => {
                memberships.push((conversation_id, sender));
            }
        }
    }
    let (pairs, memberships) = futures_util::try_join!(
        conversations::lock_pairs(transaction, &pairs),
        conversations::lock_memberships(transaction, &memberships),
    )?;
    Ok(Locked { pairs, memberships })
}

/// Opens the conversation of every undecided send, by its index in the run: one of `locked`, or
/// a pair's created now on its first message; refuses those to no such user or conversation
/// (`after.known` holds whoever exists).
async fn open(
    transaction: &Client,
    run: &[Send<'_>],
    outcomes: &mut [Option<Outcome>],
    locked: Locked,
    after: &AfterCommit,
) -> Result<HashMap<usize, Open>, HandleError> {
    let undecided: Vec<usize> = (0..run.len()).filter(|i| outcomes[*i].is_none()).collect();
    let first: Vec<(UserId, UserId)> = undecided
        .iter()
        .filter_map(|&i| match run[i].1.target {
            SendTarget::To { to }
                if after.known.contains(&to)
                    && !locked.pairs.contains_key(&(run[i].0.user_id, to)) =>
            {
                Some((run[i].0.user_id, to))
            }
            _ => None,
        })
        .collect();
    let mut pairs = locked.pairs;
    pairs.extend(conversations::create_pairs(transaction, &first).await?);

    let mut opened = HashMap::new();
    for i in undecided {
        let sender = run[i].0.user_id;
        let open = match run[i].1.target {
            SendTarget::To { to } if !after.known.contains(&to) => {
                outcomes[i] = Some(NO_USER);
                continue;
            }
            SendTarget::To { to } => {
                pairs
                    .get(&(sender, to))
                    .map(|&(conversation, numbering)| Open {
                        conversation,
                        direct: true,
                        numbering,
                    })
            }
            SendTarget::Conversation { conversation_id } => locked
                .memberships
                .get(&(conversation_id, sender))
                .map(|&(kind, numbering)| Open {
                    conversation: conversation_id,
                    direct: kind == ConversationKind::Direct,
                    numbering,
                }),
        };
        match open {
            Some(open) => {
                opened.insert(i, open);
            }
            None => outcomes[i] = Some(NO_CONVERSATION),
        }
    }
    Ok(opened)
}

/// Answers what a delivery does not: a repeat gets the stored message's ack again, a refusal
/// an `error` frame.
fn answer(
    processor: &CommandProcessor,
    transaction: &Client,
    run: &[Send<'_>],
    outcomes: &[Option<Outcome>],
    stored: &[ChatMessage],
    after: &mut AfterCommit,
) -> Result<(), HandleError> {
    for (i, &(envelope, send)) in run.iter().enumerate() {
        let (outcome, first_time) = match &outcomes[i] {
            Some(Outcome::SameAs(first)) => (&outcomes[*first], false),
            outcome => (outcome, true),
        };
        let mut ctx = Context {
            processor,
            transaction,
            envelope,
            user: envelope.user_id,
            after,
        };
        match outcome {
            Some(Outcome::Refused(code, sentence)) => {
                ctx.refuse(*code, sentence, Some(&send.client_msg_id))?;
            }
            Some(Outcome::Repeat(message)) => {
                acknowledge_again(&mut ctx, (**message).clone(), send)
            }
            Some(Outcome::Stored(n)) if !first_time => {
                acknowledge_again(&mut ctx, stored[*n].clone(), send);
            }
            _ => {}
        }
    }
    Ok(())
}

/// A repeated send: the message stored the first time, acknowledged again to this connection.
fn acknowledge_again(ctx: &mut Context<'_>, stored: ChatMessage, command: &SendCommand) {
    tracing::debug!(message = %stored.id, "repeated send; acknowledging the stored message again");
    let ack = AckDelivery {
        message: stored,
        client_msg_id: command.client_msg_id.clone(),
        origin: ctx.envelope.origin.clone(),
    };
    ctx.reply(kind::ACK, &ack);
}
