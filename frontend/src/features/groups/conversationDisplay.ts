/**
 * How a row of the conversation list reads, for both kinds: the title (the peer's name, or the
 * group's), and the last message's preview ("You: …", "ann: …" in a group, a system line).
 */
import type { ConversationSummary } from '../../api/types';
import { filesPreview } from '../attachments/limits';
import { previewText } from '../lifecycle/applyChanges';
import { describeSystem, isSystemMessage, type NameOf } from './systemText';

export function isGroup(conversation: Pick<ConversationSummary, 'kind'>): boolean {
  return conversation.kind === 'group';
}

export function conversationTitle(conversation: ConversationSummary, nameOf: NameOf): string {
  if (isGroup(conversation)) return conversation.name || 'Group';
  const peer = conversation.peer;
  return (peer && (nameOf(peer.id) ?? peer.username)) || 'Someone';
}

export function conversationPreview(conversation: ConversationSummary, nameOf: NameOf, selfId: string | null): string {
  const last = conversation.lastMessage;
  if (!last) return 'No messages yet';
  if (isSystemMessage(last)) return describeSystem(last.system, nameOf, selfId);
  const text = filesPreview({ content: previewText(last), attachments: last.attachments });
  if (last.senderId === selfId) return `You: ${text}`;
  if (isGroup(conversation)) return `${nameOf(last.senderId) ?? 'Someone'}: ${text}`;
  return text;
}
