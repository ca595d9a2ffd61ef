import { combineReducers, configureStore, isAsyncThunkAction, type Middleware } from '@reduxjs/toolkit';
import { authReducer } from '../features/auth/authSlice';
import { conversationsReducer } from '../features/conversations/conversationsSlice';
import { groupsReducer } from '../features/groups/groupsSlice';
import { lifecycleReducer } from '../features/lifecycle/lifecycleSlice';
import { messagesReducer } from '../features/messages/messagesSlice';
import { notificationsReducer } from '../features/notifications/notificationsSlice';
import { pushReducer } from '../features/push/pushSlice';
import { searchReducer } from '../features/search/searchSlice';
import { offlineChatGateway, type ChatGateway, type ThunkExtra } from '../features/realtime/chatGateway';
import { connectionReducer } from '../features/realtime/connectionSlice';
import { systemReducer } from '../features/system/systemSlice';
import { typingReducer } from '../features/typing/typingSlice';
import { usersReducer } from '../features/users/usersSlice';
import { lowPriority } from './lowPriority';

export const rootReducer = combineReducers({
  auth: authReducer,
  users: usersReducer,
  system: systemReducer,
  conversations: conversationsReducer,
  groups: groupsReducer,
  messages: messagesReducer,
  lifecycle: lifecycleReducer,
  typing: typingReducer,
  notifications: notificationsReducer,
  push: pushReducer,
  connection: connectionReducer,
  search: searchReducer,
});

export type RootState = ReturnType<typeof rootReducer>;

/**
 * A thunk's `pending` is dispatched from the effects of the very render that started it, and its
 * answer usually lands beside others (three lists load at once): both are marked low priority
 * (see `lowPriority`), so React renders them together at the next frame instead of in a chain of
 * renders within one long task. Session changes (`auth/`) are not: routes and sockets follow them
 * at once.
 */
const batchAsyncThunkActions: Middleware = () => (next) => (action) =>
  next(isAsyncThunkAction(action) && !action.type.startsWith('auth/') ? lowPriority(action) : action);

export interface StoreOptions {
  /** Where message thunks send frames: the chat socket in the app, a fake in tests. */
  chat?: ChatGateway;
}

/** A fresh store; tests build their own, `main.tsx` builds the app's and wires the sockets. */
export function makeStore(preloadedState?: Partial<RootState>, options: StoreOptions = {}) {
  const extra: ThunkExtra = { chat: options.chat ?? offlineChatGateway };
  return configureStore({
    reducer: rootReducer,
    preloadedState,
    middleware: (getDefaultMiddleware) =>
      getDefaultMiddleware({
        thunk: { extraArgument: extra },
        // The development-only checks walk the whole state after every action; with thousands
        // of held messages that makes `npm run dev` sluggish. Slices there are plain data anyway.
        immutableCheck: { ignoredPaths: ['messages'] },
        serializableCheck: { ignoredPaths: ['messages'] },
      }).concat(batchAsyncThunkActions),
  });
}

export type AppStore = ReturnType<typeof makeStore>;
export type AppDispatch = AppStore['dispatch'];
