import { describe, expect, it } from 'vitest';
import { base64UrlToBytes, sameKey } from './base64url';

describe('base64UrlToBytes', () => {
  it('decodes with or without padding, url-safe characters included', () => {
    expect(Array.from(base64UrlToBytes('-_8'))).toEqual([0xfb, 0xff]);
    expect(Array.from(base64UrlToBytes('-_8='))).toEqual([0xfb, 0xff]);
    expect(Array.from(base64UrlToBytes('AQID'))).toEqual([1, 2, 3]);
  });
});

describe('sameKey', () => {
  it('compares the bytes', () => {
    expect(sameKey(new Uint8Array([1, 2, 3]).buffer, 'AQID')).toBe(true);
    expect(sameKey(new Uint8Array([1, 2, 4]).buffer, 'AQID')).toBe(false);
    expect(sameKey(new Uint8Array([1, 2]).buffer, 'AQID')).toBe(false);
    expect(sameKey(null, 'AQID')).toBe(false);
  });
});
