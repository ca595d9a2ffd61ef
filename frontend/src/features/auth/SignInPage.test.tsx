import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { apiError, mockFetch } from '../../test/fetchMock';
import { renderWithProviders } from '../../test/render';
import { initialAuthState } from './authSlice';
import { SignInPage } from './SignInPage';

const anonymous = { auth: { ...initialAuthState, session: 'anonymous' as const } };

describe('SignInPage', () => {
  it('shows wrong credentials above the form', async () => {
    const fetch = mockFetch(() => apiError(401, 'invalid_credentials', 'Wrong email or password.'));
    renderWithProviders(<SignInPage />, { path: '/signin', preloadedState: anonymous });
    fireEvent.change(screen.getByLabelText('Email or username'), {
      target: { value: 'alice@example.com' },
    });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(fetch.calls[0]?.body).toEqual({ email: 'alice@example.com', password: 'password1' });
  });

  it('puts a server error about the email or username on the one identifier input', async () => {
    mockFetch(() => apiError(400, 'invalid_input', 'Invalid.', { username: 'Too long.' }));
    renderWithProviders(<SignInPage />, { path: '/signin', preloadedState: anonymous });
    fireEvent.change(screen.getByLabelText('Email or username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    const identifier = screen.getByLabelText('Email or username');
    await waitFor(() => expect(identifier.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('Too long.')).toBeTruthy();
  });

  it('requires both fields before calling the server', () => {
    const fetch = mockFetch(() => apiError(500, 'internal', 'Should not be called.'));
    renderWithProviders(<SignInPage />, { path: '/signin', preloadedState: anonymous });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your email or username.')).toBeTruthy();
    expect(screen.getByText('Enter your password.')).toBeTruthy();
    expect(fetch.calls).toHaveLength(0);
  });
});
