import { useEffect } from 'react';
import { Alert } from '../components/Alert';
import { selectAuthError, selectCurrentUser } from '../features/auth/authSlice';
import { UserList } from '../features/users/UserList';
import {
  fetchUsers,
  selectDirectory,
  selectOnlineCount,
  selectUsersError,
  selectUsersNextCursor,
  selectUsersStatus,
} from '../features/users/usersSlice';
import { AppHeader } from './AppHeader';
import { useAppDispatch, useAppSelector } from './hooks';
import { useNow } from './useNow';

/** The signed-in home: the people directory beside the (future) conversation pane. */
export function HomePage() {
  const dispatch = useAppDispatch();
  const user = useAppSelector(selectCurrentUser);
  const signOutError = useAppSelector(selectAuthError);
  const users = useAppSelector(selectDirectory);
  const onlineCount = useAppSelector(selectOnlineCount);
  const status = useAppSelector(selectUsersStatus);
  const error = useAppSelector(selectUsersError);
  const nextCursor = useAppSelector(selectUsersNextCursor);
  const now = useNow(30_000);

  useEffect(() => {
    // No abort on unmount: StrictMode's remount would find the first request still loading.
    void dispatch(fetchUsers());
  }, [dispatch]);

  const firstLoad = status === 'loading' && users.length === 0;

  return (
    <>
      <title>GoChat</title>
      <AppHeader />
      <main className="page home">
        {signOutError && (
          <Alert tone="error">Could not sign out: {signOutError.message}</Alert>
        )}
        <section className="panel people" aria-labelledby="people-heading">
          <div className="panel__header">
            <h2 id="people-heading">People</h2>
            <span className="pill" aria-live="polite">
              {onlineCount} online
            </span>
          </div>
          {firstLoad && (
            <p className="empty" role="status">
              Loading people…
            </p>
          )}
          {status === 'failed' && error && (
            <Alert tone="error">
              Could not load people: {error.message}{' '}
              <button type="button" className="link-button" onClick={() => dispatch(fetchUsers())}>
                Try again
              </button>
            </Alert>
          )}
          {!firstLoad && status !== 'failed' && <UserList users={users} now={now} />}
          {nextCursor && status !== 'loading' && (
            <button
              type="button"
              className="button button--block"
              onClick={() => dispatch(fetchUsers({ cursor: nextCursor }))}
            >
              Show more people
            </button>
          )}
        </section>
        <section className="panel welcome" aria-labelledby="welcome-heading">
          <h1 id="welcome-heading">Welcome, {user?.username}</h1>
          <p className="muted">
            Everyone on GoChat is in the People list; a green dot means they are online right now.
          </p>
        </section>
      </main>
    </>
  );
}
