/**
 * The settings menu in the header: turn push notifications on or off for this browser. The
 * browser asks for permission only when the user chooses "Enable notifications", never before.
 * It also loads the user's mutes (the bell's count and the conversation menus use them) and
 * listens for notification clicks (see `usePushNavigation`).
 */
import { useEffect } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { useIdleReady } from '../../app/idle';
import { MenuButton, type MenuItem } from './Menu';
import { disablePush, enablePush, fetchMutes, loadPushStatus, selectPushError, selectPushStatus } from './pushSlice';
import { usePushNavigation } from './usePushNavigation';

export function PushSettingsMenu() {
  const dispatch = useAppDispatch();
  const status = useAppSelector(selectPushStatus);
  const error = useAppSelector(selectPushError);
  const mutesStatus = useAppSelector((state) => state.push.mutesStatus);
  usePushNavigation();

  // Neither is needed for the first paint: both load in the first idle moment after it.
  const idle = useIdleReady();
  useEffect(() => {
    if (idle && status === 'unknown') void dispatch(loadPushStatus());
  }, [idle, status, dispatch]);

  useEffect(() => {
    if (idle && mutesStatus === 'idle') void dispatch(fetchMutes());
  }, [idle, mutesStatus, dispatch]);

  const items: MenuItem[] = [];
  let note: string | null = error;
  switch (status) {
    case 'off':
      items.push({ key: 'enable', label: 'Enable notifications', onSelect: () => void dispatch(enablePush()) });
      note ??= 'Get a notification for new messages, even when GoChat is closed.';
      break;
    case 'on':
      items.push({ key: 'disable', label: 'Turn off notifications', onSelect: () => void dispatch(disablePush()) });
      note ??= 'Notifications are on for this browser.';
      break;
    case 'blocked':
      items.push({ key: 'blocked', label: 'Notifications are blocked', disabled: true });
      note ??= "Allow notifications for this site in your browser's settings, then try again.";
      break;
    case 'unsupported':
      items.push({ key: 'unsupported', label: 'Notifications are not available', disabled: true });
      note ??= 'This browser cannot receive push notifications here.';
      break;
    default:
      items.push({ key: 'busy', label: 'Notifications…', disabled: true });
  }

  return (
    <MenuButton label="Settings" items={items} note={note} testId="settings-menu">
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
        <path
          d="M12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zm8 3.5-.1-1.2 2-1.6-2-3.4-2.4 1a7.6 7.6 0 0 0-2-1.2L15 3h-4l-.5 2.6a7.6 7.6 0 0 0-2 1.2l-2.4-1-2 3.4 2 1.6a7.7 7.7 0 0 0 0 2.4l-2 1.6 2 3.4 2.4-1c.6.5 1.3.9 2 1.2L11 21h4l.5-2.6c.7-.3 1.4-.7 2-1.2l2.4 1 2-3.4-2-1.6.1-1.2z"
          fill="none"
          stroke="currentColor"
          strokeWidth="1.5"
          strokeLinejoin="round"
        />
      </svg>
    </MenuButton>
  );
}
