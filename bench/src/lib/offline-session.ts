// A Gatehouse that never meets its provider, and one session made straight in its store: what
// the cookie-path tools (cookie-path.ts, targets/guard-steps.ts) time the guard against.
import type { GatehouseLogger, SessionRecord } from '@gatehouse/server';
import { parseConfig } from '../../../packages/server/src/config/parse.js';
import {
  newSessionId,
  sealTokens,
  sessionKeyOf,
} from '../../../packages/server/src/session/crypto.js';

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

/** A new session's id, store key and record, its tokens the size of a real sign-in's. */
export function offlineSession(options: ReturnType<typeof offlineOptions>) {
  const { keys } = parseConfig(options as never);
  const id = newSessionId();
  const key = sessionKeyOf(id)!;
  const now = Math.floor(Date.now() / 1000);
  const record: SessionRecord = {
    user: { sub: '00u1ada', name: 'Ada Lovelace', email: 'ada@example.com', groups: ['admins'] },
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + 3600,
    accessTokenExpiresAt: now + 3600,
    refreshable: true,
    // docs/benchmarks.md: a real sign-in's tokens are 1,765 B as JSON.
    tokens: sealTokens(
      { access_token: 'a'.repeat(820), refresh_token: 'r'.repeat(43), id_token: 'i'.repeat(860) },
      keys.tokens[0]!.key,
      key,
    ),
    tokenKey: keys.tokens[0]!.id,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
  };
  return { id, key, record };
}
