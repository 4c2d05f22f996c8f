import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeCertificates, type TestCertificates } from './certificates.js';

const scenario = fileURLToPath(new URL('./mtls-scenario.ts', import.meta.url));

let certificates: TestCertificates;
let outcome: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  certificates = makeCertificates();
  // A child process, so that Node trusts the test CA from its start (NODE_EXTRA_CA_CERTS):
  // Gatehouse verifies the provider's https certificate as in production, nothing turned off.
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--conditions=@gatehouse/source', '--import', 'tsx', scenario, certificates.dir],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: certificates.caFile }, timeout: 60_000 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  outcome = JSON.parse(stdout.trim().split('\n').at(-1)!);
});
afterAll(() => rmSync(certificates.dir, { recursive: true, force: true }));

describe('tls_client_auth against the dev IdP over https', () => {
  test('the issuer is https', () => {
    expect(outcome.issuer).toMatch(/^https:\/\/localhost:\d+\/oauth2\/default$/);
  });

  test('signs in with the client certificate, through PAR', () => {
    expect(outcome.withPar).toMatchObject({
      login: 302,
      authorizeParams: ['client_id', 'request_uri'],
      callback: 302,
      session: true,
      me: 200,
      email: 'ada@example.com',
    });
  });

  test('signs in with the client certificate, without PAR', () => {
    expect(outcome.withoutPar).toMatchObject({ login: 302, callback: 302, session: true, me: 200 });
  });

  test('a certificate whose subject is not the registered one (another client’s identity) is refused: a readable 502 page, no session', () => {
    expect(outcome.otherSubject).toMatchObject({
      login: 302,
      callback: 502,
      session: false,
      me: 401,
    });
  });
});
