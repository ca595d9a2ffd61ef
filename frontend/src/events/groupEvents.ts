/**
 * Group and delivery events of contract §6 that several slices react to (conversations, groups,
 * messages). Plain actions, like `chatEvents.ts`, dispatched by the chat socket client and the
 * group thunks.
 */
import { createAction } from '@reduxjs/toolkit';
import type { ConversationSummary } from '../api/types';

/** A member (maybe us, on any device) has received a conversation up to `seq`. */
export const deliveredReceived = createAction<{
  conversationId: string;
  userId: string;
  seq: number;
  selfId: string;
}>('chat/deliveredReceived');

/** A group as it is now, in our own view (`conversation.updated`, or a group route's answer). */
export const conversationUpdated = createAction<{ conversation: ConversationSummary }>(
  'chat/conversationUpdated',
);

/** We are no longer a member (`conversation.removed`): we left, or someone removed us. `name`:
 *  the group's name as last known, for the view that stays open to say which group it was. */
export const conversationRemoved = createAction<{ conversationId: string; name?: string | null }>(
  'chat/conversationRemoved',
);
