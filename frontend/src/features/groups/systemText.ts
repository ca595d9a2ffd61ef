/**
 * The line a system message (contract §6) shows in the timeline and the conversation list:
 * "Ann added Bob and Carl", "You renamed the group to “Team”". Names come from the caller's
 * lookup (members, the directory); `selfId` reads as "You"/"you".
 */
import type { ChatMessage, SystemInfo } from '../../api/types';

export type NameOf = (userId: string) => string | undefined;

/** "Ann", "Ann and Bob", "Ann, Bob and Carl". */
export function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'no one';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function describeSystem(system: SystemInfo, nameOf: NameOf, selfId: string | null): string {
  const who = (userId: string, start: boolean) =>
    userId === selfId ? (start ? 'You' : 'you') : (nameOf(userId) ?? 'someone');
  const actor = who(system.actorId, true);
  const actorName = actor === 'someone' ? 'Someone' : actor;
  const others = joinNames(system.userIds.map((id) => who(id, false)));
  switch (system.event) {
    case 'created':
      return system.name ? `${actorName} created the group “${system.name}”` : `${actorName} created the group`;
    case 'member.added':
      return `${actorName} added ${others}`;
    case 'member.removed':
      return `${actorName} removed ${others}`;
    case 'member.left': {
      const leaver = system.userIds[0] ?? system.actorId;
      const name = who(leaver, true);
      return `${name === 'someone' ? 'Someone' : name} left`;
    }
    case 'renamed':
      return `${actorName} renamed the group to “${system.name ?? ''}”`;
    case 'topic.changed':
      return system.topic ? `${actorName} set the topic to “${system.topic}”` : `${actorName} cleared the topic`;
    case 'role.changed':
      if (system.role === 'owner') return `${actorName} handed ownership to ${others}`;
      if (system.role === 'admin') return `${actorName} made ${others} an admin`;
      return `${actorName} made ${others} a member`;
    default:
      return `${actorName} changed the group`;
  }
}

/** Whether a message is a system message with its details. */
export function isSystemMessage(message: ChatMessage): message is ChatMessage & { system: SystemInfo } {
  return message.kind === 'system' && !!message.system;
}

/** The user ids a system message names (to look up names not held yet). */
export function namedUsers(system: SystemInfo): string[] {
  return [system.actorId, ...system.userIds];
}
