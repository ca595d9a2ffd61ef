import type { ApiErrorPayload } from '../../api/client';

/** Conflict codes that belong to one input even when the server sends no `fields`. */
const CODE_TO_FIELD: Record<string, string> = {
  username_taken: 'username',
  email_taken: 'email',
};

export interface MappedServerError<F extends string> {
  /** Messages to show next to the form's own inputs. */
  fieldErrors: Partial<Record<F, string>>;
  /** A message for the whole form, or null when every problem has an input to sit next to. */
  formError: string | null;
}

/** Splits a server error into per-input messages and a form-level message. */
export function mapServerError<F extends string>(
  error: ApiErrorPayload,
  formFields: readonly F[],
): MappedServerError<F> {
  const isFormField = (name: string): name is F => (formFields as readonly string[]).includes(name);
  const fieldErrors: Partial<Record<F, string>> = {};
  const strays: string[] = [];

  for (const [name, message] of Object.entries(error.fields)) {
    if (isFormField(name)) fieldErrors[name] = message;
    else strays.push(message);
  }
  const codeField = CODE_TO_FIELD[error.code];
  if (codeField && isFormField(codeField) && !fieldErrors[codeField]) {
    fieldErrors[codeField] = error.message;
  }

  const mapped = Object.keys(fieldErrors).length > 0;
  let formError: string | null = null;
  if (strays.length > 0) formError = strays.join(' ');
  else if (!mapped) formError = describeError(error);
  return { fieldErrors, formError };
}

/** The message to show for an error, with the wait time for a rate limit. */
export function describeError(error: ApiErrorPayload): string {
  if (error.status === 429 && error.retryAfterSeconds !== null) {
    const seconds = error.retryAfterSeconds;
    return `${error.message} Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`;
  }
  return error.message;
}

/** Whatever `unwrap()` threw, as a payload (thunks reject with `ApiErrorPayload`). */
export function asApiErrorPayload(thrown: unknown): ApiErrorPayload {
  if (typeof thrown === 'object' && thrown !== null && 'code' in thrown && 'message' in thrown) {
    const candidate = thrown as Partial<ApiErrorPayload>;
    return {
      status: typeof candidate.status === 'number' ? candidate.status : 0,
      code: String(candidate.code),
      message: String(candidate.message),
      fields: candidate.fields ?? {},
      retryAfterSeconds: candidate.retryAfterSeconds ?? null,
    };
  }
  return {
    status: 0,
    code: 'unexpected',
    message: 'Something went wrong. Please try again.',
    fields: {},
    retryAfterSeconds: null,
  };
}
