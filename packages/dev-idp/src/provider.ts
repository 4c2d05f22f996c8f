import type * as OidcProvider from 'oidc-provider';
import type {
  AdapterFactory,
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  ResourceServer,
} from 'oidc-provider';
import type { JWK } from 'jose';
import { randomBytes } from 'node:crypto';
import { grantEverythingRequested, pushedOfflineAccess } from './consent.js';
import { mtlsFeature } from './mtls.js';
import { ACR_PASSWORD, ACR_TWO_FACTOR, stepUpPolicy } from './mfa.js';
import { errorPage, logoutPage, signedOutPage, type Page } from './pages.js';
import { SCOPE_CLAIMS, userClaims, type DevUser } from './users.js';

/**
 * The path of the issuer under the origin, as for Okta's default custom authorization server.
 *
 * @example
 * ```ts
 * const issuer = `http://localhost:7157${ISSUER_PATH}`; // http://localhost:7157/oauth2/default
 * ```
 */
export const ISSUER_PATH = '/oauth2/default';

/**
 * The audience of every access token, Okta's default for its default authorization server.
 *
 * @example
 * ```ts
 * await jwtVerify(accessToken, jwks, { issuer, audience: AUDIENCE });
 * ```
 */
export const AUDIENCE = 'api://default';

/** Where the login interaction lives, outside the issuer path. */
export const INTERACTION_PATH = '/interaction';

const RESOURCE_SCOPES = 'openid profile email offline_access groups api';
/** The demo orders API's resource indicator and scopes (docs/remote-apis.md). */
export const ORDERS_AUDIENCE = 'api://orders';
const ORDERS_SCOPES = 'orders:read orders:write';

/** Everything a Provider instance is built from; a key rotation rebuilds it with new `jwks`. */
export interface ProviderSettings {
  issuer: string;
  /** Where its login pages live ({@link INTERACTION_PATH} for the default tenant). */
  interactionPath: string;
  /** Its cookies' name prefix (`gatehouse_idp` for the default tenant). */
  cookiePrefix: string;
  users: readonly DevUser[];
  clients: readonly ClientMetadata[];
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  adapter: AdapterFactory;
  accessTokenTtl: number;
  idTokenTtl: number;
  refreshTokenTtl: number;
  accessTokenFormat: 'jwt' | 'opaque';
  /** Pushed authorization requests (RFC 9126), advertised in discovery. */
  par: boolean;
  /** Every DPoP proof must carry a nonce the provider issued (RFC 9449 section 8). */
  dpopNonce: boolean;
  /** `tls_client_auth` (RFC 8705) on an https listener that asks for client certificates. */
  mtls: boolean;
  onServerError: (error: unknown) => void;
}

let loading: Promise<typeof OidcProvider> | undefined;

/**
 * Imports oidc-provider once. Its import prints "Unsupported runtime" on Node 20, which the
 * project supports (engines `^20.19.0`) and on which the provider runs; that single line is
 * dropped so it does not show on every test run. Every other warning passes through.
 */
export function loadOidcProvider(): Promise<typeof OidcProvider> {
  loading ??= (async () => {
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
    };
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}

/** How the user signed in (`acr`, `amr`, `auth_time`), for access tokens too (RFC 9470 step-up). */
function signInOf(ctx: KoaContextWithOIDC | undefined): Record<string, unknown> {
  const source = ctx?.oidc.entities.AuthorizationCode ?? ctx?.oidc.entities.RefreshToken;
  if (!source?.acr) return {};
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}

function setPage(ctx: KoaContextWithOIDC, page: Page): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', page.csp);
  ctx.body = page.html;
}

/** oidc-provider configured to answer like an Okta custom authorization server. */
export async function createProvider(settings: ProviderSettings): Promise<OidcProvider.default> {
  const { default: Provider, errors, interactionPolicy } = await loadOidcProvider();
  const usersById = new Map(settings.users.map((user) => [user.id, user]));

  const resourceServer: ResourceServer = {
    scope: RESOURCE_SCOPES,
    audience: AUDIENCE,
    accessTokenTTL: settings.accessTokenTtl,
    accessTokenFormat: settings.accessTokenFormat,
    jwt: { sign: { alg: 'RS256' } },
  };

  // The demo's orders API (apps/demo/server/orders.ts): its own audience, through RFC 8707.
  const ordersServer: ResourceServer = {
    scope: ORDERS_SCOPES,
    audience: ORDERS_AUDIENCE,
    accessTokenTTL: settings.accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };

  const configuration: Configuration = {
    adapter: settings.adapter,
    clients: settings.clients,
    jwks: settings.jwks as Configuration['jwks'],
    cookies: {
      // Distinct names: cookies ignore ports, and the demo backend also lives on localhost.
      names: {
        session: `${settings.cookiePrefix}_session`,
        interaction: `${settings.cookiePrefix}_interaction`,
        resume: `${settings.cookiePrefix}_resume`,
      },
      keys: settings.cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    findAccount(_ctx, id) {
      const user = usersById.get(id);
      return user && { accountId: user.id, claims: () => userClaims(user) };
    },
    claims: { ...SCOPE_CLAIMS, sid: null, auth_time: null, acr: null, amr: null },
    // Okta's levels: a password, or a second factor (mfa.ts; the admins' one-time code).
    acrValues: [ACR_PASSWORD, ACR_TWO_FACTOR],
    scopes: ['openid', 'offline_access', 'api'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
      // Okta's ID tokens always carry auth_time.
      require_auth_time: true,
    },
    // Okta puts the profile claims in the ID token itself.
    conformIdTokenClaims: false,
    responseTypes: ['code'],
    clientAuthMethods: [
      'client_secret_basic',
      'client_secret_jwt',
      'client_secret_post',
      'private_key_jwt',
      'none',
      ...(settings.mtls ? ['tls_client_auth' as const] : []),
    ],
    pkce: { required: () => true },
    routes: {
      authorization: '/v1/authorize',
      token: '/v1/token',
      jwks: '/v1/keys',
      userinfo: '/v1/userinfo',
      end_session: '/v1/logout',
      introspection: '/v1/introspect',
      revocation: '/v1/revoke',
      pushed_authorization_request: '/v1/par',
    },
    interactions: {
      policy: stepUpPolicy(interactionPolicy),
      url: (_ctx, interaction) => `${settings.interactionPath}/${interaction.uid}`,
    },
    loadExistingGrant: grantEverythingRequested,
    extraParams: pushedOfflineAccess,
    rotateRefreshToken: true,
    ttl: {
      AccessToken: settings.accessTokenTtl,
      ClientCredentials: settings.accessTokenTtl,
      IdToken: settings.idTokenTtl,
      RefreshToken: settings.refreshTokenTtl,
      AuthorizationCode: 300,
      Interaction: 15 * 60,
      Session: 24 * 60 * 60,
      Grant: Math.max(settings.refreshTokenTtl, 24 * 60 * 60),
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Any confidential client may introspect (a resource server checking a CLI's token).
        allowedPolicy: (ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      backchannelLogout: { enabled: true },
      // DPoP-bound tokens when the client sends a proof (or registered dpop_bound_access_tokens).
      dPoP: {
        enabled: true,
        ...(settings.dpopNonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
      },
      pushedAuthorizationRequests: { enabled: settings.par },
      ...(settings.mtls ? { mTLS: mtlsFeature() } : {}),
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => setPage(ctx, logoutPage(form)),
        postLogoutSuccessSource: (ctx) =>
          setPage(ctx, signedOutPage(ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId)),
      },
      resourceIndicators: {
        enabled: true,
        // A request without `resource` gets a JWT for api://default, as at Okta.
        defaultResource: (_ctx, _client, oneOf) =>
          oneOf ? (oneOf.includes(AUDIENCE) ? AUDIENCE : oneOf) : AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator === ORDERS_AUDIENCE) return ordersServer;
          if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
    extraTokenClaims: (ctx, token) => ({
      ...signInOf(ctx),
      ver: 1,
      scp: token.scope ? token.scope.split(' ') : [],
      cid: token.clientId,
      ...('accountId' in token && token.accountId ? { uid: token.accountId } : {}),
    }),
    formats: {
      customizers: {
        // Okta's access token: `sub` is the user's login (the client id for client
        // credentials), scopes only in `scp`, client only in `cid`, header without `typ`.
        jwt: (_ctx, token, parts) => {
          const user = 'accountId' in token ? usersById.get(token.accountId) : undefined;
          if (user) parts.payload.sub = user.email;
          delete parts.payload.scope;
          delete parts.payload.client_id;
          parts.header = { ...parts.header, typ: undefined };
        },
      },
    },
    renderError: (ctx, out) =>
      setPage(ctx, errorPage('Sign-in problem', out.error_description ?? out.error, out.error)),
    clientBasedCORS: (_ctx, origin, client) =>
      [...(client.redirectUris ?? []), ...(client.postLogoutRedirectUris ?? [])].some(
        (uri) => URL.parse(uri)?.origin === origin,
      ),
    // oidc-provider pins an SSRF-guarding dispatcher that refuses loopback addresses; the
    // dev IdP's only outgoing calls (back-channel logout) go to the local backend.
    fetch: (url, init) => {
      const withoutGuard: RequestInit & { dispatcher?: unknown } = { ...init };
      delete withoutGuard.dispatcher;
      return fetch(url, withoutGuard);
    },
  };

  const provider = new Provider(settings.issuer, configuration);
  provider.use(async (ctx, next) => {
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('referrer-policy', 'no-referrer');
    // A script-src for oidc-provider's own form_post pages to add their hash to.
    ctx.set(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    await next();
  });
  provider.on('server_error', (_ctx, error) => settings.onServerError(error));
  return provider;
}
