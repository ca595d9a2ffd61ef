import { useEffect } from 'react';
import { useAppDispatch } from '../../app/hooks';
import type { ConversationSummary } from '../../api/types';
import type { Thread } from '../messages/thread';
import { newestSeq } from '../messages/thread';
import { markDelivered } from './markDelivered';

/**
 * An open thread's messages are on this device: tells the server (`message.delivered`, only
 * forward) when the newest held message is someone else's and past our delivered mark.
 */
export function useDeliveredMark(
  conversation: ConversationSummary | undefined,
  thread: Thread | undefined,
  selfId: string | null,
  departed: boolean,
): void {
  const dispatch = useAppDispatch();
  const newest = thread?.status === 'ready' ? newestSeq(thread) : 0;
  const newestId = thread?.ids[thread.ids.length - 1];
  const fromOther = !!newestId && thread?.byId[newestId]?.senderId !== selfId;
  const delivered = conversation?.lastDeliveredSeq ?? 0;
  const conversationId = conversation?.id;
  useEffect(() => {
    if (!conversationId || departed || !fromOther || newest <= delivered) return;
    void dispatch(markDelivered({ conversationId, seq: newest }));
  }, [conversationId, departed, fromOther, newest, delivered, dispatch]);
}
