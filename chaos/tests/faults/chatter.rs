//! A chat client that behaves as the contract asks of one, and records what it saw.
//!
//! It chats in one conversation: a direct one with a peer, or a group (section 6 of the
//! contract: `message.send` with `conversationId`, history by conversation id).
//!
//! It sends at a steady rate with a bounded number of unacknowledged messages, resends a message
//! with the same `clientMsgId` until it is acknowledged (after an `unavailable` error, on a new
//! connection, or when no answer came within a few seconds), reconnects with backoff (to the
//! next node when there are several), and catches up from history with `after=<seq>` after a
//! reconnect and whenever the `seq` numbers it received show a gap. Per connection it checks that
//! `message.new` frames come in increasing `seq` order, and that no two frames or history
//! entries give one `seq` or one `clientMsgId` to two different messages.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use shared::testing::{TEST_ORIGIN, eventually};

use crate::stack::{Account, Stack, WAIT};

/// Unacknowledged messages a client lets itself have before it waits.
const WINDOW: usize = 10;
/// A new message every this often while sending.
const SEND_EVERY: Duration = Duration::from_millis(100);
/// A message with no answer for this long is sent again.
const RESEND_AFTER: Duration = Duration::from_secs(4);

/// What a client saw, for the assertions and the printed counts.
#[derive(Default)]
pub struct ChatState {
    created: usize,
    /// Sent but not acknowledged: clientMsgId → when last sent (None: send at the next tick).
    pending: BTreeMap<String, Option<Instant>>,
    /// Acknowledged: clientMsgId → (seq, message id).
    pub acked: HashMap<String, (i64, String)>,
    /// Every message of the conversation seen, by frame or history: seq → message id.
    pub seen: BTreeMap<i64, String>,
    /// The highest seq received on the current connection, in any frame (a higher one than
    /// held without a gap means something was missed: catch up).
    connection_max: i64,
    /// The highest seq of a `message.new` on the current connection: the contract delivers
    /// those in `seq` order. (An ack may answer a resend of an older message at any time, so
    /// acks are checked for identity, not order.)
    new_max: i64,
    need_catch_up: bool,
    pub connected: bool,
    /// Ordering or identity problems: must stay empty.
    pub violations: Vec<String>,
    /// Frames the client did not expect (errors other than `unavailable`): must stay empty.
    pub unexpected: Vec<String>,
    pub send_frames: usize,
    pub unavailable: usize,
    pub repeat_acks: usize,
    pub duplicate_frames: usize,
    pub connections: usize,
    pub failed_connects: usize,
    pub catch_ups: usize,
    /// Messages first seen in history rather than in a frame.
    pub from_history: usize,
}

impl ChatState {
    fn contiguous(&self) -> i64 {
        let mut held = 0;
        for seq in self.seen.keys() {
            if *seq != held + 1 {
                break;
            }
            held = *seq;
        }
        held
    }

    fn record(&mut self, message: &Value, from_frame: bool) {
        let (Some(seq), Some(id)) = (message["seq"].as_i64(), message["id"].as_str()) else {
            self.violations
                .push(format!("a message without seq or id: {message}"));
            return;
        };
        match self.seen.get(&seq) {
            Some(known) if known != id => self
                .violations
                .push(format!("seq {seq} names two messages: {known} and {id}")),
            Some(_) => {
                if from_frame {
                    self.duplicate_frames += 1;
                }
            }
            None => {
                if !from_frame {
                    self.from_history += 1;
                }
                self.seen.insert(seq, id.to_owned());
            }
        }
        if from_frame {
            self.connection_max = self.connection_max.max(seq);
            if self.contiguous() < self.connection_max {
                self.need_catch_up = true;
            }
        }
    }

    fn acknowledge(&mut self, client_msg_id: &str, message: &Value) {
        let (Some(seq), Some(id)) = (message["seq"].as_i64(), message["id"].as_str()) else {
            return;
        };
        if let Some((_, known)) = self.acked.get(client_msg_id) {
            if known != id {
                self.violations.push(format!(
                    "clientMsgId {client_msg_id} acknowledged as two messages: {known} and {id}"
                ));
            }
            self.repeat_acks += 1;
        } else if self.pending.remove(client_msg_id).is_some() {
            self.acked
                .insert(client_msg_id.to_owned(), (seq, id.to_owned()));
        } else {
            self.unexpected.push(format!(
                "an ack for a clientMsgId never sent: {client_msg_id}"
            ));
        }
    }

    pub fn outstanding(&self) -> usize {
        self.pending.len()
    }
}

/// The conversation a client chats in.
#[derive(Clone, Debug)]
pub enum Target {
    /// The direct conversation with this user.
    Peer(Account),
    /// A group conversation, by id.
    Group(String),
}

impl Target {
    /// A `message.send` of `content` with `client_msg_id` into the conversation.
    fn send_frame(&self, client_msg_id: &str, content: &str) -> Value {
        let mut frame = json!({
            "type": "message.send",
            "clientMsgId": client_msg_id,
            "content": content,
        });
        match self {
            Self::Peer(peer) => frame["to"] = json!(peer.id),
            Self::Group(id) => frame["conversationId"] = json!(id),
        }
        frame
    }

    /// The history page after `after`, on a messages replica at `address`.
    fn history_url(&self, address: &str, after: i64) -> String {
        let path = match self {
            Self::Peer(peer) => format!("with/{}", peer.id),
            Self::Group(id) => format!("conversations/{id}/messages"),
        };
        format!("{address}/api/messages/{path}?after={after}&limit=100")
    }
}

/// Switches shared between a client task and the test.
#[derive(Default)]
pub struct Control {
    sending: Cell<bool>,
    stop: Cell<bool>,
    /// Close the socket and connect to this node next.
    move_to: Cell<Option<usize>>,
}

/// One user chatting in one conversation.
pub struct Chatter {
    pub account: Account,
    pub target: Target,
    pub state: Rc<RefCell<ChatState>>,
    control: Rc<Control>,
    messages: Rc<RefCell<Vec<String>>>,
    task: Option<actix_web::rt::task::JoinHandle<()>>,
}

impl Chatter {
    /// Connects to `nodes[first]` (then the next on failure) and starts sending to `peer`.
    pub fn start(
        stack: &Stack,
        account: &Account,
        peer: &Account,
        nodes: Vec<String>,
        first: usize,
    ) -> Self {
        Self::spawn(stack, account, Target::Peer(peer.clone()), nodes, first)
    }

    /// Connects to `nodes[first]` (then the next on failure) and starts sending into the group
    /// `conversation`.
    pub fn in_group(
        stack: &Stack,
        account: &Account,
        conversation: &str,
        nodes: Vec<String>,
        first: usize,
    ) -> Self {
        Self::spawn(
            stack,
            account,
            Target::Group(conversation.to_owned()),
            nodes,
            first,
        )
    }

    fn spawn(
        stack: &Stack,
        account: &Account,
        target: Target,
        nodes: Vec<String>,
        first: usize,
    ) -> Self {
        let state = Rc::new(RefCell::new(ChatState::default()));
        let control = Rc::new(Control::default());
        control.sending.set(true);
        let messages = Rc::new(RefCell::new(Vec::new()));
        let client = Client {
            me: account.clone(),
            target: target.clone(),
            nodes,
            messages: messages.clone(),
            http: stack.http.clone(),
            state: state.clone(),
            control: control.clone(),
        };
        let task = actix_web::rt::spawn(client.run(first));
        let chatter = Self {
            account: account.clone(),
            target,
            state,
            control,
            messages,
            task: Some(task),
        };
        chatter.learn_replicas(stack);
        chatter
    }

    /// Where the client fetches history: every messages replica the stack has now.
    pub fn learn_replicas(&self, stack: &Stack) {
        *self.messages.borrow_mut() = stack
            .processes
            .iter()
            .filter(|p| p.service == "messages")
            .map(|p| p.http())
            .collect();
    }

    /// Closes the socket and connects to `nodes[node]` next (a reconnect like any other: resend
    /// what is unacknowledged, catch up).
    pub fn move_to(&self, node: usize) {
        self.control.move_to.set(Some(node));
    }

    /// How many connections the client has opened so far.
    pub fn connections(&self) -> usize {
        self.state.borrow().connections
    }

    pub fn acked(&self) -> usize {
        self.state.borrow().acked.len()
    }

    /// Stops sending new messages and waits until everything sent is acknowledged and the
    /// client has caught up with the whole conversation.
    pub async fn drain(&self) {
        self.control.sending.set(false);
        let name = &self.account.username;
        eventually(
            &format!("every message of {name} to be acknowledged"),
            WAIT,
            || async { (self.state.borrow().outstanding() == 0).then_some(()) },
        )
        .await;
        self.state.borrow_mut().need_catch_up = true;
        eventually(&format!("{name} to catch up"), WAIT, || async {
            let state = self.state.borrow();
            (!state.need_catch_up && state.connected).then_some(())
        })
        .await;
    }

    /// Closes the socket and ends the task.
    pub async fn stop(&mut self) {
        self.control.stop.set(true);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    pub fn summary(&self) -> String {
        let s = self.state.borrow();
        format!(
            "{}: {} acked, {} send frames ({} resends), {} unavailable, {} repeated acks, {} duplicate frames, {} connections ({} failed attempts), {} catch-ups bringing {} messages",
            self.account.username,
            s.acked.len(),
            s.send_frames,
            s.send_frames.saturating_sub(s.created),
            s.unavailable,
            s.repeat_acks,
            s.duplicate_frames,
            s.connections,
            s.failed_connects,
            s.catch_ups,
            s.from_history
        )
    }
}

impl Drop for Chatter {
    fn drop(&mut self) {
        self.control.stop.set(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

struct Client {
    me: Account,
    target: Target,
    nodes: Vec<String>,
    messages: Rc<RefCell<Vec<String>>>,
    http: awc::Client,
    state: Rc<RefCell<ChatState>>,
    control: Rc<Control>,
}

type Socket = actix_codec::Framed<awc::BoxedSocket, awc::ws::Codec>;

impl Client {
    async fn run(self, first: usize) {
        let mut node = first;
        let mut backoff = Duration::from_millis(100);
        while !self.control.stop.get() {
            let url = format!(
                "{}/ws/chat",
                self.nodes[node % self.nodes.len()].replacen("http", "ws", 1)
            );
            let connected = tokio::time::timeout(
                Duration::from_secs(5),
                self.http
                    .ws(url)
                    .origin(TEST_ORIGIN)
                    .header("Cookie", self.me.cookie.clone())
                    .max_frame_size(1 << 20)
                    .connect(),
            )
            .await;
            match connected {
                Ok(Ok((_, socket))) => {
                    backoff = Duration::from_millis(100);
                    self.session(socket).await;
                    self.state.borrow_mut().connected = false;
                    if let Some(next) = self.control.move_to.take() {
                        node = next;
                    }
                }
                _ => {
                    self.state.borrow_mut().failed_connects += 1;
                    node += 1;
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    async fn session(&self, mut socket: Socket) {
        {
            let mut state = self.state.borrow_mut();
            state.connected = true;
            state.connections += 1;
            state.connection_max = 0;
            state.new_max = 0;
            state.need_catch_up = true;
            // Whatever was in flight on the last connection is sent again on this one.
            for sent in state.pending.values_mut() {
                *sent = None;
            }
        }
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        let mut last_new = Instant::now();
        loop {
            tokio::select! {
                frame = socket.next() => match frame {
                    Some(Ok(awc::ws::Frame::Text(bytes))) => {
                        match serde_json::from_slice::<Value>(&bytes) {
                            Ok(frame) => self.on_frame(&frame),
                            Err(_) => self.state.borrow_mut().unexpected.push("a frame that is not JSON".to_owned()),
                        }
                    }
                    Some(Ok(awc::ws::Frame::Ping(bytes))) => {
                        if socket.send(awc::ws::Message::Pong(bytes)).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(awc::ws::Frame::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
                _ = tick.tick() => {
                    if self.control.stop.get() || self.control.move_to.get().is_some() {
                        let _ = socket.send(awc::ws::Message::Close(None)).await;
                        // Let the server see the close before the connection goes.
                        let _ = tokio::time::timeout(Duration::from_secs(2), async {
                            while let Some(Ok(_)) = socket.next().await {}
                        }).await;
                        return;
                    }
                    if self.state.borrow().need_catch_up {
                        self.catch_up().await;
                    }
                    if self.control.sending.get() && last_new.elapsed() >= SEND_EVERY {
                        last_new = Instant::now();
                        let mut state = self.state.borrow_mut();
                        if state.pending.len() < WINDOW {
                            state.created += 1;
                            let id = format!("{}-{:05}", self.me.username, state.created);
                            state.pending.insert(id, None);
                        }
                    }
                    let due: Vec<String> = self
                        .state
                        .borrow()
                        .pending
                        .iter()
                        .filter(|(_, sent)| sent.is_none_or(|at| at.elapsed() >= RESEND_AFTER))
                        .map(|(id, _)| id.clone())
                        .collect();
                    for id in due {
                        let frame = self.target.send_frame(&id, &format!("{id} says hello"));
                        if socket.send(awc::ws::Message::Text(frame.to_string().into())).await.is_err() {
                            return;
                        }
                        let mut state = self.state.borrow_mut();
                        state.send_frames += 1;
                        if let Some(sent) = state.pending.get_mut(&id) {
                            *sent = Some(Instant::now());
                        }
                    }
                }
            }
        }
    }

    fn on_frame(&self, frame: &Value) {
        let mut state = self.state.borrow_mut();
        match frame["type"].as_str() {
            Some("message.ack") => {
                state.record(&frame["message"], true);
                if let Some(id) = frame["clientMsgId"].as_str() {
                    state.acknowledge(id, &frame["message"]);
                }
            }
            Some("message.new") => {
                let seq = frame["message"]["seq"].as_i64().unwrap_or_default();
                if seq <= state.new_max {
                    let max = state.new_max;
                    state.violations.push(format!(
                        "message.new seq {seq} after message.new seq {max} on the same connection"
                    ));
                }
                state.new_max = seq;
                state.record(&frame["message"], true);
                // A copy of our own message on another connection than the one that sent it
                // (we reconnected meanwhile) carries our clientMsgId: as good as an ack.
                if frame["message"]["senderId"] == self.me.id.as_str()
                    && let Some(id) = frame["clientMsgId"].as_str()
                    && state.pending.contains_key(id)
                {
                    state.acknowledge(id, &frame["message"]);
                }
            }
            Some("error") => match (frame["code"].as_str(), frame["clientMsgId"].as_str()) {
                (Some("unavailable"), Some(id)) => {
                    state.unavailable += 1;
                    if let Some(sent) = state.pending.get_mut(id) {
                        *sent = None;
                    }
                }
                _ => state.unexpected.push(frame.to_string()),
            },
            _ => {}
        }
    }

    /// Fetches what came after the highest seq held without a gap, from any messages replica.
    async fn catch_up(&self) {
        let mut after = self.state.borrow().contiguous();
        let replicas = self.messages.borrow().clone();
        for address in &replicas {
            loop {
                let url = self.target.history_url(address, after);
                let response = self
                    .http
                    .get(url)
                    .insert_header(("Cookie", self.me.cookie.clone()))
                    .send()
                    .await;
                let Ok(mut response) = response else {
                    break;
                };
                let status = response.status().as_u16();
                if status == 404 {
                    // No conversation yet: nothing to catch up on.
                    self.state.borrow_mut().need_catch_up = false;
                    return;
                }
                if status != 200 {
                    break;
                }
                let Ok(page) = response.json::<Value>().limit(1 << 22).await else {
                    break;
                };
                let mut state = self.state.borrow_mut();
                for message in page["messages"].as_array().into_iter().flatten() {
                    state.record(message, false);
                    after = after.max(message["seq"].as_i64().unwrap_or(after));
                }
                if page["hasMore"] != true {
                    state.catch_ups += 1;
                    state.need_catch_up = state.contiguous() < state.connection_max;
                    return;
                }
            }
        }
    }
}

/// The whole history of a conversation, as `viewer` gets it from any messages replica.
pub async fn history(stack: &Stack, viewer: &Account, target: &Target) -> Vec<Value> {
    eventually("the full history", WAIT, || async {
        for address in stack.addresses("messages") {
            let mut all = Vec::new();
            let mut after = 0;
            loop {
                let Ok(mut response) = stack
                    .http
                    .get(target.history_url(&address, after))
                    .insert_header(("Cookie", viewer.cookie.clone()))
                    .send()
                    .await
                else {
                    break;
                };
                if response.status() != 200 {
                    break;
                }
                let Ok(page) = response.json::<Value>().limit(1 << 22).await else {
                    break;
                };
                let messages = page["messages"].as_array().cloned().unwrap_or_default();
                after = messages
                    .last()
                    .and_then(|m| m["seq"].as_i64())
                    .unwrap_or(after);
                all.extend(messages);
                if page["hasMore"] != true {
                    return Some(all);
                }
            }
        }
        None
    })
    .await
}

/// Counts of one conversation after a run.
pub struct Verdict {
    /// Every message stored, system messages included.
    pub stored: usize,
    pub acked: usize,
}

/// Checks one conversation between its chatters (every participant, all chatting in it) after
/// all drained: the history is numbered 1..n without gaps, holds each acknowledged clientMsgId
/// exactly once (as the message its ack named) and, besides system messages, nothing else, and
/// every client holds exactly that history.
pub async fn verify(stack: &Stack, chatters: &[&Chatter]) -> Verdict {
    let first = chatters.first().expect("a conversation has chatters");
    let history = history(stack, &first.account, &first.target).await;
    let seqs: Vec<i64> = history.iter().filter_map(|m| m["seq"].as_i64()).collect();
    assert_eq!(
        seqs,
        (1..=history.len() as i64).collect::<Vec<_>>(),
        "seq must start at 1 and have no gaps or repeats"
    );
    let mut by_client_id: HashMap<String, (i64, String)> = HashMap::new();
    let mut system = 0;
    for message in &history {
        // A group's membership changes (its creation included) are system messages with no
        // content: in the timeline, acknowledged to nobody.
        if message["kind"] == "system" {
            system += 1;
            continue;
        }
        let client_msg_id = message["content"]
            .as_str()
            .and_then(|c| c.split(' ').next())
            .expect("content starts with the clientMsgId")
            .to_owned();
        let entry = (
            message["seq"].as_i64().expect("seq"),
            message["id"].as_str().expect("id").to_owned(),
        );
        if let Some(first) = by_client_id.insert(client_msg_id.clone(), entry) {
            panic!(
                "clientMsgId {client_msg_id} is stored twice (first as seq {})",
                first.0
            );
        }
    }
    let mut acked = 0;
    for chatter in chatters {
        let state = chatter.state.borrow();
        assert!(
            state.violations.is_empty(),
            "{} saw violations: {:#?}",
            chatter.account.username,
            state.violations
        );
        assert!(
            state.unexpected.is_empty(),
            "{} got unexpected frames: {:#?}",
            chatter.account.username,
            state.unexpected
        );
        for (client_msg_id, ack) in &state.acked {
            assert_eq!(
                by_client_id.get(client_msg_id),
                Some(ack),
                "acknowledged {client_msg_id} must be stored exactly as its ack said"
            );
        }
        acked += state.acked.len();
        let held: Vec<(i64, String)> = state
            .seen
            .iter()
            .map(|(seq, id)| (*seq, id.clone()))
            .collect();
        let stored: Vec<(i64, String)> = history
            .iter()
            .map(|m| {
                (
                    m["seq"].as_i64().unwrap_or_default(),
                    m["id"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        assert!(
            held == stored,
            "{} holds {} messages, history has {}",
            chatter.account.username,
            held.len(),
            stored.len()
        );
    }
    assert_eq!(
        acked,
        history.len() - system,
        "everything stored was acknowledged to its sender, and nothing else is stored"
    );
    Verdict {
        stored: history.len(),
        acked,
    }
}
