import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CONV_AB, message } from '../../test/chatFixtures';
import { messageReceived, typingReceived } from '../../events/chatEvents';
import {
  TYPING_SHOW_MS,
  initialTypingState,
  selectNextTypingExpiry,
  selectTypingUserIds,
  typingExpired,
  typingReducer,
} from './typingSlice';

const typingAt = (receivedAt: number) =>
  typingReducer(initialTypingState, typingReceived({ conversationId: CONV_AB, userId: BOB, receivedAt }));

describe('typing', () => {
  it('shows a typing user for about four seconds after the frame', () => {
    const state = { typing: typingAt(1_000) };
    expect(selectTypingUserIds(state, CONV_AB, 1_000 + TYPING_SHOW_MS - 1)).toEqual([BOB]);
    expect(selectTypingUserIds(state, CONV_AB, 1_000 + TYPING_SHOW_MS)).toEqual([]);
    expect(selectNextTypingExpiry(state)).toBe(1_000 + TYPING_SHOW_MS);
  });

  it('is extended by every new frame', () => {
    const state = typingReducer(typingAt(1_000), typingReceived({ conversationId: CONV_AB, userId: BOB, receivedAt: 3_000 }));
    expect(selectTypingUserIds({ typing: state }, CONV_AB, 6_000)).toEqual([BOB]);
  });

  it('expires', () => {
    const state = typingReducer(typingAt(1_000), typingExpired({ now: 1_000 + TYPING_SHOW_MS }));
    expect(state.byConversation).toEqual({});
  });

  it('ends when their message arrives', () => {
    const state = typingReducer(typingAt(1_000), messageReceived({ message: message(1), selfId: ALICE }));
    expect(selectTypingUserIds({ typing: state }, CONV_AB, 1_001)).toEqual([]);
  });
});
