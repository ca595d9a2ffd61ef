/**
 * The browser's side of Web Push, behind a few functions (the unit tests replace this module:
 * jsdom has no service workers): support, permission, the service worker's registration and the
 * push subscription.
 */

/** Where the service worker is served: the site root, so its scope is the whole app. */
export const SERVICE_WORKER_URL = '/sw.js';

/** Whether this browser can receive Web Push at all (a secure context with the three APIs). */
export function pushSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    window.isSecureContext &&
    'serviceWorker' in navigator &&
    'PushManager' in window &&
    'Notification' in window
  );
}

/** The user's current answer: `default` (not asked yet), `granted` or `denied`. */
export function notificationPermission(): NotificationPermission {
  return Notification.permission;
}

/** Asks the user; only ever called from a click. */
export function requestNotificationPermission(): Promise<NotificationPermission> {
  return Notification.requestPermission();
}

/**
 * Registers the service worker (idempotent: the browser keeps one per scope and updates it when
 * the script changes). Called at start-up, so pushes reach a worker even before a tab asks.
 */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration> | null {
  if (!pushSupported()) return null;
  return navigator.serviceWorker.register(SERVICE_WORKER_URL, { scope: '/' });
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await registerServiceWorker();
  return navigator.serviceWorker.ready;
}

/** This browser's push subscription for the app, if any. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  return (await registration()).pushManager.getSubscription();
}

/** A subscription made with `applicationServerKey` (every push shown: `userVisibleOnly`). */
export async function subscribe(applicationServerKey: Uint8Array<ArrayBuffer>): Promise<PushSubscription> {
  return (await registration()).pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
}
