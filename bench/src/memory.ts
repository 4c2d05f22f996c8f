// Memory per idle session: N sessions made through the real `Sessions.create` path (a new id,
// its SHA-256 store key, the tokens sealed with AES-256-GCM) into a MemoryStore, with the
// tokens and user of a real sign-in at the dev IdP. Run with --expose-gc: the heap and the
// memory outside it (Buffers: the sealed tokens) are read after full collections, before and
// after, and the difference divided by N. Tokens are included; nothing else is alive.
import { MemoryStore, parseConfig, type SessionUser } from '@gatehouse/server';
import { Sessions, epochSeconds } from '../../packages/server/src/session/sessions.js';
import { fail, specOf } from './lib/child.js';

export interface MemorySpec {
  count: number;
  tokens: { access_token: string; refresh_token?: string; id_token?: string };
  user: SessionUser;
  sid?: string;
  userAgent: string;
}

export interface MemoryResult {
  count: number;
  bytesPerSession: number;
  heapPerSession: number;
  externalPerSession: number;
  tokenBytes: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function settle() {
  for (let i = 0; i < 4; i++) gc!();
  const { heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, external, arrayBuffers };
}

async function main() {
  if (!gc) throw new Error('run with --expose-gc');
  const spec = specOf<MemorySpec>();
  const store = new MemoryStore();
  const config = parseConfig({
    issuer: 'http://localhost:7157/oauth2/default',
    clientId: 'bench',
    clientSecret: 'bench-secret',
    backendUrl: 'http://localhost:7156',
    frontendUrl: 'http://localhost:5173',
    sessionSecret: 'bench-session-secret-'.repeat(2),
    sessionStore: store,
  });
  const sessions = new Sessions(store, config);
  const userJson = JSON.stringify(spec.user);
  const before = settle();
  for (let i = 0; i < spec.count; i++) {
    // Each session gets its own user object and strings, as parsed from its own ID token.
    const user = JSON.parse(
      userJson.replace(spec.user.sub, `${spec.user.sub}.${i}`),
    ) as SessionUser;
    await sessions.start({
      user,
      tokens: spec.tokens,
      accessTokenExpiresAt: epochSeconds() + 3600,
      ...(spec.sid && { sid: `${spec.sid}.${i}` }),
      userAgent: `${spec.userAgent} ${i}`,
    });
  }
  const after = settle();
  if (store.size !== spec.count)
    throw new Error(`the store holds ${store.size} sessions, not ${spec.count}`);
  const heap = after.heapUsed - before.heapUsed;
  const external = after.external - before.external;
  const result: MemoryResult = {
    count: spec.count,
    bytesPerSession: (heap + external) / spec.count,
    heapPerSession: heap / spec.count,
    externalPerSession: external / spec.count,
    tokenBytes: JSON.stringify(spec.tokens).length,
  };
  process.send!({ type: 'result', result });
  await store.close();
}

main().catch(fail);
