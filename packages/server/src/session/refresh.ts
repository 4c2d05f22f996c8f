import type { GatehouseLogger as Logger } from '../logger.js';
import { GatehouseError, ProviderTimeoutError, SessionExpiredError } from '../errors.js';
import { channels, tracing } from '../events.js';
import type { SessionTokens } from './crypto.js';
import {
  epochSeconds,
  SESSION_ENDED,
  type LoadedSession,
  type Refreshed,
  type Sessions,
} from './sessions.js';

/**
 * Redeems a session's refresh token at the provider: the new tokens, and the user and scopes
 * when the provider sent them. Throws a {@link GatehouseError}: 5xx for an outage, 4xx when the
 * provider refused or its answer failed a check.
 */
export type RefreshGrant = (session: LoadedSession, tokens: SessionTokens) => Promise<Refreshed>;

const ENDED_CODE = new SessionExpiredError('').code;

/**
 * Refreshes a session's access token once it has expired. Concurrent requests of one session
 * share one refresh (a rotated refresh token can be redeemed once only), and with a store
 * shared by several instances one instance refreshes. A refused refresh (`invalid_grant`:
 * revoked, user disabled) ends the session; a provider outage answers 503 and keeps the
 * session for the next try; a sign-out during the refresh wins (see {@link Sessions.update}).
 */
export class Refresher {
  readonly #inFlight = new Map<string, Promise<LoadedSession>>();

  constructor(
    private readonly sessions: Sessions,
    private readonly grant: RefreshGrant,
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

  /**
   * The session with a fresh access token: refreshed here, or by another request or instance,
   * whose tokens it reads. Each caller gets its own copy, so no request sees another's writes.
   */
  async refresh(session: LoadedSession): Promise<LoadedSession> {
    let running = this.#inFlight.get(session.key);
    if (!running) {
      running = tracing.refresh
        .tracePromise(() => this.#refresh(session), { sub: session.record.user.sub })
        .finally(() => this.#inFlight.delete(session.key));
      this.#inFlight.set(session.key, running);
    }
    const { key, record } = await running;
    return { key, record };
  }

  /**
   * One holder of the session's refresh lock refreshes (this process's or, with a shared store,
   * any instance's); the others wait for the tokens it stores, then take the lock themselves
   * if the holder stored none (it fetched an API's token): a rotated refresh token is redeemed
   * once.
   */
  async #refresh(session: LoadedSession): Promise<LoadedSession> {
    const deadline = Date.now() + this.lockTtlMs;
    for (;;) {
      const release = await this.sessions.lock(`refresh:${session.key}`, this.lockTtlMs);
      if (release) {
        try {
          const current = await this.sessions.reload(session.key);
          if (!current) throw new SessionExpiredError(SESSION_ENDED, 'session gone before refresh');
          const stored = { key: session.key, record: current };
          if (current.accessTokenExpiresAt !== session.record.accessTokenExpiresAt) return stored;
          return await this.#redeem(stored);
        } finally {
          await release().catch(() => {});
        }
      }
      if (Date.now() >= deadline) {
        throw new ProviderTimeoutError(
          'Refreshing the session took too long. Try again in a moment.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const record = await this.sessions.reload(session.key);
      if (!record)
        throw new SessionExpiredError(SESSION_ENDED, 'session ended during refresh elsewhere');
      if (record.accessTokenExpiresAt !== session.record.accessTokenExpiresAt) {
        return { key: session.key, record };
      }
    }
  }

  /** The session with the grant's tokens stored (`update` sets its record). */
  async #redeem(session: LoadedSession): Promise<LoadedSession> {
    const current = this.sessions.tokens(session);
    try {
      // Written only while the session lives: a sign-out during the refresh wins (401).
      await this.sessions.update(session, await this.grant(session, current));
      this.log.debug({ sub: session.record.user.sub }, 'access token refreshed');
      channels.refresh.publish({ ok: true });
      return session;
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
