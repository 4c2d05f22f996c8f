/**
 * Issue 22, item 2, against the dev IdP: a parameter the application configured for every
 * sign-in (`AUTHORIZATION_PARAMS`) is a floor. A `/login` request may repeat it, and may only
 * narrow `acr_values` (a subset) or `max_age` (fewer seconds); anything else is a 400 page that
 * never reaches the provider. The callback checks the configured `acr` and `max_age` on every
 * sign-in, even one whose transaction asked for less (started before the floor was configured,
 * or on an instance without it).
 */
import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import {
  ConfigError,
  createGatehouse,
  parseConfig,
  requireAuthLevel,
  type Gatehouse,
} from '@gatehouse/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADA, signInThroughBackend, startStack, type Stack } from '../support/stack.js';

const TWO_FACTOR = 'urn:okta:loa:2fa:any';
const PASSWORD = 'urn:okta:loa:1fa:pwd';
const SAM = { email: 'sam@example.com', password: 'sam-dev-password' };
const FLOOR = `organization=org_123&acr_values=${TWO_FACTOR}&max_age=300`;

/**
 * The same application without the floor, sharing the backend's URL and secret: a sign-in it
 * starts ends at the backend's callback (a rolling deploy, or a sign-in started just before the
 * floor was configured). Its `/login` runs in-process; the browser carries its cookie on.
 */
function withoutFloor(stack: Stack): Gatehouse {
  return createGatehouse(sameApplication(stack));
}

/** The options of the stack's backend, without its `authorizationParams`. */
function sameApplication(stack: Stack) {
  return {
    issuer: stack.idp.issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl: stack.backend.url,
    frontendUrl: stack.frontendUrl,
    sessionSecret: 'test-secret-'.repeat(4),
  };
}

/** `/login` on `gatehouse` for the browser `jar`: the authorization URL it redirects to. */
async function startSignIn(
  gatehouse: Gatehouse,
  stack: Stack,
  jar: CookieJar,
  query: string,
): Promise<string> {
  const response = await gatehouse.handle({ method: 'GET', url: `/login${query}`, headers: {} });
  expect(response?.status, response?.body).toBe(302);
  const cookies = [response!.headers['set-cookie'] ?? []].flat();
  jar.capture(
    `${stack.backend.url}/login`,
    new Response(null, { headers: cookies.map((line): [string, string] => ['set-cookie', line]) }),
  );
  return String(response!.headers.location);
}

/** The `code` of the last warning or error Gatehouse logged. */
function lastFailureCode(stack: Stack): string | undefined {
  const entries = stack.log.map((line) => JSON.parse(line) as { level: number; code?: string });
  return entries.filter((entry) => entry.level >= 40).at(-1)?.code;
}

function sessionCookieOf(response: Response): string | undefined {
  return response.headers.getSetCookie().find((line) => line.startsWith('gatehouse='));
}

async function expectRefusedPage(response: Response, status: number, text: string) {
  const html = await response.text();
  expect(response.status, html).toBe(status);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('location')).toBeNull();
  expect(html).toContain('Sign-in did not complete');
  expect(html).toContain(text);
  return html;
}

describe('AUTHORIZATION_PARAMS is a floor a /login request cannot replace', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ options: { authorizationParams: FLOOR } });
  });
  afterAll(() => stack.close());

  const login = (query: string) =>
    fetch(`${stack.backend.url}/login${query}`, { redirect: 'manual' });

  async function expectRefused(query: string, text: string): Promise<void> {
    const response = await login(query);
    await expectRefusedPage(response, 400, text);
    expect(response.headers.get('set-cookie')).toBeNull();
  }

  test('the organization swap (org_evil, password-only acr, a year of max_age) is a 400 naming organization, no redirect', async () => {
    await expectRefused(
      `?organization=org_evil&acr_values=${encodeURIComponent(PASSWORD)}&max_age=999999999`,
      'The sign-in parameter organization is set by the application and cannot be changed.',
    );
  });

  test('a request cannot pick another organization', async () => {
    await expectRefused(
      '?organization=org_evil',
      'The sign-in parameter organization is set by the application and cannot be changed.',
    );
  });

  test.each([
    ['a password-only acr', PASSWORD],
    ['the configured acr plus a weaker one', `${TWO_FACTOR} ${PASSWORD}`],
  ])('weakening acr_values (%s) is a 400 naming acr_values', async (_, acrValues) => {
    await expectRefused(
      `?acr_values=${encodeURIComponent(acrValues)}`,
      `The sign-in parameter acr_values may only ask for levels the application accepts: ${TWO_FACTOR}.`,
    );
  });

  test.each(['301', '999999999'])(
    'raising max_age (%s) to reuse an old sign-in is a 400 naming max_age',
    async (maxAge) => {
      await expectRefused(
        `?max_age=${maxAge}`,
        'The sign-in parameter max_age cannot be more than the configured 300 seconds.',
      );
    },
  );

  test('a stricter max_age is sent as the smaller value, with the configured rest', async () => {
    const response = await login('?max_age=60');
    expect(response.status, await response.clone().text()).toBe(302);
    const sent = new URL(response.headers.get('location')!).searchParams;
    expect(sent.get('max_age')).toBe('60');
    expect(sent.get('acr_values')).toBe(TWO_FACTOR);
    expect(sent.get('organization')).toBe('org_123');
  });

  test('acr_values may be narrowed to some of the configured values, never widened', async () => {
    const narrow = createGatehouse({
      ...sameApplication(stack),
      authorizationParams: { acr_values: `${TWO_FACTOR} phr` },
    });
    try {
      const response = await narrow.handle({
        method: 'GET',
        url: '/login?acr_values=phr',
        headers: {},
      });
      expect(response?.status, response?.body).toBe(302);
      const sent = new URL(String(response!.headers.location)).searchParams;
      expect(sent.get('acr_values')).toBe('phr');
      const widened = await narrow.handle({
        method: 'GET',
        url: `/login?acr_values=phr%20${encodeURIComponent(PASSWORD)}`,
        headers: {},
      });
      expect(widened?.status).toBe(400);
      expect(widened?.body).toContain('The sign-in parameter acr_values may only ask for levels');
    } finally {
      await narrow.close();
    }
  });

  test('repeating the configured values is allowed and sends them unchanged', async () => {
    const response = await login(
      `?organization=org_123&acr_values=${encodeURIComponent(TWO_FACTOR)}&max_age=300`,
    );
    expect(response.status, await response.clone().text()).toBe(302);
    const sent = new URL(response.headers.get('location')!).searchParams;
    expect(sent.getAll('organization')).toEqual(['org_123']);
    expect(sent.getAll('acr_values')).toEqual([TWO_FACTOR]);
    expect(sent.getAll('max_age')).toEqual(['300']);
  });

  test('a step-up (acr_values and a stricter max_age) still signs in with the second factor', async () => {
    const jar = new CookieJar();
    const callback = await signInThroughBackend(
      { backend: stack.backend, jar },
      { query: `?acr_values=${encodeURIComponent(TWO_FACTOR)}&max_age=60` },
    );
    expect(callback.status, await callback.clone().text()).toBe(302);
    const principal = await stack.backend.gatehouse.authenticate({
      method: 'GET',
      url: '/secure-data',
      headers: { cookie: jar.header(`${stack.backend.url}/`)! },
    });
    expect(principal.acr).toBe(TWO_FACTOR);
    expect(() => requireAuthLevel({ acr: TWO_FACTOR, maxAge: 60 })(principal)).not.toThrow();
  });

  test('a user who cannot reach the configured acr (password only) is refused at the callback, no session', async () => {
    const jar = new CookieJar();
    const callback = await signInThroughBackend(
      { backend: stack.backend, jar },
      { credentials: SAM },
    );
    await expectRefusedPage(
      callback,
      403,
      'did not sign you in as strongly as this application asked',
    );
    expect(sessionCookieOf(callback)).toBeUndefined();
  });

  test('a browser that strips acr_values from the authorization URL gets a password-only sign-in refused at the callback', async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${stack.backend.url}/login`);
    const authorize = new URL(login.headers.get('location')!);
    authorize.searchParams.delete('acr_values');
    const callback = await jar.fetch(await signIn(authorize, ADA, jar));
    await expectRefusedPage(
      callback,
      403,
      'did not sign you in as strongly as this application asked',
    );
    expect(sessionCookieOf(callback)).toBeUndefined();
  });

  test('a weakened sign-in started without the floor (password-only acr asked) is refused at the callback, no session', async () => {
    const unfloored = withoutFloor(stack);
    try {
      const jar = new CookieJar();
      const authorize = await startSignIn(
        unfloored,
        stack,
        jar,
        `?organization=org_evil&acr_values=${encodeURIComponent(PASSWORD)}&max_age=999999999`,
      );
      const callback = await jar.fetch(await signIn(authorize, SAM, jar));
      const html = await expectRefusedPage(
        callback,
        403,
        'did not sign you in as strongly as this application asked',
      );
      expect(html).toContain('<code>access_denied</code>');
      expect(lastFailureCode(stack)).toBe('ERR_ACR_REFUSED');
      expect(sessionCookieOf(callback)).toBeUndefined();
      expect((await jar.fetch(`${stack.backend.url}/me`)).status).toBe(401);
    } finally {
      await unfloored.close();
    }
  });
});

describe('the configured max_age is checked at the callback', () => {
  let stack: Stack;
  beforeAll(async () => {
    // No clock tolerance, so a two-second floor is two seconds.
    stack = await startStack({
      options: { authorizationParams: 'max_age=2', clockTolerance: 0 },
    });
  });
  afterAll(() => stack.close());

  test('an old provider session reused by a sign-in started without the floor is refused (401), no session', async () => {
    const unfloored = withoutFloor(stack);
    try {
      const jar = new CookieJar();
      // A provider session at T0 (its callback never visited), then a sign-in over it later.
      await signIn(await startSignIn(unfloored, stack, jar, ''), ADA, jar);
      await new Promise((resolve) => setTimeout(resolve, 3200));
      const authorize = await startSignIn(unfloored, stack, jar, '?max_age=999999999');
      const callback = await jar.fetch(await signIn(authorize, ADA, jar));
      const html = await callback.text();
      expect(callback.status, html).toBe(401);
      expect(html).toContain('Sign-in did not complete');
      expect(html).toContain('<code>invalid_token</code>');
      expect(lastFailureCode(stack)).toBe('ERR_TOKEN_INVALID');
      expect(sessionCookieOf(callback)).toBeUndefined();
      expect((await jar.fetch(`${stack.backend.url}/me`)).status).toBe(401);
    } finally {
      await unfloored.close();
    }
  });
});

describe('the configured floor is checked at startup', () => {
  const base = {
    issuer: 'https://id.example.com',
    clientId: 'client',
    clientSecret: 'secret',
    backendUrl: 'https://api.example.com',
    frontendUrl: 'https://app.example.com',
    sessionSecret: 'x'.repeat(32),
  };

  test.each(['soon', '-1', '1e3'])('a configured max_age of %s is a ConfigError', (maxAge) => {
    const parse = () => parseConfig({ ...base, authorizationParams: `max_age=${maxAge}` });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/authorizationParams\.max_age must be a whole number of seconds/);
  });

  test('an acr_values with a control character or empty value is a ConfigError', () => {
    for (const acrValues of ['mfa\nphr', 'mfa  phr', '']) {
      expect(() =>
        parseConfig({ ...base, authorizationParams: { acr_values: acrValues } }),
      ).toThrow(ConfigError);
    }
  });
});
