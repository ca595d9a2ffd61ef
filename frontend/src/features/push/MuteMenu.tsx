/**
 * A conversation's menu: mute it for an hour, for eight hours or until unmuted, or unmute it.
 * A muted conversation's messages are still stored and counted as unread in the conversation,
 * but send no notification (no push, no bell).
 */
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { formatMessageTime } from '../../time/formatTime';
import { fetchNotifications } from '../notifications/notificationsSlice';
import { MenuButton, type MenuItem } from './Menu';
import { muteConversation, muteInForce, selectMuteUntil, unmuteConversation, type MuteDuration } from './pushSlice';

export function MuteMenu({ conversationId }: { conversationId: string }) {
  const dispatch = useAppDispatch();
  const now = new Date();
  const until = useAppSelector((state) => selectMuteUntil(state, conversationId));
  const muted = muteInForce(until, now);
  const changing = useAppSelector((state) => Boolean(state.push.changing[conversationId]));

  // The bell's count leaves muted conversations out: ask the server for it again.
  const after = (change: Promise<unknown>) =>
    void change.then(() => dispatch(fetchNotifications())).catch(() => undefined);
  const muteFor = (duration: MuteDuration) => () =>
    after(dispatch(muteConversation({ conversationId, duration })).unwrap());

  const items: MenuItem[] = muted
    ? [{ key: 'unmute', label: 'Unmute', onSelect: () => after(dispatch(unmuteConversation(conversationId)).unwrap()) }]
    : [
        { key: '1h', label: 'Mute for 1 hour', onSelect: muteFor('1h') },
        { key: '8h', label: 'Mute for 8 hours', onSelect: muteFor('8h') },
        { key: 'forever', label: 'Mute until I unmute', onSelect: muteFor('forever') },
      ];
  const state = muted ? (until ? `Muted until ${describeUntil(until, now)}` : 'Muted until you unmute') : null;

  return (
    <>
      {state && (
        <span className="chat__muted" data-testid="muted-state">
          {state}
        </span>
      )}
      <MenuButton
        label="Conversation options"
        items={changing ? items.map((item) => ({ ...item, disabled: true })) : items}
        note={muted ? 'No notifications from this conversation.' : null}
        testId="conversation-menu"
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <circle cx="5" cy="12" r="1.8" fill="currentColor" />
          <circle cx="12" cy="12" r="1.8" fill="currentColor" />
          <circle cx="19" cy="12" r="1.8" fill="currentColor" />
        </svg>
      </MenuButton>
    </>
  );
}

/** "14:05" today, "Dec 4, 2026, 08:00" otherwise. */
function describeUntil(until: string, now: Date): string {
  const time = formatMessageTime(until);
  return new Date(until).toDateString() === now.toDateString() ? time.short : time.full;
}
