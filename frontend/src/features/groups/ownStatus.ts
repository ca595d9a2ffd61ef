/**
 * Where one of our stored messages is, from the watermarks the app holds. A direct conversation
 * goes sent → delivered (the peer's device has it) → read; in a group the tick stays "sent"
 * and "seen by N" / "delivered to N" (`SeenBy`) tells the rest.
 */
import type { ConversationSummary } from '../../api/types';

export type StoredStatus = 'sent' | 'delivered' | 'read';

export function storedStatus(
  seq: number,
  conversation: Pick<ConversationSummary, 'kind' | 'peerLastReadSeq' | 'peerLastDeliveredSeq'> | undefined,
): StoredStatus {
  if (!conversation || conversation.kind === 'group') return 'sent';
  if (seq <= (conversation.peerLastReadSeq ?? 0)) return 'read';
  if (seq <= (conversation.peerLastDeliveredSeq ?? 0)) return 'delivered';
  return 'sent';
}
