import type { DevIdp } from '@gatehouse/dev-idp';
import { ConfigError, createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { doctor, formatDoctorReport } from '@gatehouse/server/doctor';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { captureLog, freePort } from '../support/stack.js';
import { goodEnv, line, startIdp } from './support.js';

const PASSWORD = 'Pa55-w0rd-in-the-store-url';

/** SESSION_STORE spellings the loader refuses: each error used to repeat the whole URL. */
const REFUSED = [
  `valkey://app:${PASSWORD}@cache.internal:6379`,
  `REDIS://app:${PASSWORD}@cache.internal:6379`,
  ` redis://app:${PASSWORD}@cache.internal:6379`,
  `app:${PASSWORD}@cache.internal:6379`,
];

let idp: DevIdp;
let closedPort: number;
beforeAll(async () => {
  idp = await startIdp();
  closedPort = await freePort();
});
afterAll(async () => {
  await idp?.close();
});

/** Spellings the loader accepts, with a password, on a port where nothing listens. */
const accepted = () => [
  `redis://app:${PASSWORD}@127.0.0.1:${closedPort}`,
  `redis://127.0.0.1:${closedPort}/0?password=${PASSWORD}`,
  `postgres://app:${PASSWORD}@127.0.0.1:${closedPort}/sessions`,
  `postgresql://127.0.0.1:${closedPort}/sessions?user=app&password=${PASSWORD}`,
];

describe('npm run serve: a SESSION_STORE with a password never reaches a message or a log line (credential leak)', () => {
  test.each(REFUSED)(
    'refused spelling %j: the ConfigError names SESSION_STORE, not the password',
    (spec) => {
      const { logger, lines } = captureLog();
      let thrown: unknown;
      try {
        createGatehouse(
          { ...optionsFromEnv(goodEnv(idp.issuer, { SESSION_STORE: spec })), logger },
          ENV_NAMES,
        );
      } catch (error) {
        thrown = error;
      }
      const message = (thrown as ConfigError).message;
      expect(message).not.toContain(PASSWORD);
      expect(thrown).toBeInstanceOf(ConfigError);
      expect(message).toMatch(
        /^SESSION_STORE must be memory, sqlite:<path>, redis:\/\/\.\.\., rediss:\/\/\.\.\., redis-cluster:\/\/\.\.\., redis-sentinel:\/\/\.\.\. or postgres:\/\/\.\.\., got "/,
      );
      expect(message).toContain(`got ${JSON.stringify(spec.replace(PASSWORD, '***'))}`);
      expect((thrown as Error).stack).not.toContain(PASSWORD);
      expect(lines.join('\n')).not.toContain(PASSWORD);
    },
  );

  test('a leading space is shown quoted, so the operator sees it', () => {
    expect(() =>
      createGatehouse(
        optionsFromEnv(
          goodEnv(idp.issuer, { SESSION_STORE: ` redis://app:${PASSWORD}@cache.internal:6379` }),
        ),
        ENV_NAMES,
      ),
    ).toThrow('got " redis://app:***@cache.internal:6379"');
  });

  test('accepted spellings: the log line of a store that cannot be reached carries no password', async () => {
    for (const spec of accepted()) {
      const { logger, lines } = captureLog();
      const gatehouse = createGatehouse(
        { ...optionsFromEnv(goodEnv(idp.issuer, { SESSION_STORE: spec })), logger },
        ENV_NAMES,
      );
      try {
        const readiness = await gatehouse.readiness(3000);
        expect(readiness.ready).toBe(false);
        expect(JSON.stringify(readiness)).not.toContain(PASSWORD);
      } finally {
        await gatehouse.close();
      }
      expect(lines.join('\n')).not.toContain(PASSWORD);
    }
  });
});

describe('gatehouse doctor: no report line carries the store password, text or --json (credential leak)', () => {
  test.each(REFUSED)('refused spelling %j: an error line with the URL redacted', async (spec) => {
    const report = await doctor({
      env: goodEnv(idp.issuer, { SESSION_STORE: spec }),
      envFile: false,
      timeout: 2,
    });
    const store = line(report, 'session-store');
    expect(store.status).toBe('error');
    expect(store.message).toContain('SESSION_STORE');
    expect(store.message).toContain(`got ${JSON.stringify(spec.replace(PASSWORD, '***'))}`);
    expect(JSON.stringify(report)).not.toContain(PASSWORD);
    expect(formatDoctorReport(report)).not.toContain(PASSWORD);
    expect(line(report, 'configuration').message).not.toContain(PASSWORD);
  });

  test('accepted spellings that do not answer: an error line with the URL redacted', async () => {
    for (const spec of accepted()) {
      const report = await doctor({
        env: goodEnv(idp.issuer, { SESSION_STORE: spec }),
        envFile: false,
        timeout: 2,
      });
      expect(line(report, 'session-store')).toMatchObject({
        status: 'error',
        message: expect.stringContaining('does not answer'),
      });
      expect(JSON.stringify(report)).not.toContain(PASSWORD);
      expect(formatDoctorReport(report)).not.toContain(PASSWORD);
    }
  });
});
