/**
 * The service worker, served from the site root (`/sw.js`, so its scope is the whole app).
 * Built by Vite as its own entry (see vite.config.ts) into one classic script; its decisions
 * live in `workerLogic.ts`, which is unit-tested.
 *
 * - `push`: shows the notification (sender, conversation, preview), one per conversation
 *   (`tag`), unless a window of the app is focused (it shows the message itself) or the same
 *   notification is already on screen.
 * - `notificationclick`: brings forward a window already at that conversation, or sends an app
 *   window there (a message the app turns into a route change, without a reload), or opens one.
 */
import {
  OPEN_MESSAGE,
  alreadyShown,
  appHasFocus,
  notificationDisplay,
  parsePush,
  windowForClick,
  type NotificationData,
  type OpenConversationMessage,
} from './workerLogic';

declare const self: ServiceWorkerGlobalScope & {
  /** The click's work, reachable for the browser test (which cannot click a system
   *  notification): opens the conversation at `path`. */
  gochatOpenConversation?: (path: string) => Promise<void>;
};

self.addEventListener('install', () => {
  // A new version takes over at once: the worker keeps no state a page depends on.
  void self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('push', (event) => {
  let json: unknown = null;
  try {
    json = event.data?.json() ?? null;
  } catch {
    // Not JSON: not ours.
  }
  const notification = parsePush(json);
  if (!notification) return;
  event.waitUntil(show(notification));
});

async function show(notification: NonNullable<ReturnType<typeof parsePush>>): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (appHasFocus(windows)) return;
  const display = notificationDisplay(notification);
  const shown = await self.registration.getNotifications({ tag: display.options.tag });
  if (alreadyShown(shown, notification.id)) return;
  await self.registration.showNotification(display.title, display.options);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data as Partial<NotificationData> | undefined;
  event.waitUntil(openConversation(data?.path ?? '/'));
});

async function openConversation(path: string): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const choice = windowForClick(windows, path, self.location.origin);
  if (!choice) {
    await self.clients.openWindow(path);
    return;
  }
  if (choice.navigate) {
    const message: OpenConversationMessage = { type: OPEN_MESSAGE, path };
    choice.window.postMessage(message);
  }
  // Focusing needs the user's click; outside one (the browser test) the route still changes.
  await choice.window.focus().catch(() => undefined);
}

self.gochatOpenConversation = openConversation;
