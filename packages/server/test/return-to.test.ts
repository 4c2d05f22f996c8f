import { describe, expect, test } from 'vitest';
import { localReturnTo } from '../src/oidc/return-to.js';

describe('returnTo (open redirect)', () => {
  test.each([
    [null, '/'],
    ['', '/'],
    ['/account', '/account'],
    ['/a/b?tab=1#top', '/a/b?tab=1#top'],
    ['/a/../b', '/b'],
  ])('%s stays local as %s', (input, expected) => {
    expect(localReturnTo(input)).toBe(expected);
  });

  test.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    'javascript:alert(1)',
    'evil.example',
    '/%2f/evil.example',
    '/%5Cevil.example',
    'https://user@evil.example',
    '/' + 'a'.repeat(600),
  ])('%j is refused with 400', (input) => {
    expect(() => localReturnTo(input)).toThrow(
      expect.objectContaining({ status: 400, code: 'ERR_RETURN_TO_INVALID' }),
    );
  });
});
