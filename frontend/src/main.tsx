import { startTransition, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { BrowserRouter } from 'react-router';
import { setSessionExpiredHandler } from './api/client';
import { App } from './app/App';
import { makeStore } from './app/store';
import { sessionEnded } from './features/auth/authSlice';
import { ChatClient } from './features/realtime/ChatClient';
import { registerServiceWorker } from './features/push/browserPush';
import { NotificationsClient } from './features/realtime/NotificationsClient';
import { startRealtime } from './features/realtime/startRealtime';
import './index.css';

const chat = new ChatClient();
const notifications = new NotificationsClient();
const store = makeStore(undefined, { chat });

setSessionExpiredHandler(() => store.dispatch(sessionEnded()));
startRealtime(store, { chat, notifications });
// Pushes reach the service worker even before anyone turns notifications on in this tab; a
// browser that cannot (or a dev server without the built worker) simply has none.
registerServiceWorker()?.catch(() => undefined);

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

// The first render runs every component's code for the first time (the engine compiles it as it
// goes), which on a slow phone is a long task. As a transition React renders it in slices of a
// few milliseconds and lets the browser in between (input, the network's answers).
startTransition(() =>
  createRoot(container).render(
    <StrictMode>
      <Provider store={store}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </Provider>
    </StrictMode>,
  ),
);
