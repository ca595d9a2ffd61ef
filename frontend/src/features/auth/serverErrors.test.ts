import { describe, expect, it } from 'vitest';
import type { ApiErrorPayload } from '../../api/client';
import { describeError, mapServerError } from './serverErrors';

const error = (overrides: Partial<ApiErrorPayload>): ApiErrorPayload => ({
  status: 400,
  code: 'invalid_input',
  message: 'Invalid input.',
  fields: {},
  retryAfterSeconds: null,
  ...overrides,
});

const FIELDS = ['email', 'username', 'password'] as const;

describe('mapServerError', () => {
  it('puts known fields next to their inputs and shows no form message', () => {
    const mapped = mapServerError(error({ fields: { username: 'Taken.', password: 'Weak.' } }), FIELDS);
    expect(mapped.fieldErrors).toEqual({ username: 'Taken.', password: 'Weak.' });
    expect(mapped.formError).toBeNull();
  });

  it('maps a conflict code without fields onto its input', () => {
    const mapped = mapServerError(
      error({ status: 409, code: 'email_taken', message: 'That email is already registered.' }),
      FIELDS,
    );
    expect(mapped.fieldErrors).toEqual({ email: 'That email is already registered.' });
  });

  it('shows fields the form does not have as a form message', () => {
    const mapped = mapServerError(error({ fields: { captcha: 'Required.' } }), FIELDS);
    expect(mapped.formError).toBe('Required.');
  });

  it('shows an error without fields as a form message', () => {
    const mapped = mapServerError(
      error({ status: 401, code: 'invalid_credentials', message: 'Wrong email or password.' }),
      FIELDS,
    );
    expect(mapped.fieldErrors).toEqual({});
    expect(mapped.formError).toBe('Wrong email or password.');
  });
});

describe('describeError', () => {
  it('adds the wait to a rate limit', () => {
    expect(
      describeError(error({ status: 429, message: 'Too many attempts.', retryAfterSeconds: 1 })),
    ).toBe('Too many attempts. Try again in 1 second.');
  });
});
