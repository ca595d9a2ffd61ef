/**
 * The conversation with one person: header (name, presence), the windowed history (role=log),
 * the typing line and the composer. It loads the thread when opened, older pages when scrolled
 * to the top, and marks the conversation read while the page is focused and new messages from
 * the peer are on screen.
 */
import { memo, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { Link } from 'react-router';
import type { ChatMessage, MessageVotes } from '../../api/types';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { usePageFocused } from '../../app/usePageFocused';
import { Alert } from '../../components/Alert';
import { VirtualList } from '../../components/VirtualList';
import { selectConversationById, selectConversationWithPeer } from '../conversations/conversationsSlice';
import { DepartedNotice } from '../groups/DepartedNotice';
import { GroupHeader } from '../groups/GroupHeader';
import { selectDepartedName, selectDeparture, selectGroupMissing } from '../groups/groupsSlice';
import { storedStatus } from '../groups/ownStatus';
import { SeenBy } from '../groups/SeenBy';
import { SystemLine } from '../groups/SystemLine';
import { isSystemMessage } from '../groups/systemText';
import { useDeliveredMark } from '../groups/useDeliveredMark';
import { useMayDeleteOthers } from '../groups/useMayDelete';
import { useNameOf, useSenderNames } from '../groups/useNameOf';
import { MuteMenu } from '../push/MuteMenu';
import {
  castVote,
  discardSend,
  loadOlder,
  markConversationRead,
  openThread,
  retrySend,
  selectThread,
} from '../messages/messagesSlice';
import { displayedVotes, type PendingMessage, type Thread, type VoteDirection } from '../messages/thread';
import { selectChatSocketStatus } from '../realtime/connectionSlice';
import { JumpMark } from '../search/JumpMark';
import { useJumpTarget } from '../search/useJumpTarget';
import { describePresence } from '../users/formatLastSeen';
import { fetchUser, selectDirectoryUserById } from '../users/usersSlice';
import { lifecycleSlots, useRevealKey } from '../lifecycle/MessageParts';
import { ReplyQuote } from '../lifecycle/ReplyQuote';
import { Composer } from './Composer';
import { MessageBubble, type OwnStatus } from './MessageBubble';
import { TypingIndicator } from './TypingIndicator';

type Row =
  | { kind: 'start'; key: string }
  | {
      kind: 'message';
      key: string;
      message: ChatMessage;
      clientMsgId: string | null;
      /** The server's counts with our unanswered vote applied. */
      votes: MessageVotes;
      voteAwaiting: boolean;
      voteError: string | null;
    }
  | { kind: 'pending'; key: string; pending: PendingMessage };

const rowKey = (row: Row) => row.key;

const NO_VOTES: MessageVotes = { up: 0, down: 0, mine: null };

const START_ROW: Row = { kind: 'start', key: 'start' };

/** Whether two rows of one message show the same thing. */
function sameMessageRow(a: Extract<Row, { kind: 'message' }>, b: Extract<Row, { kind: 'message' }>): boolean {
  return (
    a.message === b.message &&
    a.clientMsgId === b.clientMsgId &&
    a.votes === b.votes &&
    a.voteAwaiting === b.voteAwaiting &&
    a.voteError === b.voteError
  );
}

/**
 * The rows of a thread. A row that shows the same as in `previous` is that very object, so the
 * list does not render it again (`VirtualList` keeps a row's element while its item is the same):
 * a new message or a read mark renders one row, not the window.
 */
function buildRows(thread: Thread | undefined, previous: ReadonlyMap<string, Row>): Row[] {
  if (!thread) return [];
  const rows: Row[] = [];
  if (thread.status === 'ready' && !thread.hasOlder) rows.push(START_ROW);
  for (const id of thread.ids) {
    const message = thread.byId[id];
    if (!message) continue;
    const clientMsgId = thread.clientIdByMessageId[id] ?? null;
    // A row keeps its key from pending to stored, so it is one element throughout.
    const row: Row = {
      kind: 'message',
      key: clientMsgId ?? id,
      message,
      clientMsgId,
      votes: displayedVotes(message.votes, thread.voteIntents[id]),
      voteAwaiting: thread.voteIntents[id] !== undefined,
      voteError: thread.voteErrors[id] ?? null,
    };
    const held = previous.get(row.key);
    rows.push(held?.kind === 'message' && sameMessageRow(held, row) ? held : row);
  }
  for (const pending of thread.pending) {
    const held = previous.get(pending.clientMsgId);
    rows.push(held?.kind === 'pending' && held.pending === pending ? held : { kind: 'pending', key: pending.clientMsgId, pending });
  }
  return rows;
}

/** "Seen by N" under one of our messages in a group, one element per message (see `buildRows`:
 *  the same element lets the memoised bubble skip a render). */
const seenByCache = new WeakMap<ChatMessage, ReactElement>();
function seenByOf(conversationId: string, message: ChatMessage): ReactElement {
  let element = seenByCache.get(message);
  if (!element) {
    element = <SeenBy conversationId={conversationId} seq={message.seq} />;
    seenByCache.set(message, element);
  }
  return element;
}

/** The open chat. Memoised: the home around it re-renders with every directory or list change,
 *  which this pane reads through its own selectors. */
export const ChatPane = memo(function ChatPane({ peerId, group = false }: { peerId: string; group?: boolean }) {
  const dispatch = useAppDispatch();
  const selfId = useAppSelector((state) => state.auth.user?.id ?? null);
  const thread = useAppSelector((state) => selectThread(state, peerId));
  // A group's pane is keyed by its conversation id (see `peerOf`).
  const conversation = useAppSelector((state) =>
    group ? selectConversationById(state, peerId) : selectConversationWithPeer(state, peerId),
  );
  const departure = useAppSelector((state) => (group ? selectDeparture(state, peerId) : undefined));
  const groupMissing = useAppSelector((state) => group && selectGroupMissing(state, peerId));
  const departedName = useAppSelector((state) => (group ? selectDepartedName(state, peerId) : undefined));
  const nameOf = useNameOf();
  const senderNames = useSenderNames(group ? thread : undefined);
  const mayDeleteOthers = useMayDeleteOthers(group ? peerId : null, group ? conversation?.myRole : null);
  const peer = useAppSelector((state) => selectDirectoryUserById(state, peerId));
  const focused = usePageFocused();
  const chatOpen = useAppSelector(selectChatSocketStatus) === 'open';
  const [peerMissing, setPeerMissing] = useState(false);
  const [atBottom, setAtBottom] = useState(true);
  const [bottomSignal, setBottomSignal] = useState(0);
  const [visible, setVisible] = useState<[number, number]>([-1, -1]);
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const readSent = useRef(new Map<string, number>());

  const peerName = group ? (conversation?.name ?? departedName ?? '') : (peer?.username ?? conversation?.peer?.username ?? '');
  const conversationId = thread?.conversationId ?? conversation?.id ?? null;
  useDeliveredMark(conversation, thread, selfId, !!departure);
  // A search result opened this chat at a message: scroll to it and mark it.
  const jumpId = useJumpTarget({ peerId, conversationId });
  const jumpKey = jumpId && thread?.byId[jumpId] ? (thread.clientIdByMessageId[jumpId] ?? jumpId) : null;

  useEffect(() => {
    // A group we are no longer in answers 404: keep what is held.
    if (group && departure) return;
    void dispatch(openThread(group ? { peerId, group } : { peerId }));
    // At the next frame, not in the commit that mounts the pane: focusing needs the page's
    // styles and layout up to date, which here would force them for the whole new page within
    // the commit's task (the longest of a load); the frame computes them anyway.
    const frame = requestAnimationFrame(() => composerRef.current?.focus());
    // Again when we are added back to a group we had left (it catches up). Whether the reader
    // is at the end is the list's to say (it is keyed by the chat and reports on mount): a reset
    // here would run after that report (a parent's effects run after its children's), and the
    // list, which reports only changes, would leave "Jump to latest" hidden for good.
    return () => cancelAnimationFrame(frame);
  }, [dispatch, peerId, group, departure]);

  // Opened by URL with someone the directory has not loaded (yet): ask for them.
  useEffect(() => {
    setPeerMissing(false);
    if (peer || group) return;
    let cancelled = false;
    void dispatch(fetchUser(peerId)).then((result) => {
      if (!cancelled && fetchUser.rejected.match(result) && result.payload?.status === 404) setPeerMissing(true);
    });
    return () => {
      cancelled = true;
    };
    // Only when the peer changes; a directory update that adds them needs no second fetch.
  }, [dispatch, peerId]);

  // A page of history (or a burst of messages) renders deferred, built in slices that yield to
  // the browser, so the pane's other updates (typing, presence) never wait for it. One more row
  // or a changed one (our send appearing as pending, its ticks) renders at once: deferring those
  // too would let a busy browser skip straight past "pending".
  const previousRows = useRef<ReadonlyMap<string, Row>>(new Map());
  const freshRows = useMemo(() => buildRows(thread, previousRows.current), [thread]);
  useEffect(() => {
    previousRows.current = new Map(freshRows.map((row) => [row.key, row]));
  }, [freshRows]);
  const deferredRows = useDeferredValue(freshRows);
  const rows = freshRows.length - deferredRows.length > 1 ? deferredRows : freshRows;
  const revealKey = useRevealKey(peerId, thread);
  // What our messages' ticks are read from. The summary itself changes with every message and
  // unread count; these three only when a tick may move, so the rows are not all rendered again.
  const known = conversation !== undefined;
  const receiptKind = conversation?.kind;
  const peerLastReadSeq = conversation?.peerLastReadSeq ?? null;
  const peerLastDeliveredSeq = conversation?.peerLastDeliveredSeq ?? null;
  const receipts = useMemo(
    () => (known ? { kind: receiptKind, peerLastReadSeq, peerLastDeliveredSeq } : undefined),
    [known, receiptKind, peerLastReadSeq, peerLastDeliveredSeq],
  );
  const onlyStart = rows.length === 1;

  const onNearTop = useCallback(() => {
    void dispatch(loadOlder({ peerId }));
  }, [dispatch, peerId]);

  const onVote = useCallback(
    (messageId: string, vote: VoteDirection) => void dispatch(castVote({ peerId, messageId, vote })),
    [dispatch, peerId],
  );
  const voteBlocked = chatOpen ? null : 'Voting resumes when the connection is back';

  const onVisibleRangeChange = useCallback((first: number, last: number) => {
    setVisible((current) => (current[0] === first && current[1] === last ? current : [first, last]));
  }, []);

  // Read marks: up to the newest stored message on screen, when a peer's message is among the
  // unread ones and the user can actually see the page.
  const lastReadSeq = conversation?.lastReadSeq ?? 0;
  useEffect(() => {
    if (!focused || !conversationId || !selfId || visible[1] < 0) return;
    let newestShown = 0;
    for (let index = Math.min(visible[1], rows.length - 1); index >= Math.max(0, visible[0]); index -= 1) {
      const row = rows[index];
      if (row?.kind === 'message') {
        newestShown = row.message.seq;
        break;
      }
    }
    const alreadySent = readSent.current.get(conversationId) ?? 0;
    if (newestShown <= Math.max(lastReadSeq, alreadySent)) return;
    // Only the unread tail can hold a peer's message worth a read mark: scan back from the
    // newest shown row while rows are newer than the read position.
    let unreadFromPeer = false;
    for (let index = Math.min(visible[1], rows.length - 1); index >= 0; index -= 1) {
      const row = rows[index];
      if (row?.kind !== 'message') continue;
      if (row.message.seq <= lastReadSeq) break;
      if (row.message.senderId !== selfId && row.message.seq <= newestShown) {
        unreadFromPeer = true;
        break;
      }
    }
    if (!unreadFromPeer) return;
    readSent.current.set(conversationId, newestShown);
    void dispatch(markConversationRead({ conversationId, seq: newestShown }));
  }, [focused, conversationId, selfId, visible, rows, lastReadSeq, dispatch]);

  // Announce the peer's new messages (the log itself is not live: scrolling adds rows to it).
  const [announcement, setAnnouncement] = useState('');
  const lastAnnounced = useRef<string | null>(null);
  const newest = thread?.ids[thread.ids.length - 1];
  useEffect(() => {
    if (!thread || thread.status !== 'ready' || !newest) return;
    if (lastAnnounced.current === null) {
      lastAnnounced.current = newest;
      return;
    }
    if (lastAnnounced.current === newest) return;
    lastAnnounced.current = newest;
    const message = thread.byId[newest];
    if (message && message.senderId !== selfId) {
      const sender = group ? (nameOf(message.senderId) ?? 'Someone') : peerName;
      setAnnouncement(`${sender}: ${message.content.slice(0, 200)}`);
    }
  }, [newest, thread, selfId, peerName, group, nameOf]);
  useEffect(() => {
    lastAnnounced.current = null;
    setAnnouncement('');
  }, [peerId]);

  const renderRow = useCallback(
    (row: Row) => {
      if (row.kind === 'start') {
        return (
          <p className="chat__start">
            {group
              ? `This is the beginning of ${peerName || 'the group'}.`
              : onlyStart
                ? `No messages yet. Say hello to ${peerName || 'them'}!`
                : `This is the beginning of your conversation with ${peerName || 'them'}.`}
          </p>
        );
      }
      if (row.kind === 'pending') {
        const { pending } = row;
        return (
          <MessageBubble
            content={pending.content}
            createdAt={pending.createdAt}
            own
            status={pending.status}
            seq={null}
            clientMsgId={pending.clientMsgId}
            error={pending.error?.message ?? null}
            onRetry={() => void dispatch(retrySend({ peerId, clientMsgId: pending.clientMsgId }))}
            onDiscard={() => void dispatch(discardSend({ peerId, clientMsgId: pending.clientMsgId }))}
            votes={NO_VOTES}
            voteBlocked={null}
            messageId={null}
            quote={pending.replyTo && <ReplyQuote threadKey={peerId} reply={pending.replyTo} />}
            attachments={pending.attachments}
          />
        );
      }
      const { message } = row;
      if (isSystemMessage(message)) {
        return <SystemLine system={message.system} seq={message.seq} createdAt={message.createdAt} />;
      }
      const own = message.senderId === selfId;
      const status: OwnStatus | null = own ? storedStatus(message.seq, receipts) : null;
      const bubble = (
        <MessageBubble
          senderName={group && !own ? (senderNames[message.senderId] ?? 'Someone') : null}
          extra={group && own ? seenByOf(peerId, message) : null}
          content={message.content}
          createdAt={message.createdAt}
          own={own}
          status={status}
          seq={message.seq}
          clientMsgId={row.clientMsgId}
          votes={row.votes}
          voteBlocked={voteBlocked}
          messageId={message.id}
          onVote={onVote}
          voteError={row.voteError}
          voteAwaiting={row.voteAwaiting}
          {...lifecycleSlots({ message, own, mayDelete: own || mayDeleteOthers(message.senderId), threadKey: peerId })}
          attachments={message.attachments}
        />
      );
      return message.id === jumpId ? <JumpMark>{bubble}</JumpMark> : bubble;
    },
    [dispatch, jumpId, onVote, peerId, receipts, group, senderNames, mayDeleteOthers, peerName, onlyStart, selfId, voteBlocked],
  );

  const onSent = useCallback(() => setBottomSignal((n) => n + 1), []);

  if ((peerMissing || groupMissing) && !conversation && !departure) {
    return (
      <section className="chat chat--empty" aria-label="Chat">
        <Link to="/" className="chat__back button button--ghost">
          Back
        </Link>
        <p className="empty">{group ? 'There is no such group, or you are not in it.' : 'There is no such person on GoChat.'}</p>
      </section>
    );
  }

  const title = peerName || 'Chat';
  return (
    <section className="chat" aria-labelledby="chat-title">
      {group ? (
        <GroupHeader conversationId={peerId} />
      ) : (
        <header className="chat__header">
          <Link to="/" className="chat__back button button--ghost" aria-label="Back to conversations">
            ‹ Back
          </Link>
          <span className="avatar" aria-hidden="true">
            {title.slice(0, 1).toUpperCase()}
            {peer && <span className={`presence-dot presence-dot--${peer.status}`} />}
          </span>
          <div className="chat__title">
            <h2 id="chat-title">{title}</h2>
            {/* Always there, so the header keeps its height when the peer's presence arrives. */}
            <span className="chat__presence" data-testid="chat-presence">
              {peer ? describePresence(peer, new Date()) : '\u00a0'}
            </span>
          </div>
          {conversation && <MuteMenu conversationId={conversation.id} />}
        </header>
      )}

      <div className="chat__body">
        {thread?.status === 'failed' && (
          <Alert tone="error">
            Could not load the messages: {thread.error?.message}{' '}
            <button type="button" className="link-button" onClick={() => void dispatch(openThread({ peerId }))}>
              Try again
            </button>
          </Alert>
        )}
        {(!thread || thread.status === 'loading') && rows.length === 0 && (
          <p className="chat__loading" role="status">
            Loading messages…
          </p>
        )}
        {thread?.loadingOlder && (
          <p className="chat__loading-older" role="status">
            Loading older messages…
          </p>
        )}
        <VirtualList
          key={peerId}
          className="chat__log"
          role="log"
          aria-label={`Messages with ${title}`}
          aria-live="off"
          tabIndex={0}
          items={rows}
          getKey={rowKey}
          renderItem={renderRow}
          estimateHeight={64}
          onNearTop={onNearTop}
          onVisibleRangeChange={onVisibleRangeChange}
          onAtBottomChange={setAtBottom}
          scrollToBottomSignal={bottomSignal}
          revealKey={jumpKey ?? revealKey}
        />
        {!atBottom && (
          <button type="button" className="button chat__jump" onClick={() => setBottomSignal((n) => n + 1)}>
            Jump to latest ↓
          </button>
        )}
        <div className="visually-hidden" aria-live="polite" aria-atomic="true">
          {announcement}
        </div>
      </div>

      {departure ? (
        <DepartedNotice departure={departure} name={title} />
      ) : (
        <>
          <TypingIndicator conversationId={conversationId} peerName={title} nameOf={group ? nameOf : undefined} />
          <Composer
            key={peerId}
            peerId={peerId}
            peerName={title}
            conversationId={conversationId}
            onSent={onSent}
            inputRef={composerRef}
          />
        </>
      )}
    </section>
  );
});
