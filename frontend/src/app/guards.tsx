import { useDeferredValue, type ReactNode } from 'react';
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

/**
 * Renders `children` for a signed-in user; sends everyone else to /signin.
 *
 * The signed-in app is the largest render of a start (header, lists, the open chat, and every
 * component's first run), so it is mounted as a deferred render: the session screen stays while
 * React builds the app in slices of a few milliseconds, yielding to the browser between them,
 * instead of one task that blocks input for a few hundred milliseconds on a slow phone.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const session = useAppSelector(selectSessionStatus);
  const shownSession = useDeferredValue(session);
  const location = useLocation();
  if (session === 'anonymous') {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  if (session !== 'authenticated' || shownSession !== 'authenticated') return <SessionCheckScreen />;
  return children;
}

/** The auth pages: a signed-in user goes on to where they were headed (or home). */
export function RedirectIfSignedIn({ children }: { children: ReactNode }) {
  const session = useAppSelector(selectSessionStatus);
  const location = useLocation();
  if (session === 'authenticated') return <Navigate to={safeReturnPath(location.state)} replace />;
  return children;
}
