// Memory per idle session, in a fresh process (memory.ts), with a real sign-in's tokens and the
// user the backend keeps for it.
import type { MemoryResult, MemorySpec } from '../memory.js';
import { runToEnd } from './child.js';
import { realTokens } from './signin.js';

export interface MemoryPhaseSpec {
  issuer: string;
  /** A client of the bench's IdP whose redirect URI nobody serves: only its code is used. */
  client: { id: string; secret: string; redirectUri: string };
  /** The backend's `/me` with a session cookie: the user object a session holds. */
  me: { url: string; cookie: string };
  count: number;
}

const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export async function measureMemory(spec: MemoryPhaseSpec): Promise<MemoryResult> {
  const { sid, ...tokens } = await realTokens(
    spec.issuer,
    spec.client.id,
    spec.client.secret,
    spec.client.redirectUri,
  );
  const me = await fetch(spec.me.url, { headers: { cookie: spec.me.cookie } });
  const { user } = (await me.json()) as { user: MemorySpec['user'] };
  return runToEnd<MemoryResult>(
    'memory.ts',
    {
      count: spec.count,
      tokens,
      user,
      ...(sid && { sid }),
      userAgent: USER_AGENT,
    } satisfies MemorySpec,
    ['--expose-gc'],
  );
}
