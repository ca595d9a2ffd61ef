import { useEffect, useMemo } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { joinNames } from '../groups/systemText';
import { selectNextTypingExpiry, typingExpired, type TypingState } from '../typing/typingSlice';

/** "bob is typing…" while the peer's typing frames keep coming (each counts for about 4 s). */
export function TypingIndicator({
  conversationId,
  peerName,
  nameOf,
}: {
  conversationId: string | null;
  peerName: string;
  /** In a group: who is typing, by name ("ann and bob are typing…"). */
  nameOf?: (userId: string) => string | undefined;
}) {
  const dispatch = useAppDispatch();
  const users = useAppSelector((state: { typing: TypingState }) =>
    conversationId ? state.typing.byConversation[conversationId] : undefined,
  );
  const nextExpiry = useAppSelector(selectNextTypingExpiry);
  const typing = useMemo(() => Object.keys(users ?? {}).length > 0, [users]);
  const text = useMemo(() => {
    const ids = Object.keys(users ?? {});
    if (ids.length === 0) return '';
    if (!nameOf) return `${peerName} is typing…`;
    const names = ids.map((id) => nameOf(id) ?? 'Someone');
    return names.length === 1 ? `${names[0]} is typing…` : `${joinNames(names)} are typing…`;
  }, [users, nameOf, peerName]);

  // Drop each indicator when it runs out.
  useEffect(() => {
    if (nextExpiry === null) return;
    const timer = setTimeout(() => dispatch(typingExpired({ now: Date.now() })), Math.max(0, nextExpiry - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [nextExpiry, dispatch]);

  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {typing ? text : ''}
    </div>
  );
}
