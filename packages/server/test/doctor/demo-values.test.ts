import type { DevIdp } from '@gatehouse/dev-idp';
import { doctor, formatDoctorReport } from '@gatehouse/server/doctor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isKnownDemoSecret, isLoopbackIssuer } from '../../src/config/demo-values.js';
import { demoValuesCheck } from '../../src/doctor/local.js';
import { goodEnv, line, startIdp } from './support.js';

const DEMO_SECRET = 'gatehouse-demo-secret';

let idp: DevIdp;
beforeAll(async () => {
  idp = await startIdp();
});
afterAll(async () => {
  await idp?.close();
});

describe("the demo's values in production (a published secret, the dev IdP's issuer)", () => {
  test('NODE_ENV=production with the loopback issuer and the demo client secret: an error, and the report fails', async () => {
    const report = await doctor({
      env: goodEnv(idp.issuer, { NODE_ENV: 'production', OKTA_CLIENT_SECRET: DEMO_SECRET }),
      envFile: false,
    });
    expect(line(report, 'demo-values')).toEqual({
      id: 'demo-values',
      title: 'demo values',
      status: 'error',
      message:
        'OKTA_ISSUER_URL is on loopback (a provider on this machine, such as the dev IdP); OKTA_CLIENT_SECRET is a secret published with the demo, known to anyone: not for NODE_ENV=production',
      fix: "set OKTA_ISSUER_URL to your provider's issuer; set OKTA_CLIENT_SECRET to the secret the provider issued for your client",
    });
    expect(report.ok).toBe(false);
    // The secret itself is named by its variable, never printed.
    expect(JSON.stringify(report)).not.toContain(DEMO_SECRET);
    expect(formatDoctorReport(report)).not.toContain(DEMO_SECRET);
  });

  test('NODE_ENV=production with the loopback issuer alone: an error', async () => {
    const report = await doctor({
      env: goodEnv(idp.issuer, { NODE_ENV: 'production' }),
      envFile: false,
    });
    expect(line(report, 'demo-values')).toMatchObject({
      status: 'error',
      message:
        'OKTA_ISSUER_URL is on loopback (a provider on this machine, such as the dev IdP): not for NODE_ENV=production',
    });
    expect(report.ok).toBe(false);
  });

  test('outside production the same values are a warning', async () => {
    const report = await doctor({
      env: goodEnv(idp.issuer, { OKTA_CLIENT_SECRET: ` ${DEMO_SECRET} ` }),
      envFile: false,
    });
    expect(line(report, 'demo-values')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /OKTA_CLIENT_SECRET is a secret published with the demo, known to anyone: for local development only$/,
      ),
    });
  });

  test('a real issuer and secret: no line', () => {
    const issuer = 'https://dev-123456.okta.com/oauth2/default';
    expect(demoValuesCheck({ issuer, clientSecret: 'kX9-real-secret-from-okta' }, true)).toBe(
      undefined,
    );
    expect(demoValuesCheck({ issuer, clientSecret: 'gatehouse-cli-secret' }, true)?.status).toBe(
      'error',
    );
  });

  test('a demo secret left in OKTA_CLIENT_SECRET but not used (private_key_jwt) is not flagged', async () => {
    const report = await doctor({
      env: goodEnv(idp.issuer, {
        NODE_ENV: 'production',
        CLIENT_AUTH: 'private_key_jwt',
        OKTA_CLIENT_SECRET: DEMO_SECRET,
      }),
      envFile: false,
    });
    expect(line(report, 'demo-values').message).not.toContain('OKTA_CLIENT_SECRET');
  });

  test('isKnownDemoSecret and isLoopbackIssuer, for the server and the doctor alike', () => {
    expect(isKnownDemoSecret('gatehouse-demo-secret')).toBe(true);
    expect(isKnownDemoSecret('gatehouse-cli-secret')).toBe(true);
    expect(isKnownDemoSecret('gatehouse-demo-secret-2')).toBe(false);
    expect(isKnownDemoSecret(undefined)).toBe(false);
    for (const issuer of [
      'http://localhost:7157/oauth2/default',
      'http://127.0.0.1:7157',
      'https://127.8.9.10/realms/x',
      'http://[::1]:7157',
      new URL('http://localhost:7157'),
    ]) {
      expect(isLoopbackIssuer(issuer)).toBe(true);
    }
    for (const issuer of ['https://dev-1.okta.com/oauth2/default', 'not a url', undefined]) {
      expect(isLoopbackIssuer(issuer)).toBe(false);
    }
  });
});
