import type { DevIdp } from '@gatehouse/dev-idp';
import { doctor, formatDoctorReport } from '@gatehouse/server/doctor';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../support/stack.js';
import {
  BACKEND_URL,
  CLIENT,
  FRONTEND_URL,
  doctoredDiscovery,
  goodEnv,
  line,
  startIdp,
  statuses,
} from './support.js';

let idp: DevIdp;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-doctor-'));
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (env: Record<string, string | undefined>, timeout?: number) =>
  doctor({ env, envFile: false, timeout });

test('a correct configuration passes every check', async () => {
  const report = await run(
    goodEnv(idp.issuer, { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}` }),
  );
  expect(statuses(report)).toEqual({
    configuration: 'ok',
    'issuer-url': 'ok',
    'demo-values': 'warn', // the dev IdP's loopback issuer: for local development only
    discovery: 'ok',
    issuer: 'ok',
    endpoints: 'ok',
    'signing-keys': 'ok',
    clock: 'ok',
    'redirect-uri': 'ok',
    client: 'ok',
    'sign-out-uri': 'ok',
    'session-secret': 'ok',
    'session-store': 'ok',
    cookies: 'ok',
    'cookie-site': 'ok',
  });
  expect(report.ok).toBe(true);
  expect(report.counts).toEqual({ ok: 14, warn: 1, error: 0, skip: 0 });
  expect(line(report, 'redirect-uri').message).toContain(`${BACKEND_URL}/signin-oidc`);
  expect(line(report, 'sign-out-uri').message).toContain(FRONTEND_URL);
  expect(line(report, 'client').message).toContain(`OKTA_CLIENT_ID=${CLIENT.id}`);
});

describe('issuer', () => {
  test('a trailing slash the provider does not have: the issuer discovery answered is the fix', async () => {
    const report = await run(goodEnv(`${idp.issuer}/`));
    const issuer = line(report, 'issuer');
    expect(issuer.status).toBe('error');
    expect(issuer.message).toContain(`answered issuer "${idp.issuer}"`);
    expect(issuer.message).toContain('differ by the trailing slash');
    expect(issuer.fix).toBe(`set OKTA_ISSUER_URL=${idp.issuer}`);
    expect(line(report, 'issuer-url').status).toBe('warn');
    expect(report.ok).toBe(false);
  });

  test('another path: discovery answers 404 and the doctor finds the issuer that works', async () => {
    const report = await run(goodEnv(idp.issuer.replace('/oauth2/default', '/oauth2/aus-other')));
    const discovery = line(report, 'discovery');
    expect(discovery.status).toBe('error');
    expect(discovery.message).toContain('answered 404');
    expect(discovery.fix).toBe(
      `discovery works at ${idp.issuer}: set OKTA_ISSUER_URL=${idp.issuer}`,
    );
    for (const id of ['issuer', 'endpoints', 'redirect-uri', 'client', 'sign-out-uri']) {
      expect(line(report, id).status).toBe('skip');
    }
  });

  test('the discovery document URL instead of the issuer', async () => {
    const report = await run(goodEnv(`${idp.issuer}/.well-known/openid-configuration`));
    expect(line(report, 'issuer-url')).toMatchObject({
      status: 'error',
      fix: `set OKTA_ISSUER_URL=${idp.issuer} (the part before /.well-known/)`,
    });
    expect(line(report, 'issuer')).toMatchObject({
      status: 'error',
      fix: `set OKTA_ISSUER_URL=${idp.issuer}`,
    });
  });

  test('an unreachable issuer is an error with the reason, and the provider checks are skipped', async () => {
    const port = await freePort();
    const report = await run(goodEnv(`http://localhost:${port}/oauth2/default`));
    const discovery = line(report, 'discovery');
    expect(discovery.status).toBe('error');
    expect(discovery.message).toContain('connection refused');
    expect(discovery.fix).toContain('check the host and port of OKTA_ISSUER_URL');
    expect(report.counts.skip).toBe(7);
    expect(line(report, 'session-secret').status).toBe('ok'); // local checks still run
  });

  test('a provider that never answers is bounded by the timeout', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const report = await run(
        goodEnv(`http://localhost:${port}/oauth2/default`, { HTTP_TIMEOUT: '1' }),
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(line(report, 'discovery').message).toContain('no answer within 1 s (HTTP_TIMEOUT)');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  test('discovery names another issuer: the doctor says which one it answered', async () => {
    const doctored = await doctoredDiscovery(idp, (document) => ({
      ...document,
      issuer: 'https://login.example.com/oauth2/default',
    }));
    try {
      const report = await run(goodEnv(doctored.url));
      const issuer = line(report, 'issuer');
      expect(issuer.status).toBe('error');
      expect(issuer.message).toBe(
        `discovery at ${doctored.url}/ answered issuer "https://login.example.com/oauth2/default", but OKTA_ISSUER_URL is "${doctored.url}/": every ID token would be refused`,
      );
      expect(issuer.fix).toContain(
        'set OKTA_ISSUER_URL=https://login.example.com/oauth2/default if that provider is the one you mean',
      );
      // The other checks still run on the document, so one run shows every problem.
      expect(line(report, 'client').status).toBe('ok');
    } finally {
      await doctored.close();
    }
  });

  test("Okta's org authorization server is a warning that explains access tokens", async () => {
    // No Okta in tests: the org server's address is checked without a request.
    const { issuerUrlCheck } = await import('../../src/doctor/local.js');
    const result = issuerUrlCheck(
      'https://dev-123456.okta.com',
      'openid profile email offline_access',
    );
    expect(result.status).toBe('warn');
    expect(result.message).toContain('org authorization server');
    expect(result.message).toContain('your API cannot verify them');
    expect(result.fix).toContain('OKTA_ISSUER_URL=https://dev-123456.okta.com/oauth2/default');
  });
});

describe('client', () => {
  test('a wrong client secret: invalid_client, and the fix names OKTA_CLIENT_SECRET', async () => {
    const report = await run(goodEnv(idp.issuer, { OKTA_CLIENT_SECRET: 'not-the-secret' }));
    const client = line(report, 'client');
    expect(client.status).toBe('error');
    expect(client.message).toBe(
      `the provider refused OKTA_CLIENT_SECRET for OKTA_CLIENT_ID=${CLIENT.id} (invalid_client: client authentication failed)`,
    );
    expect(client.fix).toContain('copy the client secret again');
    expect(line(report, 'redirect-uri').status).toBe('ok'); // the id is known, so only the secret is wrong
  });

  test('a wrong client id: the provider does not know it', async () => {
    const report = await run(goodEnv(idp.issuer, { OKTA_CLIENT_ID: 'no-such-client' }));
    const client = line(report, 'client');
    expect(client.status).toBe('error');
    expect(client.message).toBe(
      'the provider does not know OKTA_CLIENT_ID=no-such-client: "client is invalid"',
    );
    expect(client.fix).toContain('copy the Client ID');
    expect(line(report, 'redirect-uri').status).toBe('skip');
  });

  test('a redirect URI the provider does not have: the exact URI to register, and what the provider said', async () => {
    const other = await startIdp({ redirectUri: 'https://app.example.com/callback' });
    try {
      const report = await run(goodEnv(other.issuer));
      const redirect = line(report, 'redirect-uri');
      expect(redirect.status).toBe('error');
      expect(redirect.message).toBe(
        `the provider refused the redirect URI ${BACKEND_URL}/signin-oidc: "redirect_uri did not match any of the client's registered redirect_uris"`,
      );
      expect(redirect.fix).toContain(
        `register exactly ${BACKEND_URL}/signin-oidc as a sign-in redirect URI`,
      );
      expect(line(report, 'client').status).toBe('ok');
    } finally {
      await other.close();
    }
  });

  test('a sign-out URI the provider does not have', async () => {
    const report = await run(goodEnv(idp.issuer, { FRONTEND_URL: 'http://localhost:5999' }));
    const signOut = line(report, 'sign-out-uri');
    expect(signOut.status).toBe('error');
    expect(signOut.message).toContain('post_logout_redirect_uri not registered');
    expect(signOut.fix).toContain(
      'register exactly http://localhost:5999 as a sign-out redirect URI',
    );
  });
});

describe('backend', () => {
  test('http BACKEND_URL on a public host: cookies cannot be Secure', async () => {
    const report = await run(goodEnv(idp.issuer, { BACKEND_URL: 'http://app.example.com' }));
    const cookies = line(report, 'cookies');
    expect(cookies.status).toBe('error');
    expect(cookies.message).toContain('the session cookie cannot be Secure');
    expect(cookies.fix).toContain('BACKEND_URL=https://app.example.com');
    expect(line(report, 'cookie-site').status).toBe('warn'); // localhost front end, other site
  });

  test('a weak SESSION_SECRET is an error in production and a warning in development', async () => {
    const weak = 'my-session-secret-for-production-use';
    const production = await run(
      goodEnv(idp.issuer, { SESSION_SECRET: weak, NODE_ENV: 'production' }),
    );
    expect(line(production, 'session-secret')).toMatchObject({
      status: 'error',
      message: `${weak.length} characters but easy to guess: it contains a common word or placeholder`,
      fix: 'set SESSION_SECRET to a random value: openssl rand -base64 32',
    });
    expect(production.ok).toBe(false);

    const development = await run(goodEnv(idp.issuer, { SESSION_SECRET: 'ab'.repeat(20) }));
    expect(line(development, 'session-secret')).toMatchObject({ status: 'warn' });
    expect(line(development, 'session-secret').message).toContain(
      'it repeats the same 2 characters',
    );
    expect(line(development, 'session-secret').message).not.toContain('abab');
  });

  test('a short SESSION_SECRET stops the server, and both lines say so', async () => {
    const report = await run(goodEnv(idp.issuer, { SESSION_SECRET: 'short' }));
    expect(line(report, 'configuration').message).toBe(
      'npm run serve would stop: SESSION_SECRET must be at least 32 characters, got 5',
    );
    expect(line(report, 'session-secret').status).toBe('error');
  });

  test('no SESSION_SECRET outside development', async () => {
    const report = await run(
      goodEnv(idp.issuer, { SESSION_SECRET: undefined, NODE_ENV: 'production' }),
    );
    expect(line(report, 'session-secret')).toMatchObject({ status: 'error' });
    expect(line(report, 'configuration').message).toContain(
      'SESSION_SECRET is required outside local development',
    );
  });

  test('a session store that cannot be opened', async () => {
    const report = await run(
      goodEnv(idp.issuer, { SESSION_STORE: 'sqlite:/dev/null/sessions.db' }),
    );
    expect(line(report, 'session-store')).toMatchObject({ status: 'error' });
    expect(line(report, 'session-store').message).toContain(
      'SESSION_STORE=sqlite:/dev/null/sessions.db cannot be opened',
    );
  });

  test('missing variables are listed at once, and a misspelt one is pointed out', async () => {
    const missing = await run({ OKTA_ISSUER_URL: idp.issuer });
    expect(line(missing, 'configuration')).toMatchObject({
      status: 'error',
      message:
        'not set: OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, BACKEND_URL, FRONTEND_URL; variables from the environment only, no env file',
    });

    const typo = await run({ ...goodEnv(idp.issuer), OKTA_CLIENT_SECRT: 'x' });
    expect(line(typo, 'configuration')).toMatchObject({
      status: 'warn',
      message:
        'valid, but these variables are not read: OKTA_CLIENT_SECRT (did you mean OKTA_CLIENT_SECRET?)',
    });
  });
});

test("the clock against the provider's Date header", async () => {
  const tenMinutesAgo = () => new Date(Date.now() - 10 * 60_000).toUTCString();
  const doctored = await doctoredDiscovery(idp, (document, url) => ({ ...document, issuer: url }), {
    date: tenMinutesAgo,
  });
  try {
    const report = await run(goodEnv(doctored.url));
    const clock = line(report, 'clock');
    expect(clock.status).toBe('error');
    expect(clock.message).toMatch(/^this machine's clock is 60\d s ahead of the provider's/);
    expect(clock.fix).toContain('synchronize');
  } finally {
    await doctored.close();
  }
});

test('the report reads as one line per check, the fix under it', async () => {
  const report = await run(goodEnv(idp.issuer, { OKTA_CLIENT_SECRET: 'not-the-secret' }));
  const text = formatDoctorReport(report);
  expect(text).toContain('  error client id and secret   the provider refused OKTA_CLIENT_SECRET');
  expect(text).toMatch(/\n {31}fix: copy the client secret again/);
  expect(text.trim().split('\n').at(-1)).toBe('13 ok, 1 warning, 1 error');
});
