import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { selectSessionStatus } from '../features/auth/authSlice';
import { useAppSelector } from './hooks';

/** Where the user wanted to go before being sent to sign in; `state.from`. */
interface FromState {
  from?: unknown;
}

/** Only same-site paths, never back to the auth pages, so `from` cannot be abused. */
export function safeReturnPath(state: unknown): string {
  const from = (state as FromState | null)?.from;
  if (typeof from !== 'string' || !from.startsWith('/') || from.startsWith('//')) return '/';
  if (from.startsWith('/signin') || from.startsWith('/signup')) return '/';
  return from;
}

export function SessionCheckScreen() {
  return (
    <div className="center-screen" role="status">
      <span className="spinner" aria-hidden="true" />
      Checking your session…
    </div>
  );
}

/** Renders `children` for a signed-in user; sends everyone else to /signin. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useAppSelector(selectSessionStatus);
  const location = useLocation();
  if (session === 'unknown' || session === 'checking') return <SessionCheckScreen />;
  if (session === 'anonymous') {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  return children;
}

/** The auth pages: a signed-in user goes on to where they were headed (or home). */
export function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const session = useAppSelector(selectSessionStatus);
  const location = useLocation();
  if (session === 'authenticated') return <Navigate to={safeReturnPath(location.state)} replace />;
  return children;
}
