/**
 * Runs both sockets exactly while someone is signed in: started when the session becomes
 * authenticated, stopped (outbox cleared) when it ends, restarted when the user changes. The
 * sockets live outside React, so re-renders and StrictMode never open a second connection.
 */
import type { RealtimeStore } from './ChatClient';

export interface RealtimeClients {
  chat: { attach(store: RealtimeStore): void; start(): void; stop(): void };
  notifications: { attach(store: RealtimeStore): void; start(): void; stop(): void };
}

/** Wires the clients to the store; returns a function that stops everything. */
export function startRealtime(
  store: RealtimeStore & { subscribe(listener: () => void): () => void },
  clients: RealtimeClients,
): () => void {
  clients.chat.attach(store);
  clients.notifications.attach(store);
  let runningFor: string | null = null;

  const sync = () => {
    const { session, user, pending } = store.getState().auth;
    // Stopped as soon as a sign-out starts: the server closes our sockets with 4001 then, and
    // that must not look like an expired session (refresh attempt, "session ended" notice).
    const wanted = session === 'authenticated' && user && pending !== 'signOut' ? user.id : null;
    if (wanted === runningFor) return;
    if (runningFor !== null) {
      clients.chat.stop();
      clients.notifications.stop();
    }
    runningFor = wanted;
    if (wanted !== null) {
      clients.chat.start();
      clients.notifications.start();
    }
  };

  const unsubscribe = store.subscribe(sync);
  sync();
  return () => {
    unsubscribe();
    if (runningFor !== null) {
      clients.chat.stop();
      clients.notifications.stop();
      runningFor = null;
    }
  };
}
