import { combineReducers, configureStore } from '@reduxjs/toolkit';
import { authReducer } from '../features/auth/authSlice';
import { systemReducer } from '../features/system/systemSlice';
import { usersReducer } from '../features/users/usersSlice';

export const rootReducer = combineReducers({
  auth: authReducer,
  users: usersReducer,
  system: systemReducer,
});

export type RootState = ReturnType<typeof rootReducer>;

/** A fresh store; tests build their own, the app uses `store`. */
export function makeStore(preloadedState?: Partial<RootState>) {
  return configureStore({ reducer: rootReducer, preloadedState });
}

export type AppStore = ReturnType<typeof makeStore>;
export type AppDispatch = AppStore['dispatch'];

/** The app's single store (the notifications socket will dispatch into it too). */
export const store = makeStore();
