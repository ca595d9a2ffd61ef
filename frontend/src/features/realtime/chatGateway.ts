import type { VoteDirection } from '../messages/thread';
import type { LifecycleCommandFrame } from './frames';
import type { OutgoingMessage } from './Outbox';

/**
 * What the message thunks need from the chat socket. The store receives it as the thunk extra
 * argument, so thunks never import the socket and tests pass a recording fake.
 */
export interface ChatGateway {
  /** Queues the send in the outbox; it goes out now if connected, else on (re)connect. */
  send(message: OutgoingMessage): void;
  /** Forgets a send the user discarded. */
  discard(clientMsgId: string): void;
  /** `message.read`; kept (the highest per conversation) and sent on reconnect if offline now. */
  markRead(conversationId: string, seq: number): void;
  /** `message.delivered` (forward only); kept like read marks until a socket takes it. */
  markDelivered?(conversationId: string, seq: number): void;
  /** `typing`; dropped when offline (it would be stale by the time we reconnect). */
  typing(conversationId: string): void;
  /** `message.vote`, only while connected; returns whether it went out. Never queued: a vote
   *  toggles, so one repeated after a reconnect could undo itself. */
  vote(messageId: string, vote: VoteDirection): boolean;
  /** `message.edit` / `message.delete` / `message.react`, only while connected; returns whether
   *  it went out. Never queued, like a vote (a reaction toggles too). */
  lifecycle(frame: LifecycleCommandFrame): boolean;
}

/** A gateway that goes nowhere: the default for tests that do not care about the socket. */
export const offlineChatGateway: ChatGateway = {
  send: () => {},
  discard: () => {},
  markRead: () => {},
  typing: () => {},
  vote: () => false,
  lifecycle: () => false,
};

export interface ThunkExtra {
  chat: ChatGateway;
}
