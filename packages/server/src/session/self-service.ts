import { createHash } from 'node:crypto';
import { BrowserOnlyError, SessionNotFoundError } from '../errors.js';
import { json } from '../http/respond.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { Principal } from '../principal.js';
import type { Sessions } from './sessions.js';

/** A session's public handle: not its cookie, not its store key. */
function handleOf(key: string): string {
  return createHash('sha256').update(`handle:${key}`).digest('base64url').slice(0, 22);
}

/**
 * The caller's own routes: `GET /me` says who is signed in (cookie or Bearer). "Your devices":
 * `GET /sessions` lists the caller's sessions, `DELETE /sessions/:id` ends one ("sign out other
 * devices"); browser sessions only, as a Bearer token has no session to manage.
 */
export function selfServiceHandlers(
  sessions: Sessions,
  authenticate: (request: GatehouseRequest) => Promise<Principal>,
) {
  async function caller(request: GatehouseRequest) {
    const principal = await authenticate(request);
    if (principal.via !== 'session') {
      throw new BrowserOnlyError('Sessions are managed from a signed-in browser.');
    }
    return principal;
  }

  return {
    /** `GET /me`: who is signed in (a cookie or a Bearer caller), and until when. */
    async me(request: GatehouseRequest): Promise<GatehouseResponse> {
      const principal = await authenticate(request);
      return json(200, { user: principal.user, expiresAt: principal.expiresAt });
    },

    async list(request: GatehouseRequest): Promise<GatehouseResponse> {
      const principal = await caller(request);
      const mine = await sessions.listBySubject(principal.user.sub, principal.provider);
      return json(200, {
        sessions: mine
          .sort((a, b) => b.record.lastSeenAt - a.record.lastSeenAt)
          .map(({ key, record }) => ({
            id: handleOf(key),
            createdAt: record.createdAt,
            lastSeenAt: record.lastSeenAt,
            expiresAt: record.expiresAt,
            userAgent: record.userAgent ?? null,
            current: key === principal.sessionKey,
          })),
      });
    },

    async end(request: GatehouseRequest): Promise<GatehouseResponse> {
      const principal = await caller(request);
      const id = (request.params as { id?: string } | undefined)?.id;
      const mine = await sessions.listBySubject(principal.user.sub, principal.provider);
      const target = mine.find(({ key }) => handleOf(key) === id);
      if (!target) throw new SessionNotFoundError('No such session of yours.');
      await sessions.end(target);
      return { status: 204, headers: { 'cache-control': 'no-store' } };
    },
  };
}
