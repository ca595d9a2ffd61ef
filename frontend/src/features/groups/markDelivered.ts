import { createAsyncThunk } from '@reduxjs/toolkit';
import type { ThunkExtra } from '../realtime/chatGateway';

/** `message.delivered` through the chat socket (forward only; the client keeps the highest). */
export const markDelivered = createAsyncThunk.withTypes<{ extra: ThunkExtra }>()(
  'groups/markDelivered',
  async ({ conversationId, seq }: { conversationId: string; seq: number }, { extra }) => {
    extra.chat.markDelivered?.(conversationId, seq);
  },
);
