import { describe, expect, it } from 'vitest';
import {
  hasErrors,
  isEmailIdentifier,
  utf8ByteLength,
  validateEmail,
  validatePassword,
  validateSignIn,
  validateSignUp,
  validateUsername,
} from './validation';

describe('utf8ByteLength', () => {
  it('counts bytes, not characters', () => {
    expect(utf8ByteLength('abc')).toBe(3);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('€')).toBe(3);
    expect(utf8ByteLength('😀')).toBe(4);
  });
});

describe('validateEmail', () => {
  it('accepts an ordinary address', () => {
    expect(validateEmail('alice@example.com')).toBeNull();
    expect(validateEmail('a.b+tag@sub.example.co.uk')).toBeNull();
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'al ice@example.com', 'alice@exa mple.com'])(
    'rejects %j',
    (email) => {
      expect(validateEmail(email)).not.toBeNull();
    },
  );

  it('accepts 254 characters and rejects 255', () => {
    const domain = '@example.com';
    const local = (length: number) => 'a'.repeat(length - domain.length);
    // The WHATWG pattern does not cap the local part, so only our length rule decides here.
    expect(validateEmail(local(254) + domain)).toBeNull();
    expect(validateEmail(local(255) + domain)).toMatch(/254/);
  });
});

describe('validateUsername', () => {
  it.each(['abc', 'a_b', 'a.b', 'a-b', 'A1_.-z', 'x'.repeat(32)])('accepts %j', (username) => {
    expect(validateUsername(username)).toBeNull();
  });

  it.each(['', 'ab', 'x'.repeat(33), 'has space', 'émile', 'a@b', 'semi;colon'])(
    'rejects %j',
    (username) => {
      expect(validateUsername(username)).not.toBeNull();
    },
  );
});

describe('validatePassword', () => {
  it('accepts 8 to 72 bytes', () => {
    expect(validatePassword('12345678')).toBeNull();
    expect(validatePassword('x'.repeat(72))).toBeNull();
  });

  it('rejects fewer than 8 bytes', () => {
    expect(validatePassword('1234567')).toMatch(/at least 8/);
  });

  it('measures the upper bound in UTF-8 bytes', () => {
    expect(validatePassword('é'.repeat(36))).toBeNull(); // 72 bytes, 36 characters
    expect(validatePassword('é'.repeat(37))).toMatch(/72 bytes/); // 74 bytes
    expect(validatePassword('😀'.repeat(19))).toMatch(/72 bytes/); // 76 bytes
  });

  it('lets multi-byte characters reach the lower bound', () => {
    expect(validatePassword('😀😀')).toBeNull(); // 8 bytes
  });
});

describe('form validators', () => {
  it('report every field of a sign-up', () => {
    const errors = validateSignUp({ email: 'bad', username: 'ok_name', password: 'short' });
    expect(errors.email).not.toBeNull();
    expect(errors.username).toBeNull();
    expect(errors.password).not.toBeNull();
    expect(hasErrors(errors)).toBe(true);
  });

  it('only require presence for a sign-in', () => {
    expect(hasErrors(validateSignIn({ identifier: 'al', password: 'x' }))).toBe(false);
    expect(validateSignIn({ identifier: '', password: '' })).toEqual({
      identifier: expect.any(String),
      password: expect.any(String),
    });
  });

  it('treat an identifier with @ as an email', () => {
    expect(isEmailIdentifier('alice@example.com')).toBe(true);
    expect(isEmailIdentifier('alice')).toBe(false);
  });
});
