import type { FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { Alert } from '../../components/Alert';
import { TextField } from '../../components/TextField';
import type { ApiErrorPayload } from '../../api/client';
import { AuthLayout } from './AuthLayout';
import { selectAuthNotice, selectAuthPending, signIn } from './authSlice';
import { asApiErrorPayload } from './serverErrors';
import { useValidatedForm } from './useValidatedForm';
import { validateSignIn, type SignInInput } from './validation';

const FIELDS = ['identifier', 'password'] as const;

function normalise(values: SignInInput): SignInInput {
  return { identifier: values.identifier.trim(), password: values.password };
}

/** The server names the identifier `email` or `username`; this form has one input for both. */
function onIdentifierField(error: ApiErrorPayload): ApiErrorPayload {
  const fields: Record<string, string> = {};
  for (const [name, message] of Object.entries(error.fields)) {
    const target = name === 'email' || name === 'username' ? 'identifier' : name;
    fields[target] = fields[target] ? `${fields[target]} ${message}` : message;
  }
  return { ...error, fields };
}

export function SignInPage() {
  const dispatch = useAppDispatch();
  const location = useLocation();
  const pending = useAppSelector(selectAuthPending) === 'signIn';
  const notice = useAppSelector(selectAuthNotice);
  const form = useValidatedForm<keyof SignInInput>(
    { identifier: '', password: '' },
    (values) => validateSignIn(normalise(values)),
    FIELDS,
  );

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || !form.beginSubmit()) return;
    try {
      await dispatch(signIn(normalise(form.values))).unwrap();
    } catch (thrown) {
      form.applyServerError(onIdentifierField(asApiErrorPayload(thrown)));
    }
  }

  return (
    <AuthLayout title="Sign in">
      {notice && !form.formError && <Alert tone="info">{notice}</Alert>}
      {form.formError && <Alert tone="error">{form.formError}</Alert>}
      <form className="form" noValidate onSubmit={onSubmit} aria-label="Sign in">
        <TextField
          id="signin-identifier"
          name="identifier"
          label="Email or username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          {...form.field('identifier')}
        />
        <TextField
          id="signin-password"
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          {...form.field('password')}
        />
        <button
          type="submit"
          className="button button--primary button--block"
          aria-disabled={pending}
        >
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p className="auth-card__switch">
        New to GoChat?{' '}
        <Link to="/signup" state={location.state}>
          Create an account
        </Link>
      </p>
    </AuthLayout>
  );
}
