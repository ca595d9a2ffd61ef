/**
 * Client-side mirror of the auth service's input rules (CONTRACT.md §3, auth). The server stays
 * the authority: these only spare a round trip and explain the rule next to the input. Each
 * validator returns a message, or null when the value is acceptable.
 */

export const EMAIL_MAX_LENGTH = 254;
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;
/** bcrypt reads at most 72 bytes, so the bounds are in UTF-8 bytes, not characters. */
export const PASSWORD_MIN_BYTES = 8;
export const PASSWORD_MAX_BYTES = 72;

const USERNAME_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The WHATWG rule browsers use for `<input type="email">`: a pragmatic "valid address". */
const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

const utf8 = new TextEncoder();

/** Length of `text` once encoded as UTF-8, which is what bcrypt and the server count. */
export function utf8ByteLength(text: string): number {
  return utf8.encode(text).length;
}

export function validateEmail(email: string): string | null {
  if (email.length === 0) return 'Enter your email address.';
  if (email.length > EMAIL_MAX_LENGTH) {
    return `Email must be at most ${EMAIL_MAX_LENGTH} characters.`;
  }
  if (!EMAIL_PATTERN.test(email)) return 'Enter a valid email address, like name@example.com.';
  return null;
}

export function validateUsername(username: string): string | null {
  if (username.length === 0) return 'Choose a username.';
  if (username.length < USERNAME_MIN_LENGTH || username.length > USERNAME_MAX_LENGTH) {
    return `Username must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters.`;
  }
  if (!USERNAME_PATTERN.test(username)) {
    return 'Username may only contain letters, digits, underscores (_), dots (.) and hyphens (-).';
  }
  return null;
}

export function validatePassword(password: string): string | null {
  if (password.length === 0) return 'Choose a password.';
  const bytes = utf8ByteLength(password);
  if (bytes < PASSWORD_MIN_BYTES) {
    return `Password must be at least ${PASSWORD_MIN_BYTES} characters.`;
  }
  if (bytes > PASSWORD_MAX_BYTES) {
    return `Password is too long: at most ${PASSWORD_MAX_BYTES} bytes (accented letters and emoji count as 2 to 4).`;
  }
  return null;
}

export interface SignUpInput {
  email: string;
  username: string;
  password: string;
}

export type SignUpErrors = Record<keyof SignUpInput, string | null>;

export function validateSignUp(input: SignUpInput): SignUpErrors {
  return {
    email: validateEmail(input.email),
    username: validateUsername(input.username),
    password: validatePassword(input.password),
  };
}

export interface SignInInput {
  /** An email address or a username: input containing '@' is treated as an email. */
  identifier: string;
  password: string;
}

export type SignInErrors = Record<keyof SignInInput, string | null>;

/**
 * Sign-in only checks presence: format and length rules are configuration on the server and
 * an older account must never be locked out by a stricter client.
 */
export function validateSignIn(input: SignInInput): SignInErrors {
  return {
    identifier: input.identifier.length === 0 ? 'Enter your email or username.' : null,
    password: input.password.length === 0 ? 'Enter your password.' : null,
  };
}

export function hasErrors(errors: Record<string, string | null>): boolean {
  return Object.values(errors).some((message) => message !== null);
}

/** Whether a sign-in identifier is an email address (the contract's `{email}` body). */
export function isEmailIdentifier(identifier: string): boolean {
  return identifier.includes('@');
}
