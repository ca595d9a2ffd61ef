/**
 * The bell in the header: unread count on the button, a popover with the newest notifications.
 * Choosing one opens that chat and marks it read; "Mark all as read" clears the count. Escape or
 * a click outside closes the popover and focus goes back to the bell.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { useIdleReady } from '../../app/idle';
import { formatShortTime } from '../../time/formatTime';
import { conversationPath } from '../push/workerLogic';
import {
  fetchNotifications,
  markNotificationsRead,
  selectNotifications,
  selectUnreadNotificationCount,
} from './notificationsSlice';

export function NotificationBell() {
  const dispatch = useAppDispatch();
  const navigate = useNavigate();
  const notifications = useAppSelector(selectNotifications);
  const unread = useAppSelector(selectUnreadNotificationCount);
  const status = useAppSelector((state) => state.notifications.status);
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelRef = useRef<HTMLDivElement>(null);
  const panelId = useId();

  // The list is not needed for the first paint: it loads in the first idle moment after it.
  const idle = useIdleReady();
  useEffect(() => {
    if (idle && status === 'idle') void dispatch(fetchNotifications());
  }, [idle, status, dispatch]);

  useEffect(() => {
    if (!open) return;
    panelRef.current?.querySelector<HTMLElement>('button, [href]')?.focus();
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panelRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const label = unread > 0 ? `Notifications, ${unread} unread` : 'Notifications';
  const now = new Date();

  return (
    <div className="bell">
      <button
        ref={buttonRef}
        type="button"
        className="button button--ghost bell__button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid="notification-bell"
        onClick={() => setOpen((value) => !value)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path
            d="M12 3a6 6 0 0 0-6 6v3.5L4.5 16h15L18 12.5V9a6 6 0 0 0-6-6zM9.5 19a2.5 2.5 0 0 0 5 0"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.7"
            strokeLinejoin="round"
          />
        </svg>
        {unread > 0 && (
          <span className="bell__count" aria-hidden="true" data-testid="notification-count">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {open && (
        <div
          ref={panelRef}
          id={panelId}
          className="bell__panel"
          role="dialog"
          aria-label="Notifications"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.stopPropagation();
              close();
            }
          }}
        >
          <div className="bell__header">
            <h2>Notifications</h2>
            <button
              type="button"
              className="link-button"
              aria-disabled={unread === 0}
              onClick={() => {
                if (unread > 0) void dispatch(markNotificationsRead({ all: true }));
              }}
            >
              Mark all as read
            </button>
          </div>
          {notifications.length === 0 ? (
            <p className="empty">Nothing new.</p>
          ) : (
            <ul className="bell__list">
              {notifications.map((notification) => (
                <li key={notification.id}>
                  <button
                    type="button"
                    className={`bell__item${notification.readAt ? '' : ' bell__item--unread'}`}
                    onClick={() => {
                      if (!notification.readAt) void dispatch(markNotificationsRead({ ids: [notification.id] }));
                      setOpen(false);
                      void navigate(conversationPath(notification));
                    }}
                  >
                    <span className="bell__item-top">
                      <strong>
                        {notification.senderUsername}
                        {notification.conversationKind === 'group' && notification.conversationName
                          ? ` in ${notification.conversationName}`
                          : ''}
                      </strong>
                      <time dateTime={notification.createdAt}>{formatShortTime(notification.createdAt, now)}</time>
                    </span>
                    <span className="bell__preview">{notification.preview}</span>
                    {!notification.readAt && <span className="visually-hidden">(unread)</span>}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
