/**
 * What the service worker (`sw.ts`) decides, as plain functions it and the unit tests share:
 * reading a push, what notification to show for it, whether to show it at all, and which
 * window a click should use. Nothing here touches worker-only or page-only globals, so this
 * file type-checks in both worlds.
 *
 * Pushes carry exactly the notifications socket's frame, `{type: "notification",
 * notification}` (CONTRACT.md section 10). Group fields (`conversationKind`,
 * `conversationName`) are read when present, so groups slot in here and nowhere else.
 */

/** The notification a push carries (the contract's object, plus the group fields to come). */
export interface PushedNotification {
  id: string;
  type: string;
  conversationId: string;
  messageId: string;
  senderId: string;
  senderUsername: string;
  preview: string;
  createdAt: string;
  readAt: string | null;
  conversationKind?: 'direct' | 'group' | null;
  conversationName?: string | null;
}

/** What a shown notification carries, to be read back on click. */
export interface NotificationData {
  notificationId: string;
  conversationId: string;
  /** The app path that opens the conversation. */
  path: string;
}

/** What to pass to `registration.showNotification`. */
export interface NotificationDisplay {
  title: string;
  options: {
    body: string;
    tag: string;
    data: NotificationData;
    icon: string;
    timestamp: number;
    lang: string;
  };
}

/** The part of a `WindowClient` the worker looks at. */
export interface WindowLike {
  url: string;
  focused: boolean;
  visibilityState: string;
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The notification in a push's JSON, or `null` for anything else (never throws). */
export function parsePush(json: unknown): PushedNotification | null {
  if (typeof json !== 'object' || json === null) return null;
  const frame = json as Record<string, unknown>;
  if (frame.type !== 'notification') return null;
  const n = frame.notification;
  if (typeof n !== 'object' || n === null) return null;
  const candidate = n as Record<string, unknown>;
  const required = ['id', 'type', 'conversationId', 'messageId', 'senderId', 'senderUsername', 'preview', 'createdAt'];
  if (!required.every((key) => isString(candidate[key]))) return null;
  return candidate as unknown as PushedNotification;
}

/** The app path of the notification's conversation: a group by its id (`/group/<id>`), a
 *  direct conversation by the peer, the sender (`/chat/<id>`), as the app's routes address them. */
export function conversationPath(
  notification: Pick<PushedNotification, 'conversationId' | 'senderId' | 'conversationKind'>,
): string {
  if (notification.conversationKind === 'group') return `/group/${encodeURIComponent(notification.conversationId)}`;
  return `/chat/${encodeURIComponent(notification.senderId)}`;
}

/** One notification per conversation: a newer one replaces the older (`tag`). */
export function conversationTag(conversationId: string): string {
  return `conversation:${conversationId}`;
}

/** Title (who, and where for a group), body (the preview), tag and click data. */
export function notificationDisplay(notification: PushedNotification): NotificationDisplay {
  const sender = notification.senderUsername || 'Someone';
  const group = notification.conversationKind === 'group' && notification.conversationName;
  const created = Date.parse(notification.createdAt);
  return {
    title: group ? `${sender} in ${notification.conversationName}` : sender,
    options: {
      body: notification.preview,
      tag: conversationTag(notification.conversationId),
      data: {
        notificationId: notification.id,
        conversationId: notification.conversationId,
        path: conversationPath(notification),
      },
      icon: '/favicon.svg',
      timestamp: Number.isNaN(created) ? Date.now() : created,
      lang: '',
    },
  };
}

/** Whether a window of the app has the user's attention: then it shows the message itself,
 *  and a system notification would only repeat it. */
export function appHasFocus(windows: readonly WindowLike[]): boolean {
  return windows.some((w) => w.focused && w.visibilityState === 'visible');
}

/** Whether `shown` (the notifications already on screen) has this one: a push that came twice
 *  (the server may send one again after a crash) is shown once. */
export function alreadyShown(shown: readonly { data?: unknown }[], notificationId: string): boolean {
  return shown.some((n) => (n.data as Partial<NotificationData> | undefined)?.notificationId === notificationId);
}

/** The window a click should bring forward: one already showing the conversation, else any
 *  window of the app (it is then told where to go), else none (a new one opens). */
export function windowForClick<W extends WindowLike>(
  windows: readonly W[],
  path: string,
  origin: string,
): { window: W; navigate: boolean } | null {
  const target = new URL(path, origin).href;
  const exact = windows.find((w) => w.url === target);
  if (exact) return { window: exact, navigate: false };
  const ours = windows.filter((w) => w.url.startsWith(`${origin}/`));
  const best = ours.find((w) => w.focused) ?? ours.find((w) => w.visibilityState === 'visible') ?? ours[0];
  return best ? { window: best, navigate: true } : null;
}

/** The message a click posts to an app window to open a conversation there. */
export const OPEN_MESSAGE = 'gochat.open-conversation';

export interface OpenConversationMessage {
  type: typeof OPEN_MESSAGE;
  path: string;
}

/** Whether a message from the worker asks the app to open a conversation (and which path,
 *  only ever one of the app's own chat paths). */
export function openRequest(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const { type, path } = message as Record<string, unknown>;
  if (type !== OPEN_MESSAGE || !isString(path) || !/^\/(chat|group)\/[^/?#]+$/.test(path)) return null;
  return path;
}
