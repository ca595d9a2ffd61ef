import { useEffect } from 'react';
import { useNavigate } from 'react-router';
import { openRequest } from './workerLogic';

/**
 * A click on a push notification, when a window of the app is already open, arrives here as a
 * message from the service worker: the app opens the conversation by changing route, keeping
 * its sockets and state (no reload).
 */
export function usePushNavigation(): void {
  const navigate = useNavigate();
  useEffect(() => {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
    const container = navigator.serviceWorker;
    const onMessage = (event: MessageEvent) => {
      const path = openRequest(event.data);
      if (path) void navigate(path);
    };
    container.addEventListener('message', onMessage);
    // Messages queue until the page says it listens.
    container.startMessages();
    return () => container.removeEventListener('message', onMessage);
  }, [navigate]);
}
