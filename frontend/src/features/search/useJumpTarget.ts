import { useEffect } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { jumpCleared, selectJump } from './searchSlice';

/** Clears scheduled by a chat that went away, cancelled if it comes straight back (StrictMode
 *  runs every effect, its cleanup and the effect again). */
const pendingClears = new Map<string, ReturnType<typeof setTimeout>>();

/**
 * The message a search result asked this chat to show (its id), or null. The chat scrolls to it
 * and marks it; when the chat closes, the request is done.
 */
export function useJumpTarget(match: { peerId?: string | null; conversationId?: string | null }): string | null {
  const dispatch = useAppDispatch();
  const jump = useAppSelector(selectJump);
  const mine =
    jump !== null &&
    ((match.peerId != null && jump.peerId === match.peerId) ||
      (match.conversationId != null && jump.conversationId === match.conversationId));
  const messageId = mine ? jump.messageId : null;
  useEffect(() => {
    if (messageId === null) return;
    const pending = pendingClears.get(messageId);
    if (pending !== undefined) {
      clearTimeout(pending);
      pendingClears.delete(messageId);
    }
    return () => {
      pendingClears.set(
        messageId,
        setTimeout(() => {
          pendingClears.delete(messageId);
          dispatch(jumpCleared({ messageId }));
        }, 0),
      );
    };
  }, [dispatch, messageId]);
  return messageId;
}
