import {
  createGatehouse,
  ENV_NAMES,
  MemoryStore,
  optionsFromEnv,
  parseConfig,
  type GatehouseOptions,
  type Principal,
} from '@gatehouse/server';
import {
  gatehouseExpress,
  requireAuth,
  requireClaims,
  requireGroup,
  requireScope,
} from '@gatehouse/server/express';
import {
  gatehouseAuth,
  gatehouseFastify,
  requireAuth as fastifyGuard,
} from '@gatehouse/server/fastify';
import { CookieJar, signIn, type DevCredentials } from '@gatehouse/dev-idp/testing';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { pino } from 'pino';
import { expect } from 'vitest';

export const silent = pino({ level: 'silent' });

/** The settings parsed from a minimal Okta environment plus `overrides` (undefined: unset). */
export function configFromEnv(overrides: Record<string, string | undefined> = {}) {
  const env = {
    OKTA_ISSUER_URL: 'https://dev-1.okta.com/oauth2/default',
    OKTA_CLIENT_ID: 'client',
    OKTA_CLIENT_SECRET: 'secret',
    BACKEND_URL: 'https://api.example.com',
    FRONTEND_URL: 'https://app.example.com',
    SESSION_SECRET: 'x'.repeat(32),
  };
  return parseConfig(optionsFromEnv({ ...env, ...overrides }), ENV_NAMES);
}
export const ADA = { email: 'ada@example.com', password: 'ada-dev-password' };
export const SAM = { email: 'sam@example.com', password: 'sam-dev-password' };
export const CLI = { client_id: 'gatehouse-cli', client_secret: 'gatehouse-cli-secret' };
export const epoch = () => Math.floor(Date.now() / 1000);
export const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An http server on a free port; `listener` may be swapped after it listens. */
export async function listen(listener: RequestListener = () => {}) {
  const server = createServer((req, res) => handler.listener(req, res));
  const handler = { listener };
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    set listener(next: RequestListener) {
      handler.listener = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server that only counts the requests it gets: where `jku`/`x5u` point. */
export async function startHitCounter() {
  const counter = { hits: 0 };
  const server = await listen((_req, res) => {
    counter.hits++;
    res.end('{"keys":[]}');
  });
  return Object.assign(counter, { url: server.url, close: server.close });
}

/**
 * A minimal provider: discovery and a JWKS with one RSA key (`kid` k1), whose fetches it
 * counts. `jwks` switches to a 500 (`down`) or no answer (`hang`).
 */
export async function startFakeIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state = { keys: [publicJwk], jwks: 'up' as 'up' | 'down' | 'hang', jwksHits: 0 };
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const server = await listen();
  const issuer = `${server.url}/oauth2/default`;
  server.listener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/oauth2/default/.well-known/openid-configuration') {
      return send(res, 200, {
        issuer,
        jwks_uri: `${issuer}/v1/keys`,
        authorization_endpoint: `${issuer}/v1/authorize`,
        token_endpoint: `${issuer}/v1/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (req.url === '/oauth2/default/v1/keys') {
      state.jwksHits++;
      if (state.jwks === 'hang') return;
      if (state.jwks === 'down') return send(res, 500, { error: 'server_error' });
      return send(res, 200, { keys: state.keys });
    }
    send(res, 404, { error: 'not_found' });
  };

  return Object.assign(state, {
    issuer,
    privateKey,
    publicKey,
    publicJwk,
    close: server.close,
    /** Claims an Okta access token for `api://default` would carry, valid for 5 minutes. */
    claims(overrides: JWTPayload = {}): JWTPayload {
      const now = epoch();
      return {
        iss: issuer,
        aud: 'api://default',
        sub: 'ada@example.com',
        cid: 'gatehouse-cli',
        uid: '00u1ada',
        scp: ['api'],
        iat: now,
        exp: now + 300,
        ...overrides,
      };
    },
    /** Signs `claims` (our defaults unless given) with `key` (ours unless given). */
    sign(
      claims: JWTPayload = {},
      {
        key = privateKey,
        header = {},
      }: { key?: CryptoKey | Uint8Array; header?: Record<string, unknown> } = {},
    ): Promise<string> {
      return new SignJWT(this.claims(claims))
        .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...header } as { alg: string })
        .sign(key);
    },
  });
}

/** A response, whichever framework answered it. */
export interface Answer {
  status: number;
  header(name: string): string | undefined;
  setCookies: string[];
  body: { error?: string; [key: string]: unknown };
}
export type Call = (
  path: string,
  headers?: Record<string, string>,
  method?: 'GET' | 'POST',
) => Promise<Answer>;

/** The routes every test backend has, on either framework. */
const ROUTES = {
  '/secure-data': [] as const,
  '/api-scope': ['scope', 'api'],
  '/admin-scope': ['scope', 'api', 'admin'],
  '/openid-scope': ['scope', 'openid'],
  '/admins': ['group', 'admins'],
  '/ada-or-cli': ['claims'],
} as const;

const adaOrCli = (claims: Record<string, unknown>) =>
  claims.email === 'ada@example.com' || claims.cid === 'gatehouse-cli';

const body = (request: { auth?: Principal | null }) => {
  const auth = request.auth!;
  return { via: auth.via, sub: auth.user.sub, scopes: auth.scopes, groups: auth.groups };
};

/** Gatehouse options for tests: a memory store, a silent log; issuer and URLs to add. */
export function testOptions(
  options: Partial<GatehouseOptions> & { issuer: string },
): GatehouseOptions {
  return {
    clientId: 'gatehouse-test',
    clientSecret: 'gatehouse-test-secret',
    backendUrl: 'http://localhost:4998',
    frontendUrl: 'http://localhost:5999',
    sessionSecret: 'test-secret-'.repeat(4),
    sessionStore: new MemoryStore(),
    logger: silent,
    ...options,
  };
}

/** A Fastify app on Gatehouse with {@link ROUTES}, called in-process with `inject`. */
export async function fastifyBackend(options: GatehouseOptions) {
  const gatehouse = createGatehouse(options);
  const app: FastifyInstance = Fastify();
  await app.register(gatehouseAuth);
  await app.register(gatehouseFastify, { gatehouse });
  for (const [path, rule] of Object.entries(ROUTES)) {
    const rules =
      rule.length === 0
        ? []
        : rule[0] === 'scope'
          ? [requireScope(...rule.slice(1))]
          : rule[0] === 'group'
            ? [requireGroup(...rule.slice(1))]
            : [requireClaims(adaOrCli)];
    app.get(path, { preHandler: fastifyGuard(gatehouse, ...rules) }, async (request) =>
      body(request),
    );
  }
  app.post('/secure-data', { preHandler: fastifyGuard(gatehouse) }, async (request) =>
    body(request),
  );
  const call: Call = async (path, headers = {}, method = 'GET') => {
    const response = await app.inject({ method, url: path, headers });
    const setCookie = response.headers['set-cookie'];
    return {
      status: response.statusCode,
      header: (name) => response.headers[name] as string | undefined,
      setCookies: setCookie === undefined ? [] : ([] as string[]).concat(setCookie),
      body: response.body ? JSON.parse(response.body) : {},
    };
  };
  return { gatehouse, app, call, close: async () => (await app.close(), await gatehouse.close()) };
}

/** An Express app on Gatehouse with {@link ROUTES}, listening on `server` (port 0). */
export async function expressBackend(
  options: GatehouseOptions,
  server: Awaited<ReturnType<typeof listen>>,
) {
  const gatehouse = createGatehouse(options);
  const app = express();
  app.use(gatehouseExpress(gatehouse));
  for (const [path, rule] of Object.entries(ROUTES)) {
    const rules =
      rule.length === 0
        ? []
        : rule[0] === 'scope'
          ? [requireScope(...rule.slice(1))]
          : rule[0] === 'group'
            ? [requireGroup(...rule.slice(1))]
            : [requireClaims(adaOrCli)];
    app.get(path, requireAuth(gatehouse, ...rules), (req, res) => void res.json(body(req)));
  }
  app.post('/secure-data', requireAuth(gatehouse), (req, res) => void res.json(body(req)));
  server.listener = app;
  const call: Call = async (path, headers = {}, method = 'GET') => {
    const response = await fetch(server.url + path, { method, headers, redirect: 'manual' });
    const text = await response.text();
    return {
      status: response.status,
      header: (name) => response.headers.get(name) ?? undefined,
      setCookies: response.headers.getSetCookie(),
      body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {},
    };
  };
  return { gatehouse, call, close: async () => (await server.close(), await gatehouse.close()) };
}

/** `Authorization: Bearer <token>`. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The answer to a refused token: 401 `invalid_token` with its RFC 6750 challenge. */
export function expectInvalidToken(answer: Answer): void {
  expect({ status: answer.status, error: answer.body.error }).toEqual({
    status: 401,
    error: 'invalid_token',
  });
  expect(answer.header('www-authenticate')).toBe('Bearer realm="gatehouse", error="invalid_token"');
}

/** Signs in through the backend's `/login` and callback as a browser would; the session cookie. */
export async function sessionCookie(call: Call, credentials: DevCredentials): Promise<string> {
  const pairs = (answer: Answer) => answer.setCookies.map((line) => line.split(';')[0]).join('; ');
  const login = await call('/login');
  const callbackUrl = new URL(
    await signIn(login.header('location')!, credentials, new CookieJar()),
  );
  const callback = await call(callbackUrl.pathname + callbackUrl.search, { cookie: pairs(login) });
  const cookie = pairs(callback);
  if (!/(^|; )gatehouse=/.test(cookie)) throw new Error(`no session cookie: ${callback.status}`);
  return cookie;
}

/** The dev IdP's clients for tests: Gatehouse's web client (redirect URIs given) and the CLI. */
export function testClients(...backendUrls: string[]) {
  return [
    {
      client_id: 'gatehouse-test',
      client_secret: 'gatehouse-test-secret',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['http://localhost:4998', ...backendUrls].map((url) => `${url}/signin-oidc`),
    },
    {
      ...CLI,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api',
    },
  ];
}

/** An access token for the CLI client, by client credentials. */
export async function cliToken(issuer: string): Promise<string> {
  const cli = await client.discovery(new URL(issuer), CLI.client_id, CLI.client_secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return (await client.clientCredentialsGrant(cli, { scope: 'api' })).access_token;
}

/** A user's tokens for the test web client, by the code flow through the dev IdP's pages. */
export async function userTokens(
  issuer: string,
  credentials: DevCredentials = ADA,
): Promise<client.TokenEndpointResponse> {
  const web = await client.discovery(
    new URL(issuer),
    'gatehouse-test',
    'gatehouse-test-secret',
    undefined,
    {
      execute: [client.allowInsecureRequests],
    },
  );
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const expectedNonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(web, {
    redirect_uri: 'http://localhost:4998/signin-oidc',
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    nonce: expectedNonce,
  });
  const callback = new URL(await signIn(url, credentials));
  return client.authorizationCodeGrant(web, callback, { pkceCodeVerifier, expectedNonce });
}
