import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { BrowserRouter } from 'react-router';
import { setSessionExpiredHandler } from './api/client';
import { App } from './app/App';
import { store } from './app/store';
import { sessionEnded } from './features/auth/authSlice';
import './index.css';

setSessionExpiredHandler(() => store.dispatch(sessionEnded()));

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
