import { useEffect, useMemo } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { selectNextTypingExpiry, typingExpired, type TypingState } from '../typing/typingSlice';

/** "bob is typing…" while the peer's typing frames keep coming (each counts for about 4 s). */
export function TypingIndicator({ conversationId, peerName }: { conversationId: string | null; peerName: string }) {
  const dispatch = useAppDispatch();
  const users = useAppSelector((state: { typing: TypingState }) =>
    conversationId ? state.typing.byConversation[conversationId] : undefined,
  );
  const nextExpiry = useAppSelector(selectNextTypingExpiry);
  const typing = useMemo(() => Object.keys(users ?? {}).length > 0, [users]);

  // Drop each indicator when it runs out.
  useEffect(() => {
    if (nextExpiry === null) return;
    const timer = setTimeout(() => dispatch(typingExpired({ now: Date.now() })), Math.max(0, nextExpiry - Date.now()) + 50);
    return () => clearTimeout(timer);
  }, [nextExpiry, dispatch]);

  return (
    <div className="typing" aria-live="polite" data-testid="typing-indicator">
      {typing ? `${peerName} is typing…` : ''}
    </div>
  );
}
