import { isAnyOf, type UnknownAction } from '@reduxjs/toolkit';
import { sessionEnded, signIn, signOut, signUp } from './authSlice';

const sessionStartedOrEnded = isAnyOf(signIn.fulfilled, signUp.fulfilled, signOut.fulfilled, sessionEnded);

/**
 * True for every action after which per-user state (conversations, messages, notifications) must
 * be thrown away: a sign-in or sign-up (possibly as someone else), a sign-out, an ended session,
 * and a sign-out refused with 401 (the session was already gone).
 */
export function isSessionChange(action: UnknownAction): boolean {
  if (sessionStartedOrEnded(action)) return true;
  return signOut.rejected.match(action) && action.payload?.status === 401;
}
