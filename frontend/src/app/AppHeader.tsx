import { Link, NavLink } from 'react-router';
import { selectAuthPending, selectCurrentUser, signOut } from '../features/auth/authSlice';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { PushSettingsMenu } from '../features/push/PushSettingsMenu';
import { SearchLauncher } from '../features/search/SearchLauncher';
import { useAppDispatch, useAppSelector } from './hooks';

/** The top bar of the signed-in home and the status page. */
export function AppHeader() {
  const dispatch = useAppDispatch();
  const user = useAppSelector(selectCurrentUser);
  const signingOut = useAppSelector(selectAuthPending) === 'signOut';

  return (
    <header className="app-header">
      <div className="app-header__inner">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true" />
          GoChat
        </Link>
        <nav className="app-header__nav" aria-label="Main">
          <NavLink to="/status" className="nav-link">
            Status
          </NavLink>
          {user ? (
            <>
              <SearchLauncher />
              <NotificationBell />
              <PushSettingsMenu />
              <span className="app-header__user">
                <span className="visually-hidden">Signed in as </span>
                {user.username}
              </span>
              <button
                type="button"
                className="button button--ghost"
                aria-disabled={signingOut}
                onClick={() => {
                  if (!signingOut) void dispatch(signOut());
                }}
              >
                {signingOut ? 'Signing out…' : 'Sign out'}
              </button>
            </>
          ) : (
            <>
              <NavLink to="/signin" className="nav-link">
                Sign in
              </NavLink>
              <Link to="/signup" className="button button--primary">
                Sign up
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
