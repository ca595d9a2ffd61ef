import type { FormEvent } from 'react';
import { Link, useLocation } from 'react-router';
import { useAppDispatch, useAppSelector } from '../../app/hooks';
import { Alert } from '../../components/Alert';
import { TextField } from '../../components/TextField';
import { AuthLayout } from './AuthLayout';
import { selectAuthPending, signUp } from './authSlice';
import { asApiErrorPayload } from './serverErrors';
import { useValidatedForm } from './useValidatedForm';
import {
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_BYTES,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  validateSignUp,
  type SignUpInput,
} from './validation';

const FIELDS = ['email', 'username', 'password'] as const;

/** Surrounding spaces in the email and username are typing accidents; a password is kept as is. */
function normalise(values: SignUpInput): SignUpInput {
  return { email: values.email.trim(), username: values.username.trim(), password: values.password };
}

export function SignUpPage() {
  const dispatch = useAppDispatch();
  const location = useLocation();
  const pending = useAppSelector(selectAuthPending) === 'signUp';
  const form = useValidatedForm<keyof SignUpInput>(
    { email: '', username: '', password: '' },
    (values) => validateSignUp(normalise(values)),
    FIELDS,
  );

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending || !form.beginSubmit()) return;
    try {
      // On success the route guard sends the now signed-in user on.
      await dispatch(signUp(normalise(form.values))).unwrap();
    } catch (thrown) {
      form.applyServerError(asApiErrorPayload(thrown));
    }
  }

  return (
    <AuthLayout title="Create your account">
      {form.formError && <Alert tone="error">{form.formError}</Alert>}
      <form className="form" noValidate onSubmit={onSubmit} aria-label="Sign up">
        <TextField
          id="signup-email"
          name="email"
          label="Email"
          type="email"
          autoComplete="email"
          autoCapitalize="none"
          spellCheck={false}
          required
          {...form.field('email')}
        />
        <TextField
          id="signup-username"
          name="username"
          label="Username"
          hint={`${USERNAME_MIN_LENGTH}–${USERNAME_MAX_LENGTH} characters: letters, digits, _ . and -`}
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          {...form.field('username')}
        />
        <TextField
          id="signup-password"
          name="password"
          label="Password"
          type="password"
          hint={`At least ${PASSWORD_MIN_BYTES} characters, at most ${PASSWORD_MAX_BYTES} bytes.`}
          autoComplete="new-password"
          required
          {...form.field('password')}
        />
        <button
          type="submit"
          className="button button--primary button--block"
          aria-disabled={pending}
        >
          {pending ? 'Creating account…' : 'Create account'}
        </button>
      </form>
      <p className="auth-card__switch">
        Already have an account?{' '}
        <Link to="/signin" state={location.state}>
          Sign in
        </Link>
      </p>
    </AuthLayout>
  );
}
