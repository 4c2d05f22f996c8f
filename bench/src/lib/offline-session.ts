// A Gatehouse that never meets its provider, and one session made by createTestSession: what
// the cookie-path tools (cookie-path.ts, targets/guard-steps.ts) time the guard against.
import { createGatehouse, MemoryStore, type GatehouseLogger } from '@gatehouse/server';
import { createTestSession } from '@gatehouse/server/testing';

function quiet(): GatehouseLogger {
  const noop = () => {};
  return {
    info: noop,
    warn: noop,
    error: noop,
    debug: noop,
    fatal: noop,
    trace: noop,
    child: quiet,
  };
}

/** Options whose issuer is a closed port: discovery is never needed on the cookie path. */
export function offlineOptions(backendUrl: string) {
  return {
    issuer: 'http://localhost:9/oauth2/default',
    clientId: 'bench',
    clientSecret: 'bench-secret',
    backendUrl,
    frontendUrl: 'http://localhost:5173',
    sessionSecret: 'cookie-path-benchmark-secret-of-32-characters',
    logger: quiet(),
  };
}

const ADA = { sub: '00u1ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['admins'] };

/**
 * A new session's id, store key and record, its tokens the size of a real sign-in's: written by
 * createTestSession into a memory store, so a caller can copy it into the store it times.
 */
export async function offlineSession(options: ReturnType<typeof offlineOptions>) {
  const store = new MemoryStore();
  const gatehouse = createGatehouse({ ...options, sessionStore: store });
  try {
    const { value: id } = await createTestSession(gatehouse, {
      user: ADA,
      // docs/benchmarks.md: a real sign-in's tokens are 1,765 B as JSON.
      tokens: {
        access_token: 'a'.repeat(820),
        refresh_token: 'r'.repeat(43),
        id_token: 'i'.repeat(860),
      },
      accessTokenExpiresIn: 3600,
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    });
    const { key, record } = (await store.listBySubject(ADA.sub))[0]!;
    return { id, key, record };
  } finally {
    await gatehouse.close();
  }
}
