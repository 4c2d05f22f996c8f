/** The Redis SESSION_STORE spellings: what each passes to ioredis, and what a typo says. */
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { openStore } from '../../src/session/open-store.js';
import { redisTargetOf } from '../../src/session/stores/redis-url.js';

describe('Redis spellings', () => {
  test('redis:// and rediss:// go to ioredis as they are', () => {
    expect(redisTargetOf('rediss://app:pw@cache:6380/2')).toEqual({
      kind: 'server',
      url: 'rediss://app:pw@cache:6380/2',
    });
  });

  test('redis-cluster:// lists its nodes, with credentials for every node; rediss-cluster:// adds TLS', () => {
    expect(redisTargetOf('redis-cluster://app:p%40ss@n1:7000,n2,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      options: { username: 'app', password: 'p@ss' },
    });
    expect(redisTargetOf('rediss-cluster://:pw@n1:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }],
      options: { password: 'pw', tls: {} },
    });
  });

  test('redis-sentinel:// names its sentinels and master, with credentials for the master and, as parameters, for the sentinels; rediss-sentinel:// adds TLS to both', () => {
    expect(
      redisTargetOf(
        'rediss-sentinel://app:pw@s1:26380,s2/my%20master?sentinelUsername=watch&sentinelPassword=spw&db=3',
      ),
    ).toEqual({
      kind: 'sentinel',
      options: {
        username: 'app',
        password: 'pw',
        name: 'my master',
        sentinels: [
          { host: 's1', port: 26380 },
          { host: 's2', port: 26379 },
        ],
        db: 3,
        sentinelUsername: 'watch',
        sentinelPassword: 'spw',
        tls: {},
        enableTLSForSentinelMode: true,
        sentinelTLS: {},
      },
    });
  });

  test.each([
    ['redis-sentinel://s1:26379', 'needs the master name'],
    ['redis-sentinel://s1:26379/m?password=pw', 'not password'],
    ['redis-sentinel://s1:26379/m?db=x', 'db must be a number'],
    ['redis-cluster://n1:7000/2', 'no database path'],
    ['redis-cluster://:pw@n1:7000,,n2', 'host:port pairs'],
    ['redis-cluster://:pw@n1:port', 'host:port pairs'],
  ])(
    '%s is a configuration error at startup that says what is wrong, never the password',
    (spec, says) => {
      let thrown: unknown;
      try {
        openStore(spec, 'SESSION_STORE', silentLogger);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: 'ERR_CONFIG' });
      const message = (thrown as Error).message;
      expect(message).toMatch(/^SESSION_STORE: /);
      expect(message).toContain(says);
      expect(message).not.toContain('pw');
    },
  );
});
