import * as client from 'openid-client';
import type { Config } from '../config/parse.js';
import type { RemoteApi } from '../config/remote-apis.js';
import {
  ApiTokenRefusedError,
  GatehouseError,
  ProviderTimeoutError,
  SessionExpiredError,
} from '../errors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import { callProvider } from '../provider/provider-errors.js';
import type { ProviderContext, Providers } from '../provider/providers.js';
import { refreshTokenRevoker } from '../provider/revoke.js';
import type { DPoPPrivateJwk, SessionTokens } from '../session/crypto.js';
import { withProof, type DPoPKeys, type DPoPSigner } from '../session/dpop-key.js';
import {
  epochSeconds,
  SESSION_ENDED,
  type LoadedSession,
  type Sessions,
} from '../session/sessions.js';

/** An API token is replaced this many seconds before it expires, not only after. */
export const API_TOKEN_MARGIN = 30;

/** An API token as the session keeps it. */
type Entry = NonNullable<SessionTokens['apis']>[string];

interface Issued extends Entry {
  refresh_token?: string | undefined;
}

/** What a call to a remote API needs: the token, and for a DPoP-bound one the signer of its proofs. */
export interface ApiCredential {
  token: string;
  /** The session's DPoP key (docs/dpop.md); undefined for a Bearer token. */
  signer?: DPoPSigner | undefined;
}

/**
 * Tokens for remote APIs, one per session and API, kept sealed in the session's token blob (so
 * they end with it). A token comes from the session's refresh token with the API's `resource`
 * (RFC 8707), `audience` and `scope`, or from the `exchangeToken` hook (RFC 8693). One fetch
 * per session at a time: in this process (shared promise) and across instances (the store's
 * `refresh:` lock, the one the session's own refresh takes, so a rotating refresh token is
 * redeemed once). Every write is conditional: a sign-out during a fetch wins. A session with a
 * DPoP key asks with a proof of it, and a token the provider bound to it is kept as such.
 */
export class ApiTokens {
  readonly #inFlight = new Map<string, Promise<Entry>>();
  readonly #revokers = new WeakMap<ProviderContext, (refreshToken: string) => void>();

  /** `providers`: a session's tokens come from the provider it signed in at. */
  constructor(
    private readonly config: Config,
    private readonly sessions: Sessions,
    private readonly providers: Providers,
    private readonly log: Logger,
    private readonly lockTtlMs: number,
    private readonly dpopKeys: DPoPKeys,
  ) {}

  /** The discovery result of a session's provider. */
  async #configuration(provider: string | undefined): Promise<client.Configuration> {
    return (await this.providers.ofSession(provider)).discovery.configuration();
  }

  #revoke(refreshToken: string, provider: string | undefined): void {
    this.providers.ofSession(provider).then(
      (context) => {
        let revoke = this.#revokers.get(context);
        if (!revoke)
          this.#revokers.set(context, (revoke = refreshTokenRevoker(context.discovery, this.log)));
        revoke(refreshToken);
      },
      () => {},
    );
  }

  /**
   * The token for `api` of `session` (as this request loaded it) and, when it is DPoP-bound, the
   * signer of its proofs. `stale`: a token the API refused, never returned again; the store is
   * then read anew, for a token another request may have stored meanwhile. An API with
   * `useSessionToken` gets the session's own token.
   */
  async credential(session: LoadedSession, api: RemoteApi, stale?: string): Promise<ApiCredential> {
    const sessionKey = session.key;
    if (api.useSessionToken) {
      // Refused by the API: the store may hold one a refresh stored meanwhile.
      return this.sessionCredential(
        stale === undefined ? session : (await this.#read(sessionKey)).session,
      );
    }
    const tokens =
      stale === undefined ? this.sessions.tokens(session) : (await this.#read(sessionKey)).tokens;
    let entry = usable(tokens.apis?.[api.name], stale);
    if (!entry) {
      const flight = `${sessionKey} ${api.name}`;
      let running = this.#inFlight.get(flight);
      if (!running) {
        running = this.#fetch(sessionKey, api, stale).finally(() => this.#inFlight.delete(flight));
        this.#inFlight.set(flight, running);
      }
      entry = await running;
    }
    const key = entry.dpop ? tokens.dpop : undefined;
    return this.#credential(entry.access_token, key, session.record.provider);
  }

  /** The session's own access token and, when it is DPoP-bound, the signer of its proofs. */
  sessionCredential(session: LoadedSession): Promise<ApiCredential> {
    const tokens = this.sessions.tokens(session);
    return this.#credential(tokens.access_token, tokens.dpop, session.record.provider);
  }

  async #credential(
    token: string,
    key: DPoPPrivateJwk | undefined,
    provider: string | undefined,
  ): Promise<ApiCredential> {
    if (!key) return { token };
    const configuration = await this.#configuration(provider);
    return { token, signer: await this.dpopKeys.handle(configuration, key) };
  }

  /** The kept token when it is good for more than the margin. */
  async #kept(sessionKey: string, api: RemoteApi, stale?: string): Promise<Entry | undefined> {
    const { tokens } = await this.#read(sessionKey);
    return usable(tokens.apis?.[api.name], stale);
  }

  async #read(sessionKey: string) {
    const record = await this.sessions.reload(sessionKey);
    if (!record || record.expiresAt <= epochSeconds()) {
      throw new SessionExpiredError(SESSION_ENDED, 'session gone before an API token');
    }
    const session = { key: sessionKey, record };
    return { session, tokens: this.sessions.tokens(session) };
  }

  async #fetch(sessionKey: string, api: RemoteApi, stale: string | undefined): Promise<Entry> {
    const release = await this.#lock(sessionKey, api, stale);
    if (typeof release !== 'function') return release; // another holder stored one
    try {
      const { session, tokens } = await this.#read(sessionKey);
      const kept = usable(tokens.apis?.[api.name], stale);
      if (kept) return kept;
      const issued = await this.#issue(tokens, api, session);
      const entry: Entry = {
        access_token: issued.access_token,
        expires_at: issued.expires_at,
        ...(issued.dpop && { dpop: true }),
      };
      await this.#store(session, api, entry, tokens.refresh_token, issued.refresh_token);
      this.log.debug({ sub: session.record.user.sub, api: api.name }, 'API token issued');
      return entry;
    } finally {
      await release().catch(() => {});
    }
  }

  /**
   * Stores the API's token and the refresh token the provider rotated, only while the session
   * lives and its tokens are the ones last read. When another writer got there first (an
   * instance that re-sealed them under its SESSION_SECRET, a refresh whose lock expired), they
   * are read again and the token added to them, with the rotated refresh token: the one read is
   * spent. Unless that writer stored a refresh token of its own: then the provider issued two,
   * and this one is dropped, not revoked (revoking one may revoke the whole grant, RFC 7009
   * 2.1). When the session ended meanwhile, the rotated one is revoked, as a refresh's is.
   */
  async #store(
    read: LoadedSession,
    api: RemoteApi,
    entry: Entry,
    redeemed: string | undefined,
    rotated: string | undefined,
  ): Promise<void> {
    let session = read;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const tokens = this.sessions.tokens(session);
      const kept = rotated && tokens.refresh_token === redeemed ? rotated : tokens.refresh_token;
      const next: SessionTokens = {
        ...tokens,
        ...(kept && { refresh_token: kept }),
        apis: { ...tokens.apis, [api.name]: entry },
      };
      if (await this.sessions.updateTokens(session, next)) return;
      const record = await this.sessions.reload(session.key);
      if (!record || record.expiresAt <= epochSeconds()) {
        if (rotated && rotated !== redeemed) this.#revoke(rotated, read.record.provider);
        throw new SessionExpiredError(SESSION_ENDED, 'session ended during an API token');
      }
      session = { key: session.key, record };
    }
    this.log.warn({ api: api.name }, 'API token not stored: the session kept changing');
  }

  /**
   * The session's refresh lock (the one its own refresh takes): its release, or the token
   * another holder stored while this one waited for it.
   */
  async #lock(
    sessionKey: string,
    api: RemoteApi,
    stale: string | undefined,
  ): Promise<(() => Promise<void>) | Entry> {
    const deadline = Date.now() + this.lockTtlMs;
    for (;;) {
      const release = await this.sessions.lock(`refresh:${sessionKey}`, this.lockTtlMs);
      if (release !== false) return release;
      if (Date.now() >= deadline) {
        throw new ProviderTimeoutError('Getting a token for this API took too long. Try again.');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const kept = await this.#kept(sessionKey, api, stale);
      if (kept) return kept;
    }
  }

  async #issue(tokens: SessionTokens, api: RemoteApi, session: LoadedSession): Promise<Issued> {
    const sessionKey = session.key;
    const exchange = this.config.exchangeToken;
    if (exchange) {
      try {
        const { name, resource, audience, scopes } = api;
        const issued = await exchange({
          subjectToken: tokens.access_token,
          api: { name, resource, audience, scopes },
        });
        return { access_token: issued.access_token, expires_at: expiry(issued.expires_in) };
      } catch (error) {
        if (error instanceof GatehouseError) throw error;
        throw this.#refused(api, `exchangeToken: ${String(error)}`);
      }
    }
    if (!tokens.refresh_token) {
      throw this.#refused(api, 'the session has no refresh token (ask for offline_access)');
    }
    const configuration = await this.#configuration(session.record.provider);
    const DPoP = tokens.dpop && (await this.dpopKeys.handle(configuration, tokens.dpop));
    const parameters: Record<string, string> = {};
    if (api.resource) parameters.resource = api.resource;
    if (api.audience) parameters.audience = api.audience;
    if (api.scopes) parameters.scope = api.scopes;
    try {
      const response = await callProvider('api token', async () => {
        try {
          return await withProof('api token', DPoP, () =>
            client.refreshTokenGrant(configuration, tokens.refresh_token!, parameters, { DPoP }),
          );
        } catch (error) {
          if (error instanceof client.ResponseBodyError && REFUSALS.has(error.error)) {
            throw this.#refused(api, `${error.error}: ${error.error_description ?? ''}`);
          }
          throw error;
        }
      });
      return {
        access_token: response.access_token,
        expires_at: expiry(response.expiresIn()),
        refresh_token: response.refresh_token,
        // The provider decides per API whether it binds; a Bearer one is sent as Bearer.
        ...(DPoP && response.token_type === 'dpop' && { dpop: true }),
      };
    } catch (error) {
      // A refused refresh token (revoked, user disabled) ends the session, as a refresh does.
      if (error instanceof GatehouseError && error.code === 'ERR_GRANT_REJECTED') {
        const record = await this.sessions.reload(sessionKey);
        if (record) await this.sessions.end({ key: sessionKey, record });
        throw new SessionExpiredError(SESSION_ENDED, `API token for ${api.name}: ${error.detail}`);
      }
      throw error;
    }
  }

  #refused(api: RemoteApi, detail: string): ApiTokenRefusedError {
    const failure = new ApiTokenRefusedError(
      `The identity provider would not issue a token for ${api.resource ?? api.audience ?? api.name}.`,
      `${api.name}: ${detail}`,
    );
    this.log.warn({ api: api.name, detail }, 'API token refused');
    return failure;
  }
}

const REFUSALS = new Set(['invalid_target', 'invalid_scope', 'unauthorized_client']);

/** Conditional writes of an API token tried before it is given up (kept for this request only). */
const WRITE_ATTEMPTS = 3;

/** The kept entry unless it is the refused one or expires within the margin. */
function usable(entry: Entry | undefined, stale: string | undefined): Entry | undefined {
  if (!entry || entry.access_token === stale) return undefined;
  return entry.expires_at === 0 || entry.expires_at - API_TOKEN_MARGIN > epochSeconds()
    ? entry
    : undefined;
}

function expiry(expiresIn: number | undefined): number {
  return expiresIn === undefined ? 0 : epochSeconds() + expiresIn;
}
