import { useAppSelector } from '../../app/hooks';
import { selectChatSocketStatus } from '../realtime/connectionSlice';

const OFFLINE_HINT = 'Changes resume when the connection is back';

/**
 * Why edits, deletes and reactions cannot go out now (the chat socket is not open), or null.
 * Read by the small parts that show it (menu, reaction chips) rather than handed down through
 * every bubble: the socket opening or dropping then re-renders those parts only, not each
 * message of the open chat.
 */
export function useLifecycleBlocked(): string | null {
  return useAppSelector(selectChatSocketStatus) === 'open' ? null : OFFLINE_HINT;
}
