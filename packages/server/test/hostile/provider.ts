/**
 * A small OpenID provider for tests that misbehaves on demand. Honest, it is enough for a real
 * sign-in: discovery, an authorization endpoint that approves at once (no login page), a token
 * endpoint (authorization code with PKCE, refresh with rotation, client_secret_basic), JWKS and
 * userinfo; token revocation (RFC 7009) and back-channel logout tokens on demand. Set `mode`
 * before a sign-in to make one answer hostile, or `hold` an endpoint to keep a request in flight;
 * every call is recorded, so a test can prove that an endpoint was never reached. Built on
 * node:http and jose only: a certified provider (oidc-provider) refuses to misbehave.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

export const CLIENT = Object.freeze({ id: 'hostile-rp', secret: 'hostile-rp-secret' });
export const USER = Object.freeze({
  sub: 'user-7f3a',
  name: 'Grace Hopper',
  email: 'grace@example.com',
});

/** Each misbehaviour, named after the attack (or the provider fault) it plays. */
export const MODES = [
  'honest',
  // ID token from the token endpoint (OpenID RP certification, Basic profile)
  'id-token-iss-other',
  'id-token-sub-missing',
  'id-token-iat-missing',
  'id-token-aud-missing',
  'id-token-aud-other-client',
  'id-token-aud-extra-untrusted',
  'id-token-exp-past',
  'id-token-exp-10s-past',
  'id-token-nonce-altered',
  'id-token-nonce-missing',
  'id-token-signed-by-foreign-key',
  'id-token-payload-altered',
  'id-token-alg-none',
  'id-token-alg-none-advertised',
  'id-token-alg-hs256-public-key',
  'id-token-no-kid-one-key',
  'id-token-no-kid-several-keys',
  'id-token-es256',
  'id-token-at-hash-wrong',
  // userinfo (called when the ID token lacks name or email)
  'id-token-without-profile',
  'userinfo-sub-other',
  // discovery (OpenID RP certification, Config profile)
  'discovery-issuer-other',
  // the authorization response (RFC 9207, RFC 9700 4.4: mix-up)
  'iss-param-missing',
  'iss-param-other',
  'state-altered',
  // refresh (OIDC Core 12.2)
  'refresh-id-token-iss-other',
  'refresh-id-token-sub-other',
  'refresh-id-token-signed-by-foreign-key',
  // outages
  'jwks-500',
  'token-500-html',
  'token-body-stalls',
  'revocation-500',
] as const;
export type Mode = (typeof MODES)[number];

export type Endpoint = 'discovery' | 'authorize' | 'token' | 'jwks' | 'userinfo' | 'revocation';

/** A held endpoint: its next request waits until `release()` (see `HostileProvider.hold`). */
export interface Hold {
  /** Resolves with the held request once it has arrived. */
  reached: Promise<Call>;
  release(): void;
}

/** One token response the provider gave (authorization code or refresh). */
export interface Issued {
  grantType: 'authorization_code' | 'refresh_token';
  access_token: string;
  refresh_token: string;
  /** The provider session (`sid` claim of the ID token): one per sign-in. */
  sid: string;
}

/** One request the provider received. */
export interface Call {
  endpoint: Endpoint;
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  /** The form body, for the token endpoint. */
  form?: URLSearchParams;
}

interface HeldEndpoint {
  arrive(call: Call): void;
  released: Promise<void>;
  release(): void;
}

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

interface Grant {
  nonce: string | undefined;
  codeChallenge: string;
  redirectUri: string;
  scope: string;
  sid: string;
}

const PATHS = {
  discovery: '/.well-known/openid-configuration',
  authorize: '/authorize',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/userinfo',
  revocation: '/revoke',
} as const;

async function signingKey(kid: string, alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * A key generated the first time it is asked for: most tests never rotate keys nor forge a
 * signature, and an RSA key costs a quarter of a second of CPU.
 */
function onDemand(kid: string): () => Promise<SigningKey> {
  let key: Promise<SigningKey> | undefined;
  return () => (key ??= signingKey(kid, 'RS256'));
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');
const sha256 = (text: string) => createHash('sha256').update(text).digest();
const random = () => base64url(randomBytes(24));
const epoch = () => Math.floor(Date.now() / 1000);

export class HostileProvider {
  /** How the next answers misbehave; `honest` by default. */
  mode: Mode = 'honest';
  /** `expires_in` of access tokens, in seconds (0: expired at once, so the next API call refreshes). */
  accessTokenTtl = 300;
  /** Endpoints that wait this long before answering (a slow provider). */
  readonly delays = new Map<Endpoint, number>();
  /** Every request received, oldest first. */
  readonly calls: Call[] = [];
  /** Whether discovery advertises `revocation_endpoint` (RFC 7009); the endpoint answers anyway. */
  revocationEndpoint = false;
  /** Claims added to every ID token from now on (sign-in and refresh), e.g. `{ groups }`. */
  userClaims: Record<string, unknown> = {};
  /** The `scope` the token endpoint grants from now on; undefined: the scope requested. */
  grantedScope: string | undefined;
  /** Every token response given, oldest first. */
  readonly issued: Issued[] = [];
  /** An error the authorization endpoint answers with instead of a code (`login_required`). */
  authorizeError: string | undefined;

  readonly #codes = new Map<string, Grant>();
  readonly #refreshTokens = new Map<string, { scope: string; sid: string }>();
  readonly #holds = new Map<Endpoint, HeldEndpoint>();
  readonly #accessTokens = new Map<string, string>();
  readonly #waiting = new Set<HeldEndpoint>();
  readonly #sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  #server: Server | undefined;
  #port = 0;
  /** Whether `rotateKeys()` moved signing to the second key (and the JWKS to it alone). */
  #rotated = false;
  readonly #second = onDemand('rsa-b');
  readonly #foreign = onDemand('rsa-a'); // an attacker's key under the real kid

  private constructor(private readonly keys: { first: SigningKey; ec: SigningKey }) {}

  /** Generates the keys it always signs with and listens on a free loopback port. */
  static async start(): Promise<HostileProvider> {
    const [first, ec] = await Promise.all([
      signingKey('rsa-a', 'RS256'),
      signingKey('ec-1', 'ES256'),
    ]);
    const provider = new HostileProvider({ first, ec });
    await provider.resume();
    return provider;
  }

  get url(): string {
    return `http://localhost:${this.#port}`;
  }

  get issuer(): string {
    return `${this.url}/hostile`;
  }

  /** The requests to one endpoint. */
  callsTo(endpoint: Endpoint): Call[] {
    return this.calls.filter((call) => call.endpoint === endpoint);
  }

  /** Back to honest, with no recorded calls, delays or holds; keys and grants are kept. */
  reset(): void {
    this.mode = 'honest';
    this.accessTokenTtl = 300;
    this.delays.clear();
    this.calls.length = 0;
    this.revocationEndpoint = false;
    this.userClaims = {};
    this.grantedScope = undefined;
    this.issued.length = 0;
    this.authorizeError = undefined;
    this.#releaseHolds();
  }

  /**
   * Holds the next request to `endpoint` until `release()`: a deterministic slow provider (a
   * refresh in flight for as long as the test needs). `pause()` and `reset()` release it too.
   */
  hold(endpoint: Endpoint): Hold {
    this.#holds.get(endpoint)?.release(); // an earlier hold, not reached yet, goes
    let arrive!: (call: Call) => void;
    let wake!: () => void;
    const reached = new Promise<Call>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (wake = resolve));
    const held: HeldEndpoint = {
      arrive,
      released,
      release: () => {
        if (this.#holds.get(endpoint) === held) this.#holds.delete(endpoint);
        this.#waiting.delete(held);
        wake();
      },
    };
    this.#holds.set(endpoint, held);
    this.#waiting.add(held);
    return { reached, release: held.release };
  }

  #releaseHolds(): void {
    for (const held of [...this.#waiting]) held.release();
  }

  /** Whether the token endpoint would still redeem `refreshToken` (not rotated out nor revoked). */
  accepts(refreshToken: string): boolean {
    return this.#refreshTokens.has(refreshToken);
  }

  /** Forgets every refresh token issued so far (grants revoked by an administrator). */
  forgetRefreshTokens(): void {
    this.#refreshTokens.clear();
  }

  /** The refresh tokens sent to the revocation endpoint by an authenticated client. */
  revokedTokens(): string[] {
    return this.callsTo('revocation')
      .filter((call) => authenticatesClient(call.headers.authorization))
      .map((call) => call.form?.get('token') ?? '');
  }

  /**
   * A logout token (Back-Channel Logout 1.0 2.4) for a provider session (`sid`) or a user
   * (`sub`), signed with the current key; `claims` overrides any claim.
   */
  async logoutToken(claims: Record<string, unknown>): Promise<string> {
    const key = await this.#current();
    return new SignJWT({
      iss: this.issuer,
      aud: CLIENT.id,
      sub: USER.sub,
      iat: epoch(),
      jti: random(),
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'logout+jwt' })
      .sign(key.privateKey);
  }

  /** A JWT access token (RFC 9068) signed with the current key; `claims` overrides any claim. */
  async accessToken(claims: Record<string, unknown>): Promise<string> {
    const key = await this.#current();
    return new SignJWT({
      iss: this.issuer,
      sub: USER.sub,
      iat: epoch(),
      exp: epoch() + 300,
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
  }

  /** POSTs a logout token to a relying party's back-channel logout URL, as the provider would. */
  async backchannelLogout(url: string, claims: Record<string, unknown>): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: await this.logoutToken(claims) }),
    });
  }

  /** Signs with a new key from now on and publishes only that one (an unannounced rotation). */
  rotateKeys(): void {
    this.#rotated = !this.#rotated;
  }

  /** The key that signs; `rotateKeys()` replaces it and withdraws the old one from the JWKS. */
  #current(): Promise<SigningKey> {
    return this.#rotated ? this.#second() : Promise.resolve(this.keys.first);
  }

  /** Stops answering (connections are refused), keeping keys and grants: an outage. */
  async pause(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const sleeper of this.#sleeping) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.#releaseHolds();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers again, on the same port. */
  async resume(): Promise<void> {
    if (this.#server) return;
    const server = createServer((request, response) => {
      this.#handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    this.#port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  close(): Promise<void> {
    return this.pause();
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.url);
    const path = url.pathname.startsWith('/hostile') ? url.pathname.slice('/hostile'.length) : '';
    const endpoint = (Object.keys(PATHS) as Endpoint[]).find((name) => PATHS[name] === path);
    if (!endpoint) return send(response, 404, { error: 'not_found' });
    const call: Call = { endpoint, method: request.method ?? 'GET', url, headers: request.headers };
    if (request.method === 'POST') call.form = new URLSearchParams(await readBody(request));
    this.calls.push(call);

    const held = this.#holds.get(endpoint);
    if (held) {
      this.#holds.delete(endpoint); // one request only
      held.arrive(call);
      await held.released;
    }
    const delay = this.delays.get(endpoint);
    if (delay) await this.#sleep(delay);
    if (gone(response)) return; // the client gave up, or the provider was paused

    switch (endpoint) {
      case 'discovery':
        return send(response, 200, this.#metadata());
      case 'authorize':
        return this.#authorize(url, response);
      case 'token':
        return this.#token(call, response);
      case 'jwks':
        if (this.mode === 'jwks-500')
          return sendHtml(response, 500, '<h1>Internal Server Error</h1>');
        return send(response, 200, { keys: await this.#publishedKeys() });
      case 'userinfo':
        return this.#userinfo(call, response);
      case 'revocation':
        return this.#revoke(call, response);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const sleeper = {
        wake: () => {
          this.#sleeping.delete(sleeper);
          resolve();
        },
        timer: setTimeout(() => sleeper.wake(), ms),
      };
      this.#sleeping.add(sleeper);
    });
  }

  #metadata(): Record<string, unknown> {
    const algs = ['RS256', 'ES256'];
    if (this.mode === 'id-token-alg-none-advertised') algs.push('none');
    return {
      issuer: this.mode === 'discovery-issuer-other' ? 'https://evil.example/hostile' : this.issuer,
      authorization_endpoint: `${this.issuer}${PATHS.authorize}`,
      token_endpoint: `${this.issuer}${PATHS.token}`,
      jwks_uri: `${this.issuer}${PATHS.jwks}`,
      userinfo_endpoint: `${this.issuer}${PATHS.userinfo}`,
      ...(this.revocationEndpoint && {
        revocation_endpoint: `${this.issuer}${PATHS.revocation}`,
        revocation_endpoint_auth_methods_supported: ['client_secret_basic'],
      }),
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: algs,
      token_endpoint_auth_methods_supported: ['client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: ['sub', 'name', 'email', 'iss', 'aud', 'exp', 'iat', 'nonce'],
      // RFC 9207: the authorization response carries `iss`, and clients must check it.
      authorization_response_iss_parameter_supported: true,
    };
  }

  async #publishedKeys(): Promise<JWK[]> {
    const current = (await this.#current()).jwk;
    switch (this.mode) {
      case 'id-token-no-kid-one-key':
        return [current];
      case 'id-token-no-kid-several-keys':
        return [this.keys.first.jwk, (await this.#second()).jwk];
      default:
        return [current, this.keys.ec.jwk];
    }
  }

  /** Approves at once, as if the user had signed in, and sends the browser back. */
  #authorize(url: URL, response: ServerResponse): void {
    const params = url.searchParams;
    const redirectUri = params.get('redirect_uri');
    if (params.get('client_id') !== CLIENT.id || !redirectUri) {
      return sendHtml(response, 400, 'unknown client or no redirect_uri');
    }
    if (
      params.get('response_type') !== 'code' ||
      params.get('code_challenge_method') !== 'S256' ||
      !params.get('code_challenge')
    ) {
      return sendHtml(response, 400, 'response_type=code with PKCE S256 is required');
    }
    if (this.authorizeError) {
      const back = new URL(redirectUri);
      back.searchParams.set('error', this.authorizeError);
      back.searchParams.set('state', params.get('state') ?? '');
      back.searchParams.set('iss', this.issuer);
      return void response.writeHead(302, { location: back.href }).end();
    }
    const code = random();
    this.#codes.set(code, {
      nonce: params.get('nonce') ?? undefined,
      codeChallenge: params.get('code_challenge')!,
      redirectUri,
      scope: params.get('scope') ?? 'openid',
      sid: random(),
    });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', params.get('state') ?? '');
    back.searchParams.set('iss', this.issuer);
    if (this.mode === 'iss-param-missing') back.searchParams.delete('iss');
    if (this.mode === 'iss-param-other')
      back.searchParams.set('iss', 'https://evil.example/hostile');
    if (this.mode === 'state-altered') back.searchParams.set('state', random());
    response.writeHead(302, { location: back.href, 'cache-control': 'no-store' }).end();
  }

  async #token(call: Call, response: ServerResponse): Promise<void> {
    if (this.mode === 'token-500-html') {
      return sendHtml(response, 500, '<h1>502 Bad Gateway</h1>');
    }
    if (this.mode === 'token-body-stalls') {
      // Headers at once, then the body never finishes (a response timeout, not a connect one).
      response.writeHead(200, { 'content-type': 'application/json' }).write('{"access_token":');
      await this.#sleep(30_000);
      if (!gone(response)) response.end();
      return;
    }
    if (!authenticatesClient(call.headers.authorization)) {
      return send(response, 401, { error: 'invalid_client' });
    }
    const form = call.form!;
    if (form.get('grant_type') === 'authorization_code') {
      const code = form.get('code') ?? '';
      const grant = this.#codes.get(code);
      this.#codes.delete(code); // a code is redeemable once
      const verifier = form.get('code_verifier') ?? '';
      if (
        !grant ||
        grant.redirectUri !== form.get('redirect_uri') ||
        base64url(sha256(verifier)) !== grant.codeChallenge
      ) {
        return send(response, 400, { error: 'invalid_grant' });
      }
      return send(response, 200, await this.#tokens(grant.nonce, grant, false));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const grant = this.#refreshTokens.get(refreshToken);
      this.#refreshTokens.delete(refreshToken); // rotation: a refresh token is redeemable once
      if (grant === undefined) return send(response, 400, { error: 'invalid_grant' });
      return send(response, 200, await this.#tokens(undefined, grant, true));
    }
    return send(response, 400, { error: 'unsupported_grant_type' });
  }

  async #tokens(
    nonce: string | undefined,
    grant: { scope: string; sid: string },
    refresh: boolean,
  ) {
    const access_token = random();
    const refresh_token = random();
    const { scope, sid } = grant;
    this.#accessTokens.set(access_token, USER.sub);
    this.#refreshTokens.set(refresh_token, { scope, sid });
    this.issued.push({
      grantType: refresh ? 'refresh_token' : 'authorization_code',
      access_token,
      refresh_token,
      sid,
    });
    const halfHash = sha256(access_token).subarray(0, 16);
    const now = epoch();
    const claims: JWTPayload & Record<string, unknown> = {
      iss: this.issuer,
      sub: USER.sub,
      aud: CLIENT.id,
      exp: now + 300,
      iat: now,
      auth_time: now,
      ...(nonce !== undefined && !refresh && { nonce }),
      at_hash: base64url(halfHash),
      name: USER.name,
      email: USER.email,
      sid,
      ...this.userClaims,
    };
    if (refresh) this.#refreshedClaims(claims);
    else this.#idTokenClaims(claims);
    return {
      access_token,
      token_type: 'Bearer',
      expires_in: this.accessTokenTtl,
      refresh_token,
      scope: this.grantedScope ?? scope,
      id_token: await this.#sign(claims),
    };
  }

  #idTokenClaims(claims: Record<string, unknown>): void {
    switch (this.mode) {
      case 'id-token-iss-other':
        claims.iss = 'https://evil.example/hostile';
        break;
      case 'id-token-sub-missing':
        delete claims.sub;
        break;
      case 'id-token-iat-missing':
        delete claims.iat;
        break;
      case 'id-token-aud-missing':
        delete claims.aud;
        break;
      case 'id-token-aud-other-client':
        claims.aud = 'another-client';
        break;
      case 'id-token-aud-extra-untrusted':
        claims.aud = [CLIENT.id, 'another-client'];
        break;
      case 'id-token-exp-past':
        claims.exp = epoch() - 600;
        claims.iat = epoch() - 900;
        break;
      case 'id-token-exp-10s-past':
        claims.exp = epoch() - 10;
        claims.iat = epoch() - 310;
        break;
      case 'id-token-nonce-altered':
        claims.nonce = random();
        break;
      case 'id-token-nonce-missing':
        delete claims.nonce;
        break;
      case 'id-token-at-hash-wrong':
        claims.at_hash = base64url(sha256('another access token').subarray(0, 16));
        break;
      case 'id-token-without-profile':
      case 'userinfo-sub-other':
        delete claims.name;
        delete claims.email;
        break;
    }
  }

  #refreshedClaims(claims: Record<string, unknown>): void {
    if (this.mode === 'refresh-id-token-iss-other') claims.iss = 'https://evil.example/hostile';
    if (this.mode === 'refresh-id-token-sub-other') claims.sub = 'someone-else';
  }

  async #sign(claims: JWTPayload): Promise<string> {
    const key = await this.#current();
    switch (this.mode) {
      case 'id-token-alg-none':
      case 'id-token-alg-none-advertised':
        return new UnsecuredJWT(claims).encode();
      case 'id-token-alg-hs256-public-key': {
        // Algorithm confusion: HMAC keyed with the public key the client already holds.
        const secret = new TextEncoder().encode(JSON.stringify(key.jwk));
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(secret);
      }
      case 'id-token-signed-by-foreign-key':
      case 'refresh-id-token-signed-by-foreign-key':
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: key.kid })
          .sign((await this.#foreign()).privateKey);
      case 'id-token-payload-altered': {
        const [header, , signature] = (
          await new SignJWT(claims)
            .setProtectedHeader({ alg: 'RS256', kid: key.kid })
            .sign(key.privateKey)
        ).split('.');
        const payload = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString(
          'base64url',
        );
        return `${header}.${payload}.${signature}`;
      }
      case 'id-token-no-kid-one-key':
      case 'id-token-no-kid-several-keys':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(key.privateKey);
      case 'id-token-es256':
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'ES256', kid: this.keys.ec.kid })
          .sign(this.keys.ec.privateKey);
      default:
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: key.kid })
          .sign(key.privateKey);
    }
  }

  /** RFC 7009: the client authenticates; any token, known or not, is answered 200. */
  #revoke(call: Call, response: ServerResponse): void {
    if (this.mode === 'revocation-500') return sendHtml(response, 500, '<h1>Unavailable</h1>');
    if (!authenticatesClient(call.headers.authorization)) {
      return send(response, 401, { error: 'invalid_client' });
    }
    const token = call.form?.get('token');
    if (!token) return send(response, 400, { error: 'invalid_request' });
    this.#refreshTokens.delete(token);
    this.#accessTokens.delete(token);
    response.writeHead(200, { 'cache-control': 'no-store' }).end();
  }

  #userinfo(call: Call, response: ServerResponse): void {
    const token = /^Bearer (.+)$/.exec(call.headers.authorization ?? '')?.[1];
    const sub = token && this.#accessTokens.get(token);
    if (!sub) {
      response.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    if (this.mode === 'userinfo-sub-other') {
      return send(response, 200, {
        sub: 'someone-else',
        name: 'Mallory',
        email: 'mallory@evil.example',
      });
    }
    return send(response, 200, { sub, name: USER.name, email: USER.email });
  }
}

function gone(response: ServerResponse): boolean {
  return response.destroyed || !response.socket || response.socket.destroyed;
}

/** RFC 6749 2.3.1: client_secret_basic, id and secret form-urlencoded before base64. */
function authenticatesClient(authorization: string | undefined): boolean {
  const credentials = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '')?.[1];
  if (!credentials) return false;
  const [id = '', secret = ''] = Buffer.from(credentials, 'base64').toString().split(':');
  const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  return decode(id) === CLIENT.id && decode(secret) === CLIENT.secret;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify(body));
}

function sendHtml(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html' }).end(html);
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += String(chunk);
  return body;
}
