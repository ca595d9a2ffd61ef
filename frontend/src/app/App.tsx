import { useEffect } from 'react';
import { Route, Routes } from 'react-router';
import { loadCurrentUser, selectSessionStatus } from '../features/auth/authSlice';
import { SignInPage } from '../features/auth/SignInPage';
import { SignUpPage } from '../features/auth/SignUpPage';
import { StatusPage } from '../features/system/StatusPage';
import { RedirectIfSignedIn, RequireAuth } from './guards';
import { HomePage } from './HomePage';
import { useAppDispatch, useAppSelector } from './hooks';
import { NotFoundPage } from './NotFoundPage';

export function App() {
  const dispatch = useAppDispatch();
  const session = useAppSelector(selectSessionStatus);

  // Cookies are HttpOnly: the only way to know who is signed in is to ask, once, at start.
  useEffect(() => {
    if (session === 'unknown') void dispatch(loadCurrentUser());
  }, [session, dispatch]);

  return (
    <Routes>
      {/* One layout route, so the home (and its open sockets' views) stays mounted while the
          open chat changes; HomePage reads the peer from the URL. */}
      <Route
        element={
          <RequireAuth>
            <HomePage />
          </RequireAuth>
        }
      >
        <Route index element={null} />
        <Route path="chat/:peerId" element={null} />
        <Route path="group/:conversationId" element={null} />
      </Route>
      <Route
        path="/signin"
        element={
          <RedirectIfSignedIn>
            <SignInPage />
          </RedirectIfSignedIn>
        }
      />
      <Route
        path="/signup"
        element={
          <RedirectIfSignedIn>
            <SignUpPage />
          </RedirectIfSignedIn>
        }
      />
      <Route path="/status" element={<StatusPage />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
