import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter } from 'react-router';
import { makeStore, type RootState } from '../app/store';
import type { ChatGateway } from '../features/realtime/chatGateway';

/** Renders `ui` with a fresh store (its thunks talking to `chat`, if given) and an in-memory
 *  router at `path`. */
export function renderWithProviders(
  ui: ReactElement,
  {
    path = '/',
    preloadedState,
    chat,
  }: { path?: string; preloadedState?: Partial<RootState>; chat?: ChatGateway } = {},
) {
  const store = makeStore(preloadedState, { chat });
  const result = render(
    <Provider store={store}>
      <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
    </Provider>,
  );
  return { store, ...result };
}
