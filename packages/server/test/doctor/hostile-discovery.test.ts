import type { DoctorReport } from '@gatehouse/server/doctor';
import { doctor, formatDoctorReport } from '@gatehouse/server/doctor';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { notCalled } from '../../src/doctor/reach.js';
import { formatDoctorJson } from '../../src/doctor/report.js';
import { goodEnv, line, serve } from './support.js';

const MARKER = 'MARKER-from-another-origin';
const PAINTED = '\x1b[2K\r  \x1b[32mok\x1b[0m    all good \u009b31m \u202e';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A server on loopback that records its requests; `url` is `http://127.0.0.1:<port>`. */
async function recorder(handler: Handler) {
  const served = await serve(() => handler);
  closers.push(served.close);
  const hits: string[] = [];
  served.server.prependListener('request', (request: IncomingMessage) => hits.push(request.url!));
  return { url: served.url.replace('localhost', '127.0.0.1'), hits };
}

/**
 * A server reached by this machine's first address outside loopback (plain http to another
 * host, as far as the doctor can tell), recording every request.
 */
async function outsideHost() {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((item) => item?.family === 'IPv4' && !item.internal)?.address;
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(request.url!);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  server.listen(0, '0.0.0.0');
  await once(server, 'listening');
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  // Without such an address, a name that cannot resolve: "not called" must still come first.
  const host = address ?? 'gatehouse-doctor-outside.invalid';
  return { url: `http://${host}:${(server.address() as AddressInfo).port}`, hits };
}

/** A provider on loopback whose discovery document is `document(issuer)`; other paths: `paths`. */
async function hostileIssuer(
  document: (issuer: string) => Record<string, unknown>,
  paths: Record<string, Handler> = {},
) {
  const served = await serve((url) => (request, response) => {
    const path = new URL(request.url!, url).pathname;
    if (path === '/.well-known/openid-configuration') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(document(url)));
    } else if (paths[path]) paths[path]!(request, response);
    else response.writeHead(404).end();
  });
  closers.push(served.close);
  return served.url;
}

const text =
  (status: number, body: string): Handler =>
  (_, response) =>
    response.writeHead(status, { 'content-type': 'text/html' }).end(body);
const json =
  (status: number, body: unknown): Handler =>
  (_, response) =>
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const ESC = '\u001b';
/** The control and bidirectional characters of `written`, but the line breaks between its lines. */
const controls = (written: string) =>
  written.split('\n').flatMap((row) => row.match(/[\p{Cc}\u202e]/gu) ?? []);

const everything = (report: DoctorReport) =>
  [
    formatDoctorReport(report),
    formatDoctorReport(report, { color: true }),
    formatDoctorJson(report),
  ].join('\n');

describe('a discovery document that points the doctor at other hosts (SSRF, echo of foreign pages)', () => {
  test('plain http to another host is flagged and never called; another origin answers, but its body is never printed', async () => {
    const outside = await outsideHost();
    const foreign = await recorder((request, response) => {
      const path = new URL(request.url!, 'http://x').pathname;
      if (path === '/authorize') text(400, `<p>redirect_uri ${MARKER}</p>`)(request, response);
      else if (path === '/token')
        json(400, { error: 'invalid_client', error_description: MARKER })(request, response);
      else text(400, `post_logout_redirect_uri ${MARKER}`)(request, response);
    });
    const issuer = await hostileIssuer((url) => ({
      issuer: url,
      authorization_endpoint: `${foreign.url}/authorize`,
      token_endpoint: `${foreign.url}/token`,
      end_session_endpoint: `${foreign.url}/logout`,
      jwks_uri: `${outside.url}/jwks`,
      userinfo_endpoint: `${outside.url}/userinfo`,
    }));

    const report = await doctor({ env: goodEnv(issuer), envFile: false, timeout: 2 });

    const host = new URL(outside.url).host;
    expect(line(report, 'endpoints')).toMatchObject({
      status: 'error',
      message: `discovery names endpoints that would carry tokens or secrets in clear: jwks_uri ${outside.url}/jwks (not called: plain http to ${host} (https is required; http only on this machine)); userinfo_endpoint ${outside.url}/userinfo (not called: plain http to ${host} (https is required; http only on this machine))`,
    });
    expect(line(report, 'signing-keys')).toMatchObject({
      status: 'error',
      message: `cannot load ${outside.url}/jwks: not called: plain http to ${host} (https is required; http only on this machine)`,
    });
    expect(outside.hits).toEqual([]);

    // The other origin was asked (on loopback, as the issuer) and answered with the marker ...
    expect(foreign.hits.map((hit) => hit.split('?')[0])).toEqual(
      expect.arrayContaining(['/authorize', '/token', '/logout']),
    );
    // ... which no line repeats, in text or JSON.
    expect(everything(report)).not.toContain(MARKER);
    const notShown = `body not shown: ${foreign.url} is not the issuer's origin`;
    expect(line(report, 'redirect-uri').message).toBe(
      `the provider refused the redirect URI http://localhost:7156/signin-oidc (${notShown})`,
    );
    expect(line(report, 'client').message).toBe(
      `the provider refused OKTA_CLIENT_SECRET for OKTA_CLIENT_ID=doctor-client (invalid_client; ${notShown})`,
    );
    expect(line(report, 'sign-out-uri').message).toBe(
      `the provider refused the sign-out redirect URI http://localhost:5173 (${notShown})`,
    );
  });

  test('https is required of every endpoint; http only to loopback, for a loopback http issuer', () => {
    const https = new URL('https://login.example.com/oauth2/default');
    const local = new URL('http://localhost:7157/oauth2/default');
    expect(notCalled(new URL('https://other.example.net/keys'), https)).toBeUndefined();
    expect(notCalled(new URL('http://localhost:9/keys'), https)).toBe(
      'not called: plain http to localhost:9 (https is required)',
    );
    expect(notCalled(new URL('http://127.0.0.1:9/keys'), local)).toBeUndefined();
    expect(notCalled(new URL('http://169.254.169.254/latest'), local)).toBe(
      'not called: plain http to 169.254.169.254 (https is required; http only on this machine)',
    );
    expect(notCalled(new URL('file:///etc/passwd'), local)).toBe(
      'not called: a file: URL (https is required)',
    );
  });
});

describe('control characters in what a provider says (terminal repainting)', () => {
  test('an ANSI "ok" in the discovery document and in an error page is printed escaped', async () => {
    const issuer = await hostileIssuer(
      (url) => ({
        issuer: url,
        code_challenge_methods_supported: ['plain', PAINTED],
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
      }),
      {
        '/authorize': text(400, `<p>redirect_uri ${PAINTED}</p>`),
        '/token': json(400, { error: 'invalid_client', error_description: PAINTED }),
        '/jwks': json(200, { keys: [{ kty: 'oct' }] }),
      },
    );
    const report = await doctor({ env: goodEnv(issuer), envFile: false, timeout: 2 });
    // The report keeps the provider's words as they were; only the writing escapes them.
    expect(line(report, 'endpoints').message).toContain(PAINTED);
    expect(line(report, 'redirect-uri').message).toContain('\x1b[32mok');

    const plain = formatDoctorReport(report);
    expect(controls(plain)).toEqual([]);
    expect(plain).toContain(
      '\\u001b[2K\\u000d  \\u001b[32mok\\u001b[0m    all good \\u009b31m \\u202e',
    );
    // Each painted line keeps its own status; no line break or carriage return was let through.
    const rows = plain.split('\n');
    for (const row of [
      /^ {2}warn {2}endpoints {2,}/,
      /^ {2}error redirect URI {2,}/,
      /^ {2}error client id and secret {2,}/,
    ]) {
      expect(rows.find((shown) => row.test(shown))).toContain('\\u001b[32mok');
    }

    const colored = formatDoctorReport(report, { color: true });
    // Only the doctor's own colors remain.
    expect(controls(colored.replace(new RegExp(`${ESC}\\[(0|1|2|32|33|1;31)m`, 'g'), ''))).toEqual(
      [],
    );
    expect(colored).toContain('\\u001b[32mok');

    const written = formatDoctorJson(report);
    expect(controls(written)).toEqual([]);
    expect(JSON.parse(written)).toEqual(report);
  });
});
