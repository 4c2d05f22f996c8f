/**
 * `returnTo` open-redirect payloads (RFC 9700 4.11): each is refused with a 400 at /login, or
 * the sign-in ends on a path of FRONTEND_URL's origin. Known payloads go through a real sign-in;
 * fast-check then throws arbitrary ones at the rule.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localReturnTo } from '../../src/oidc/return-to.js';
import { HostileProvider } from '../hostile/provider.js';
import {
  FRONTEND_URL,
  signIn,
  startRelyingParty,
  type RelyingParty,
} from '../hostile/relying-party.js';

let hostile: HostileProvider;
let rp: RelyingParty;
beforeAll(async () => {
  hostile = await HostileProvider.start();
  rp = await startRelyingParty(hostile);
});
afterAll(async () => {
  await rp.close();
  await hostile.close();
});

const FRONTEND_ORIGIN = new URL(FRONTEND_URL).origin;

/** Where a browser lands after the callback's redirect, or the 400 that refused returnTo. */
async function landing(rawQueryValue: string): Promise<{ refused: true } | { location: string }> {
  const steps = await signIn(rp, { query: `?returnTo=${rawQueryValue}` });
  if (steps.login.status === 400) {
    expect(steps.login.headers.get('location')).toBeNull();
    expect(await steps.login.text()).toContain('returnTo must be a path on this application');
    return { refused: true };
  }
  expect(steps.callback?.status).toBe(302);
  return { location: steps.callback!.headers.get('location')! };
}

describe('returnTo payloads through a real sign-in', () => {
  // Values as they appear in the attacker's link (already percent-encoded where they are).
  const payloads: [string, string, 'refused' | 'local'][] = [
    ['an absolute URL', 'https%3A%2F%2Fevil.example', 'refused'],
    ['an absolute URL, unencoded', 'https://evil.example/', 'refused'],
    ['a scheme-relative //host', '%2F%2Fevil.example', 'refused'],
    ['a scheme-relative //host, unencoded', '//evil.example', 'refused'],
    ['three slashes', '///evil.example', 'refused'],
    ['a backslash /\\host', '%2F%5Cevil.example', 'refused'],
    ['two backslashes', '%5C%5Cevil.example', 'refused'],
    ['slash, backslash, slash', '/%5C/evil.example', 'refused'],
    ['encoded slashes in the path', '/%2F%2Fevil.example', 'refused'],
    ['double-encoded slashes', '%252F%252Fevil.example', 'refused'],
    ['a double-encoded backslash', '/%255Cevil.example', 'refused'],
    ['a tab inside //', '/%09/evil.example', 'refused'],
    ['a newline inside //', '/%0A/evil.example', 'refused'],
    ['CR LF inside //', '/%0D%0A/evil.example', 'refused'],
    ['a NUL byte', '/%00//evil.example', 'refused'],
    ['a leading space', '%20//evil.example', 'refused'],
    ['a javascript: URL', 'javascript%3Aalert(1)', 'refused'],
    ['a javascript: URL in mixed case', 'JaVaScRiPt%3Aalert(1)', 'refused'],
    ['a data: URL', 'data%3Atext%2Fhtml%2C%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'refused'],
    ['userinfo https://app@evil', 'https%3A%2F%2Flocalhost%3A5999%40evil.example', 'refused'],
    ['userinfo with a backslash /\\@host', '/%5C@evil.example', 'refused'],
    ['dot segments that normalize to //host', '/..//evil.example', 'refused'],
    ['dot segments, encoded', '/%2e%2e//evil.example', 'refused'],
    ['a single dot segment before //host', '/.//evil.example', 'refused'],
    ['a host without a scheme', 'evil.example', 'refused'],
    ['http: without slashes', 'http%3Aevil.example', 'refused'],
    ['an overlong path', `/${'a'.repeat(600)}`, 'refused'],
    ['userinfo trick /@host (a path on the front end)', '/@evil.example', 'local'],
    ['fullwidth solidi (a path on the front end)', '/%EF%BC%8F%EF%BC%8Fevil.example', 'local'],
    [
      'a query naming another site (a path on the front end)',
      '/%3Fnext%3Dhttps%3A%2F%2Fevil.example',
      'local',
    ],
    ['a deep link', '%2Forders%3Fpage%3D2%23top', 'local'],
  ];
  const shown = (payload: string) => (payload.length > 60 ? `${payload.slice(0, 12)}…` : payload);
  test.each(payloads.map(([name, payload, expected]) => [name, shown(payload), expected, payload]))(
    '%s (%s) is %s',
    async (_name, _shown, expected, payload) => {
      const result = await landing(payload);
      if (expected === 'refused') {
        expect(result).toEqual({ refused: true });
        return;
      }
      expect(result).toHaveProperty('location');
      const { location } = result as { location: string };
      expect(new URL(location).origin).toBe(FRONTEND_ORIGIN);
      expect(location).not.toMatch(/[\\\t\r\n]/);
      expect(location.slice(FRONTEND_ORIGIN.length)).toMatch(/^\/(?!\/)/);
    },
  );
});

describe('returnTo, any string at all', () => {
  /** Prefixes that browsers and URL parsers treat specially, followed by anything. */
  const tricky = fc
    .tuple(
      fc.constantFrom(
        '',
        '/',
        '//',
        '/\\',
        '\\',
        '/./',
        '/../',
        '/..//',
        '/.//',
        '/%2e%2e//',
        ' /',
        '\t/',
        '/@',
        'https:',
        'javascript:',
      ),
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.string({ unit: 'binary', maxLength: 30 }),
        fc.webUrl(),
      ),
    )
    .map(([prefix, rest]) => prefix + rest);
  const anyReturnTo = fc.oneof(tricky, fc.webPath(), fc.webUrl(), fc.string({ unit: 'binary' }));

  test('is refused, or is a path that stays on the front end whatever origin it is resolved against', () => {
    fc.assert(
      fc.property(anyReturnTo, (value) => {
        let path: string;
        try {
          path = localReturnTo(value);
        } catch (error) {
          expect(error).toMatchObject({ status: 400, code: 'ERR_RETURN_TO_INVALID' });
          return;
        }
        expect(path).toMatch(/^\/(?!\/)/); // a path, never a scheme-relative //host
        // eslint-disable-next-line no-control-regex -- control characters are what it looks for
        expect(path).not.toMatch(/[\\\u0000-\u001f\u007f]/); // nothing browsers strip or flip
        for (const origin of [FRONTEND_ORIGIN, 'https://app.example.com:8443']) {
          expect(new URL(origin + path).origin).toBe(origin); // how the callback builds Location
          expect(new URL(path, `${origin}/some/page`).origin).toBe(origin); // as a relative link
        }
      }),
      { numRuns: 2000 },
    );
  });
});
