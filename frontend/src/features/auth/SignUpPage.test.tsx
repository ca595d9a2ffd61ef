import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { RedirectIfSignedIn } from '../../app/guards';
import { aliceUser, apiError, json, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { initialAuthState } from './authSlice';
import { SignUpPage } from './SignUpPage';

function renderSignUp() {
  return renderWithProviders(
    <Routes>
      <Route
        path="/signup"
        element={
          <RedirectIfSignedIn>
            <SignUpPage />
          </RedirectIfSignedIn>
        }
      />
      <Route path="/" element={<p>Home page</p>} />
    </Routes>,
    { path: '/signup', preloadedState: { auth: { ...initialAuthState, session: 'anonymous' } } },
  );
}

function fillIn(values: { email?: string; username?: string; password?: string }) {
  if (values.email !== undefined) {
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: values.email } });
  }
  if (values.username !== undefined) {
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: values.username } });
  }
  if (values.password !== undefined) {
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: values.password } });
  }
}

const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Create account' }));

/** The error text linked to an input through aria-describedby. */
function describedErrors(input: HTMLElement): string[] {
  const ids = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  return ids
    .map((id) => document.getElementById(id))
    .filter((element) => element?.classList.contains('field__error'))
    .map((element) => element?.textContent ?? '');
}

describe('SignUpPage', () => {
  it('shows a rule error next to the username and does not call the server', async () => {
    const fetch = mockFetch(() => json(201, { user: aliceUser }));
    renderSignUp();
    fillIn({ email: 'alice@example.com', username: 'al', password: 'password1' });
    submit();

    const username = screen.getByLabelText('Username');
    expect(username.getAttribute('aria-invalid')).toBe('true');
    expect(describedErrors(username)).toEqual(['Username must be 3 to 32 characters.']);
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('false');
    await waitFor(() => expect(document.activeElement).toBe(username));
    expect(fetch.calls).toHaveLength(0);
  });

  it('validates a field when it is left, not while it is first typed', () => {
    renderSignUp();
    const email = screen.getByLabelText('Email');
    fireEvent.change(email, { target: { value: 'not-an-email' } });
    expect(email.getAttribute('aria-invalid')).toBe('false');
    fireEvent.blur(email);
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(describedErrors(email)[0]).toMatch(/valid email/);
  });

  it('shows the server field error inline until the field is edited', async () => {
    mockFetch(() =>
      apiError(409, 'username_taken', 'That username is taken.', {
        username: 'That username is taken.',
      }),
    );
    renderSignUp();
    fillIn({ email: 'alice@example.com', username: 'alice', password: 'password1' });
    submit();

    const username = screen.getByLabelText('Username');
    await waitFor(() => expect(describedErrors(username)).toEqual(['That username is taken.']));
    expect(username.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('alert')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(username));

    fillIn({ username: 'alice2' });
    expect(describedErrors(username)).toEqual([]);
    expect(username.getAttribute('aria-invalid')).toBe('false');
  });

  it('shows an error that belongs to no field above the form', async () => {
    mockFetch(() =>
      apiError(429, 'rate_limited', 'Too many sign-ups.', undefined, { 'Retry-After': '20' }),
    );
    renderSignUp();
    fillIn({ email: 'alice@example.com', username: 'alice', password: 'password1' });
    submit();
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Too many sign-ups. Try again in 20 seconds.',
    );
  });

  it('signs the new user in and goes home', async () => {
    const fetch = mockFetch(() => json(201, { user: aliceUser }));
    renderSignUp();
    fillIn({ email: ' alice@example.com ', username: 'alice', password: 'password1' });
    submit();
    expect(await screen.findByText('Home page')).toBeTruthy();
    expect(fetch.calls[0]?.body).toEqual({
      email: 'alice@example.com',
      username: 'alice',
      password: 'password1',
    });
  });

  it('has a keyboard-usable password toggle', () => {
    renderSignUp();
    const password = screen.getByLabelText('Password');
    const toggle = screen.getByRole('button', { name: 'Show password' });
    expect(password.getAttribute('type')).toBe('password');
    fireEvent.click(toggle);
    expect(password.getAttribute('type')).toBe('text');
    expect(screen.getByRole('button', { name: 'Hide password' })).toBe(toggle);
  });
});
