/**
 * The role table of contract §6, in one place: what the caller may do in a group, so the UI
 * offers exactly the actions the server will accept (the server checks again; this only hides
 * what would be refused).
 *
 * | action                                              | owner | admin         | member |
 * |-----------------------------------------------------|-------|---------------|--------|
 * | send, read, react, vote, leave, see the member list | yes   | yes           | yes    |
 * | rename, set the topic, add members                  | yes   | yes           | no     |
 * | remove a member                                     | yes   | members only  | no     |
 * | delete a member's message (not an owner's/admin's)  | yes   | yes           | no     |
 * | make someone admin or member; hand ownership over   | yes   | no            | no     |
 *
 * The owner's own role changes only by handing ownership over.
 */
import type { GroupRole } from '../../api/types';

/** Actions on the group itself. */
export type GroupAction = 'leave' | 'seeMembers' | 'rename' | 'setTopic' | 'addMembers';

/** Actions on one other member. */
export type MemberAction = 'remove' | 'makeAdmin' | 'makeMember' | 'handOver' | 'deleteMessage';

/** Whether a caller with `role` may do `action` to the group. Null role: not a member. */
export function canDo(role: GroupRole | null | undefined, action: GroupAction): boolean {
  if (!role) return false;
  switch (action) {
    case 'leave':
    case 'seeMembers':
      return true;
    case 'rename':
    case 'setTopic':
    case 'addMembers':
      return role === 'owner' || role === 'admin';
  }
}

/**
 * Whether a caller with `role` may do `action` to a member whose role is `target` (never to
 * oneself: leaving is `canDo(role, 'leave')`, and the owner's role changes only by handing over).
 */
export function canDoTo(
  role: GroupRole | null | undefined,
  action: MemberAction,
  target: GroupRole,
  isSelf = false,
): boolean {
  if (!role || isSelf) return false;
  switch (action) {
    case 'remove':
    case 'deleteMessage':
      return role === 'owner' ? target !== 'owner' : role === 'admin' && target === 'member';
    case 'makeAdmin':
      return role === 'owner' && target === 'member';
    case 'makeMember':
      return role === 'owner' && target === 'admin';
    case 'handOver':
      return role === 'owner' && target !== 'owner';
  }
}

/** The member actions the caller is offered for one member, in the order the panel shows them. */
export function memberActions(
  role: GroupRole | null | undefined,
  target: GroupRole,
  isSelf: boolean,
): MemberAction[] {
  const order: MemberAction[] = ['makeAdmin', 'makeMember', 'handOver', 'remove'];
  return order.filter((action) => canDoTo(role, action, target, isSelf));
}

export const ROLE_LABEL: Record<GroupRole, string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
