import { useCallback } from 'react';
import { useAppSelector } from '../../app/hooks';
import { selectGroupDetails } from './groupsSlice';
import { canDoTo } from './roles';
import type { GroupRole } from '../../api/types';

/**
 * Whether we may delete a message by `senderId` that is not ours: in a group, by the role
 * table (an owner any member's or admin's, an admin a member's). A sender not among the loaded
 * members (left, or on a page not loaded) counts as a member, as the server counts them.
 * Always false in a direct conversation.
 */
export function useMayDeleteOthers(
  conversationId: string | null,
  myRole: GroupRole | null | undefined,
): (senderId: string) => boolean {
  const members = useAppSelector((state) => (conversationId ? selectGroupDetails(state, conversationId)?.members : undefined));
  return useCallback(
    (senderId: string) => {
      if (!myRole) return false;
      const role = members?.find((m) => m.user.id === senderId)?.role ?? 'member';
      return canDoTo(myRole, 'deleteMessage', role);
    },
    [members, myRole],
  );
}
