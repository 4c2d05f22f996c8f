import * as client from 'openid-client';
import type { Logger } from 'pino';
import {
  GatehouseError,
  ProviderTimeoutError,
  SessionExpiredError,
  TokenValidationError,
} from '../errors.js';
import type { LoadedSession, Sessions } from '../session/sessions.js';
import { epochSeconds, SESSION_ENDED } from '../session/sessions.js';
import { grantedScopes, userOfTokens } from './user.js';
import { callProvider, channels } from '../observe.js';
import type { Provider } from './provider.js';

const ENDED_CODE = new SessionExpiredError('').code;

/**
 * Refreshes a session's access token once it has expired. Concurrent requests of one session
 * share one refresh (a rotated refresh token can be redeemed once only). A refused refresh
 * (`invalid_grant`: revoked, user disabled) ends the session; a provider outage answers 503
 * and keeps the session for the next try.
 */
export class Refresher {
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly provider: Provider,
    private readonly sessions: Sessions,
    private readonly log: Logger,
    /** How long one instance may hold the refresh lock: longer than a refresh can take. */
    private readonly lockTtlMs = 15_000,
  ) {}

  needsRefresh({ record }: LoadedSession): boolean {
    return (
      record.refreshable &&
      record.accessTokenExpiresAt > 0 &&
      record.accessTokenExpiresAt <= epochSeconds()
    );
  }

  refresh(session: LoadedSession): Promise<void> {
    let running = this.#inFlight.get(session.key);
    if (!running) {
      running = this.#refresh(session).finally(() => this.#inFlight.delete(session.key));
      this.#inFlight.set(session.key, running);
    }
    return running;
  }

  /**
   * With a store shared by several instances, one instance refreshes (it holds the store's
   * lock) and the others wait for the tokens it stores: the rotated refresh token is redeemed once.
   */
  async #refresh(session: LoadedSession): Promise<void> {
    const store = this.sessions.store;
    if (!store.lock) return this.#redeem(session);
    const release = await store.lock(`refresh:${session.key}`, this.lockTtlMs);
    if (!release) return this.#awaitOtherInstance(session);
    try {
      const current = await store.get(session.key);
      if (!current) throw new SessionExpiredError(SESSION_ENDED, 'session gone before refresh');
      if (current.accessTokenExpiresAt !== session.record.accessTokenExpiresAt) return;
      await this.#redeem({ key: session.key, record: current });
    } finally {
      await release().catch(() => {});
    }
  }

  async #awaitOtherInstance(session: LoadedSession): Promise<void> {
    const deadline = Date.now() + this.lockTtlMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const record = await this.sessions.store.get(session.key);
      if (!record)
        throw new SessionExpiredError(SESSION_ENDED, 'session ended during refresh elsewhere');
      if (record.accessTokenExpiresAt !== session.record.accessTokenExpiresAt) return;
    }
    throw new ProviderTimeoutError('Refreshing the session took too long. Try again in a moment.');
  }

  async #redeem(session: LoadedSession): Promise<void> {
    const configuration = await this.provider.configuration();
    const current = this.sessions.tokens(session);
    try {
      const tokens = await callProvider('refresh', () =>
        client.refreshTokenGrant(configuration, current.refresh_token!),
      );
      const claims = tokens.claims();
      // OIDC Core 12.2: a refreshed ID token must name the same user.
      if (claims && claims.sub !== session.record.user.sub) {
        throw new TokenValidationError(
          'The identity provider changed the signed-in user.',
          'refresh: sub changed',
        );
      }
      const expiresIn = tokens.expiresIn();
      // Written only while the session lives: a sign-out during the refresh wins (401).
      await this.sessions.update(session, {
        tokens: {
          access_token: tokens.access_token,
          refresh_token: tokens.refresh_token ?? current.refresh_token!,
          ...((tokens.id_token ?? current.id_token) && {
            id_token: tokens.id_token ?? current.id_token!,
          }),
        },
        accessTokenExpiresAt: expiresIn === undefined ? 0 : epochSeconds() + expiresIn,
        // A new ID token says who the user is now: removed from a group, they lose it here.
        user: claims && (await userOfTokens(configuration, claims, tokens.access_token, this.log)),
        scopes: grantedScopes(tokens),
      });
      this.log.debug({ sub: session.record.user.sub }, 'access token refreshed');
      channels.refresh.publish({ ok: true });
    } catch (error) {
      channels.refresh.publish({ ok: false, code: (error as GatehouseError).code });
      // An outage keeps the session for the next try; an ended one is already gone.
      if (error instanceof GatehouseError && (error.status >= 500 || error.code === ENDED_CODE))
        throw error;
      await this.sessions.end(session);
      throw new SessionExpiredError(
        SESSION_ENDED,
        error instanceof GatehouseError ? error.detail : String(error),
      );
    }
  }
}
