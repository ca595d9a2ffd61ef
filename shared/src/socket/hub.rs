//! This node's open sockets.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytestring::ByteString;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::ids::{SessionId, UserId};

/// One connection on this node.
pub type ConnectionId = u64;

/// What the hub asks a connection to do.
#[derive(Clone, Debug)]
pub enum Outbound {
    /// Send this text frame.
    Text(ByteString),
    /// Close with this code and reason.
    Close(u16, &'static str),
}

struct Entry {
    id: ConnectionId,
    session: SessionId,
    username: Arc<str>,
    mailbox: Arc<Mailbox>,
    kick: CancellationToken,
}

/// How many frames a round of a slow socket's queue may hold on average before the socket is
/// let go: a committed batch rarely carries more for one socket, and 256 rounds of them (the
/// default capacity) are 4,096 frames, a few megabytes.
const FRAMES_PER_ROUND: usize = 16;

/// What waits for one connection to write it: frames in order, and frames that only matter as
/// the latest of their kind for one user (that user's presence), one per user. A wave of a
/// thousand connects is then at most a thousand small frames per socket, however slowly it
/// drains, never an overflow that would disconnect a healthy client.
///
/// A connection is too slow when `capacity` rounds of frames (see [`ConnectionHub::round`]) are
/// waiting when another comes: the frames of one round, however many (one committed batch of a
/// thousand messages in a busy group), arrive together and are no sign of a client that does not
/// read. Outside a round each frame is a round of its own. So that a slow socket's memory stays
/// bounded whatever the rounds carry, a round is also refused once [`FRAMES_PER_ROUND`] times
/// `capacity` frames are waiting.
///
/// Nothing is allocated while nothing waits: an idle socket's mailbox is its lock, its wake-up
/// and two empty collections (a channel would hold a block of slots for good).
pub struct Mailbox {
    waiting: Mutex<Waiting>,
    ready: Notify,
    capacity: usize,
}

#[derive(Default)]
struct Waiting {
    frames: VecDeque<Outbound>,
    latest: HashMap<UserId, ByteString>,
    /// The round of the last frame queued, and how many rounds are waiting.
    round: u64,
    rounds: usize,
}

/// Everything a connection had waiting, taken at once.
#[derive(Default)]
pub struct Taken {
    /// Frames in the order they were queued.
    pub frames: VecDeque<Outbound>,
    /// The latest frame about each user.
    pub latest: HashMap<UserId, ByteString>,
}

impl Mailbox {
    fn new(capacity: usize) -> Self {
        Self {
            waiting: Mutex::default(),
            ready: Notify::new(),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Waiting> {
        // Every update is a single push or take, so a poisoned lock is still consistent.
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `frame` in order as part of `round`; false if `capacity` other rounds, or
    /// [`FRAMES_PER_ROUND`] times as many frames, are waiting.
    fn push(&self, frame: Outbound, round: u64) -> bool {
        let mut waiting = self.lock();
        if waiting.round != round {
            if waiting.rounds >= self.capacity
                || waiting.frames.len() >= self.capacity.saturating_mul(FRAMES_PER_ROUND)
            {
                return false;
            }
            waiting.round = round;
            waiting.rounds += 1;
        }
        waiting.frames.push_back(frame);
        drop(waiting);
        self.ready.notify_one();
        true
    }

    fn put_latest(&self, key: UserId, frame: ByteString) {
        self.lock().latest.insert(key, frame);
        self.ready.notify_one();
    }

    /// Waits until something may be waiting (it can wake with nothing to take).
    pub async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Everything waiting, leaving nothing allocated behind.
    pub fn take(&self) -> Taken {
        let mut waiting = self.lock();
        waiting.rounds = 0;
        Taken {
            frames: std::mem::take(&mut waiting.frames),
            latest: std::mem::take(&mut waiting.latest),
        }
    }
}

#[derive(Default)]
struct Inner {
    by_user: HashMap<UserId, Vec<Entry>>,
}

/// This node's connections, by user. Cheap to clone. Sending never waits: a connection whose
/// queue is full is kicked instead, because a client that cannot keep up must not hold up the
/// sender (and through it everybody else).
#[derive(Clone)]
pub struct ConnectionHub {
    inner: Arc<Mutex<Inner>>,
    next_id: Arc<AtomicU64>,
    queue_capacity: usize,
    /// The last round numbered, and the one open (0: none).
    rounds: Arc<AtomicU64>,
    open_round: Arc<AtomicU64>,
}

/// An open round of the hub: see [`ConnectionHub::round`]. Closed when dropped.
pub struct Round {
    id: u64,
    open_round: Arc<AtomicU64>,
}

impl Drop for Round {
    fn drop(&mut self) {
        // Only the round that opened it closes it (a round opened while another was open joined
        // that one and has nothing to close).
        let _ = self
            .open_round
            .compare_exchange(self.id, 0, Ordering::AcqRel, Ordering::Relaxed);
    }
}

/// A registered connection's end of the hub.
pub struct Registration {
    /// Its id on this node.
    pub id: ConnectionId,
    /// What waits for it to write.
    pub mailbox: Arc<Mailbox>,
    /// Cancelled when the hub gives up on it (its queue overflowed).
    pub kick: CancellationToken,
    /// Whether it is the user's first connection on this node.
    pub first_on_node: bool,
}

impl ConnectionHub {
    /// A hub whose connections may each have `queue_capacity` frames (or rounds of frames)
    /// waiting.
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            inner: Arc::default(),
            next_id: Arc::new(AtomicU64::new(1)),
            queue_capacity: queue_capacity.max(1),
            rounds: Arc::default(),
            open_round: Arc::default(),
        }
    }

    /// Opens a round until the returned guard is dropped: every frame queued meanwhile counts as
    /// one batch against a connection's queue, as its frames arrived together (the deliveries
    /// of one committed transaction). Outside a round each call queues a round of its own.
    pub fn round(&self) -> Round {
        let id = self.rounds.fetch_add(1, Ordering::Relaxed) + 1;
        let _ = self
            .open_round
            .compare_exchange(0, id, Ordering::AcqRel, Ordering::Relaxed);
        Round {
            id,
            open_round: self.open_round.clone(),
        }
    }

    /// The round a frame queued now belongs to.
    fn current_round(&self) -> u64 {
        match self.open_round.load(Ordering::Acquire) {
            0 => self.rounds.fetch_add(1, Ordering::Relaxed) + 1,
            open => open,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the map inconsistent (every update is a
        // single insert or remove), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a connection of `user` in `session`, unless the user already has `cap` connections
    /// on this node (then `None`: one user must not be able to hold a node's sockets).
    pub fn register(
        &self,
        user: UserId,
        username: &str,
        session: SessionId,
        cap: usize,
    ) -> Option<Registration> {
        let mut inner = self.lock();
        // Most users hold one socket on a node: room for exactly one to start with.
        let entries = inner
            .by_user
            .entry(user)
            .or_insert_with(|| Vec::with_capacity(1));
        if entries.len() >= cap {
            return None;
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let kick = CancellationToken::new();
        let mailbox = Arc::new(Mailbox::new(self.queue_capacity));
        let first_on_node = entries.is_empty();
        entries.push(Entry {
            id,
            session,
            username: username.into(),
            mailbox: mailbox.clone(),
            kick: kick.clone(),
        });
        Some(Registration {
            id,
            mailbox,
            kick,
            first_on_node,
        })
    }

    /// Removes a connection; true if it was the user's last on this node.
    pub fn unregister(&self, user: UserId, id: ConnectionId) -> bool {
        let mut inner = self.lock();
        let Some(entries) = inner.by_user.get_mut(&user) else {
            return false;
        };
        entries.retain(|e| e.id != id);
        if entries.is_empty() {
            inner.by_user.remove(&user);
            true
        } else {
            false
        }
    }

    /// Queues `frame` for every connection of `user` on this node except `except`; returns how
    /// many got it.
    pub fn send_to_user(
        &self,
        user: UserId,
        frame: &ByteString,
        except: Option<ConnectionId>,
    ) -> usize {
        let round = self.current_round();
        let inner = self.lock();
        let Some(entries) = inner.by_user.get(&user) else {
            return 0;
        };
        entries
            .iter()
            .filter(|e| Some(e.id) != except)
            .filter(|e| offer(e, Outbound::Text(frame.clone()), round))
            .count()
    }

    /// Queues `frame` for one connection.
    pub fn send_to_connection(&self, user: UserId, id: ConnectionId, frame: ByteString) -> bool {
        let round = self.current_round();
        let inner = self.lock();
        inner
            .by_user
            .get(&user)
            .and_then(|entries| entries.iter().find(|e| e.id == id))
            .is_some_and(|e| offer(e, Outbound::Text(frame), round))
    }

    /// Queues `frame` for every connection on this node (presence, sign-ups).
    pub fn broadcast(&self, frame: &ByteString, except_user: Option<UserId>) -> usize {
        let round = self.current_round();
        let inner = self.lock();
        inner
            .by_user
            .iter()
            .filter(|(user, _)| Some(**user) != except_user)
            .flat_map(|(_, entries)| entries.iter())
            .filter(|e| offer(e, Outbound::Text(frame.clone()), round))
            .count()
    }

    /// Hands every connection on this node (but `key`'s own) `frame` as the latest about `key`,
    /// replacing one not yet sent: for state where only the newest value matters (presence).
    pub fn broadcast_latest(&self, key: UserId, frame: &ByteString) -> usize {
        let inner = self.lock();
        inner
            .by_user
            .iter()
            .filter(|(user, _)| **user != key)
            .flat_map(|(_, entries)| entries.iter())
            .map(|e| e.mailbox.put_latest(key, frame.clone()))
            .count()
    }

    /// Closes every connection of a session (or, with `None`, of the user) with `code`.
    pub fn close_sessions(
        &self,
        user: UserId,
        session: Option<SessionId>,
        code: u16,
        reason: &'static str,
    ) -> usize {
        let round = self.current_round();
        let inner = self.lock();
        let Some(entries) = inner.by_user.get(&user) else {
            return 0;
        };
        let mut closed = 0;
        for entry in entries
            .iter()
            .filter(|e| session.is_none_or(|s| s == e.session))
        {
            // A full queue cannot take the close frame; kicking ends the connection all the same.
            if !entry.mailbox.push(Outbound::Close(code, reason), round) {
                entry.kick.cancel();
            }
            closed += 1;
        }
        closed
    }

    /// Whether `user` has a connection on this node.
    pub fn is_connected(&self, user: UserId) -> bool {
        self.lock().by_user.contains_key(&user)
    }

    /// Every connection on this node: `(user, username, connection)`, for presence heartbeats.
    pub fn connections(&self) -> Vec<(UserId, Arc<str>, ConnectionId)> {
        self.lock()
            .by_user
            .iter()
            .flat_map(|(user, entries)| entries.iter().map(|e| (*user, e.username.clone(), e.id)))
            .collect()
    }

    /// How many connections this node holds.
    pub fn len(&self) -> usize {
        self.lock().by_user.values().map(Vec::len).sum()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.lock().by_user.is_empty()
    }
}

fn offer(entry: &Entry, outbound: Outbound, round: u64) -> bool {
    if entry.mailbox.push(outbound, round) {
        return true;
    }
    // A kicked connection stays listed until its task ends; say so once.
    if !entry.kick.is_cancelled() {
        tracing::warn!(
            connection = entry.id,
            "send queue full; disconnecting a slow client"
        );
        entry.kick.cancel();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> ByteString {
        ByteString::from(text.to_owned())
    }

    /// The texts waiting in order for `registration`, taken.
    fn texts(registration: &Registration) -> Vec<ByteString> {
        registration
            .mailbox
            .take()
            .frames
            .into_iter()
            .map(|outbound| match outbound {
                Outbound::Text(text) => text,
                Outbound::Close(code, _) => frame(&format!("close {code}")),
            })
            .collect()
    }

    fn latest(registration: &Registration) -> Vec<ByteString> {
        let mut frames: Vec<_> = registration.mailbox.take().latest.into_values().collect();
        frames.sort();
        frames
    }

    #[test]
    fn every_connection_of_a_user_gets_a_frame_except_the_excluded_one() {
        let hub = ConnectionHub::new(4);
        let user = UserId::new();
        let a = hub
            .register(user, "u", SessionId::new(), usize::MAX)
            .unwrap();
        let b = hub
            .register(user, "u", SessionId::new(), usize::MAX)
            .unwrap();
        assert!(a.first_on_node && !b.first_on_node);
        assert_eq!(hub.send_to_user(user, &frame("x"), Some(a.id)), 1);
        assert!(texts(&a).is_empty());
        assert_eq!(texts(&b), vec![frame("x")]);
    }

    #[test]
    fn a_connection_whose_queue_is_full_is_kicked_and_others_still_get_frames() {
        let hub = ConnectionHub::new(2);
        let slow_user = UserId::new();
        let slow = hub
            .register(slow_user, "slow", SessionId::new(), usize::MAX)
            .unwrap();
        let fast_user = UserId::new();
        let fast = hub
            .register(fast_user, "fast", SessionId::new(), usize::MAX)
            .unwrap();
        for _ in 0..3 {
            hub.broadcast(&frame("tick"), None);
            texts(&fast);
        }
        assert!(slow.kick.is_cancelled());
        assert!(!fast.kick.is_cancelled());
    }

    /// `frames` frames for `user`, queued in one round.
    fn round_of(hub: &ConnectionHub, user: UserId, frames: usize) {
        let _round = hub.round();
        for i in 0..frames {
            hub.send_to_user(user, &frame(&format!("{i}")), None);
        }
    }

    /// A hub of queues of `capacity` and one connection on it.
    fn one_reader(capacity: usize) -> (ConnectionHub, UserId, Registration) {
        let hub = ConnectionHub::new(capacity);
        let user = UserId::new();
        let reader = hub
            .register(user, "u", SessionId::new(), usize::MAX)
            .unwrap();
        (hub, user, reader)
    }

    #[test]
    fn the_frames_of_one_round_count_as_one_batch_against_the_queue() {
        let (hub, user, reader) = one_reader(2);
        round_of(&hub, user, 10);
        assert!(!reader.kick.is_cancelled(), "one round is one batch");
        assert_eq!(texts(&reader).len(), 10);
        // Unread, two rounds are the most that may wait before a third.
        round_of(&hub, user, 10);
        round_of(&hub, user, 10);
        assert!(!reader.kick.is_cancelled());
        hub.send_to_user(user, &frame("one more"), None);
        assert!(
            reader.kick.is_cancelled(),
            "a client that does not read is still let go"
        );
    }

    #[test]
    fn a_slow_socket_holds_a_bounded_number_of_frames_whatever_the_rounds_carry() {
        let (hub, user, reader) = one_reader(2);
        round_of(&hub, user, 2 * FRAMES_PER_ROUND);
        assert!(!reader.kick.is_cancelled());
        hub.send_to_user(user, &frame("one more"), None);
        assert!(reader.kick.is_cancelled());
    }

    #[test]
    fn latest_frames_replace_older_ones_and_never_kick() {
        let hub = ConnectionHub::new(1);
        let watcher = hub
            .register(UserId::new(), "w", SessionId::new(), usize::MAX)
            .unwrap();
        let mover = UserId::new();
        let me = hub
            .register(mover, "m", SessionId::new(), usize::MAX)
            .unwrap();
        for i in 0..100 {
            hub.broadcast_latest(mover, &frame(&format!("status {i}")));
        }
        let other = UserId::new();
        hub.broadcast_latest(other, &frame("other"));
        assert_eq!(latest(&watcher), vec![frame("other"), frame("status 99")]);
        assert!(!watcher.kick.is_cancelled());
        assert!(latest(&watcher).is_empty());
        // A user does not hear about themselves.
        assert_eq!(latest(&me), vec![frame("other")]);
        assert!(texts(&me).is_empty());
    }

    #[test]
    fn closing_a_session_reaches_only_its_connections() {
        let hub = ConnectionHub::new(4);
        let user = UserId::new();
        let ended = SessionId::new();
        let a = hub.register(user, "u", ended, usize::MAX).unwrap();
        let b = hub
            .register(user, "u", SessionId::new(), usize::MAX)
            .unwrap();
        assert_eq!(hub.close_sessions(user, Some(ended), 4001, "signed out"), 1);
        assert_eq!(texts(&a), vec![frame("close 4001")]);
        assert!(texts(&b).is_empty());
        assert!(!hub.unregister(user, a.id));
        assert!(hub.unregister(user, b.id));
        assert!(hub.is_empty());
    }
}
