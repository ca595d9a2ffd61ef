import { StrictMode } from 'react';
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

createRoot(container).render(
  <StrictMode>
    <Provider store={store}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </Provider>
  </StrictMode>,
);
