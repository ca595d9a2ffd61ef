/**
 * Who is typing where. A `typing` frame counts for `TYPING_SHOW_MS`; the sender repeats it about
 * every 2 s while typing, so the indicator stays up exactly while they type. A message from that
 * user in that conversation ends it at once.
 */
import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { isSessionChange } from '../auth/sessionReset';
import { messageReceived, typingReceived } from '../../events/chatEvents';

export const TYPING_SHOW_MS = 4_000;

export interface TypingState {
  /** conversationId → userId → until when (ms since epoch) they count as typing. */
  byConversation: Record<string, Record<string, number>>;
}

export const initialTypingState: TypingState = { byConversation: {} };

function forget(state: TypingState, conversationId: string, userId: string) {
  const users = state.byConversation[conversationId];
  if (!users) return;
  delete users[userId];
  if (Object.keys(users).length === 0) delete state.byConversation[conversationId];
}

const typingSlice = createSlice({
  name: 'typing',
  initialState: initialTypingState,
  reducers: {
    /** Drops indicators that ran out by `now` (ms since epoch). */
    typingExpired(state, action: PayloadAction<{ now: number }>) {
      for (const [conversationId, users] of Object.entries(state.byConversation)) {
        for (const [userId, until] of Object.entries(users)) {
          if (until <= action.payload.now) forget(state, conversationId, userId);
        }
      }
    },
  },
  extraReducers: (builder) => {
    builder
      .addCase(typingReceived, (state, action) => {
        const { conversationId, userId, receivedAt } = action.payload;
        const users = (state.byConversation[conversationId] ??= {});
        users[userId] = receivedAt + TYPING_SHOW_MS;
      })
      .addCase(messageReceived, (state, action) => {
        const { message } = action.payload;
        forget(state, message.conversationId, message.senderId);
      })
      .addMatcher(isSessionChange, () => initialTypingState);
  },
});

export const { typingExpired } = typingSlice.actions;
export const typingReducer = typingSlice.reducer;

/** Users typing in `conversationId` at `now`. */
export function selectTypingUserIds(
  state: { typing: TypingState },
  conversationId: string | null,
  now: number,
): string[] {
  if (!conversationId) return [];
  const users = state.typing.byConversation[conversationId];
  if (!users) return [];
  return Object.entries(users)
    .filter(([, until]) => until > now)
    .map(([userId]) => userId);
}

/** The earliest moment an indicator ends, for a timer (null when none is shown). */
export function selectNextTypingExpiry(state: { typing: TypingState }): number | null {
  let next: number | null = null;
  for (const users of Object.values(state.typing.byConversation)) {
    for (const until of Object.values(users)) if (next === null || until < next) next = until;
  }
  return next;
}
