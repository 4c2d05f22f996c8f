import * as client from 'openid-client';
import { ENV_NAMES } from '../config/env.js';
import { calling, NotCalled, uncalledEndpoints } from './reach.js';
import { check, type DoctorCheck } from './report.js';

/** What the doctor learned from the provider's discovery document. */
export interface Discovered {
  /** The metadata, even when its issuer differs from the configured one (to check the rest). */
  metadata: client.ServerMetadata;
  /** The provider's `Date` header minus the local clock at the middle of the request, in ms. */
  skewMs: number | undefined;
}

/**
 * The parts of a provider call the doctor needs: its own fetch, bounded in time, that calls
 * only what reach.ts allows for the configured issuer (https; http on loopback for a loopback
 * issuer).
 */
export interface Probe {
  timeout: number;
  /** The configured issuer: whose origin's answers the report may repeat. */
  issuer: URL | undefined;
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
}

export function probe(timeout: number, issuer: URL | undefined): Probe {
  return {
    timeout,
    issuer,
    fetch: calling(
      (url, init = {}) =>
        fetch(url, {
          redirect: 'manual',
          ...init,
          signal: init.signal ?? AbortSignal.timeout(timeout * 1000),
        }),
      issuer,
    ),
  };
}

/** Why a request got no HTTP answer: refused, unknown host, TLS, timeout. */
export function networkFailure(error: unknown, timeout: number): string {
  for (
    let cause = error as
      { name?: string; code?: string; cause?: unknown; message?: string } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause instanceof NotCalled) return cause.message;
    if (
      cause.name === 'TimeoutError' ||
      cause.name === 'AbortError' ||
      cause.code === 'OAUTH_TIMEOUT' ||
      cause.code === 'OAUTH_ABORT'
    )
      return `no answer within ${timeout} s (${ENV_NAMES.httpTimeout})`;
    switch (cause.code) {
      case 'ECONNREFUSED':
        return 'connection refused: nothing listens there';
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return 'the host name does not resolve';
      case 'ECONNRESET':
        return 'the connection was reset';
      case 'ETIMEDOUT':
      case 'UND_ERR_CONNECT_TIMEOUT':
        return 'the connection timed out';
      case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      case 'SELF_SIGNED_CERT_IN_CHAIN':
      case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
        return `its TLS certificate is not trusted (${cause.code}): set NODE_EXTRA_CA_CERTS to your CA bundle`;
      case 'CERT_HAS_EXPIRED':
        return 'its TLS certificate has expired';
      case 'ERR_TLS_CERT_ALTNAME_INVALID':
        return 'its TLS certificate is for another host name';
    }
  }
  const messages: string[] = [];
  for (
    let cause = error as { message?: string; cause?: unknown } | undefined;
    cause;
    cause = cause.cause as typeof cause
  ) {
    if (cause.message) messages.push(cause.message);
  }
  return messages.join(': ') || String(error);
}

/**
 * Discovery as the server does it (openid-client, same issuer comparison), watching the raw
 * response for what openid-client only rejects: the status, the issuer it answered, the `Date`.
 */
export async function discover(
  issuer: URL,
  clientId: string,
  probe: Probe,
  checks: DoctorCheck[],
): Promise<Discovered | undefined> {
  const { timeout, fetch } = probe;
  let seen: { response: Response; sentAt: number; receivedAt: number } | undefined;
  const watch: client.CustomFetch = async (url, init) => {
    const sentAt = Date.now();
    const response = await fetch(url, init as RequestInit);
    seen = { response: response.clone(), sentAt, receivedAt: Date.now() };
    return response;
  };
  const documentUrl = discoveryUrl(issuer);
  const started = performance.now();
  let metadata: client.ServerMetadata;
  let mismatch: string | undefined;
  try {
    const configuration = await client.discovery(
      issuer,
      clientId || 'gatehouse-doctor',
      undefined,
      undefined,
      {
        [client.customFetch]: watch,
        timeout,
        execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
      },
    );
    metadata = configuration.serverMetadata();
  } catch (error) {
    const failure = error as { code?: string; cause?: { body?: client.ServerMetadata } };
    if (failure.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && failure.cause?.body?.issuer) {
      metadata = failure.cause.body;
      mismatch = metadata.issuer;
    } else {
      checks.push(await discoveryFailure(issuer, documentUrl, seen?.response, error, probe));
      return undefined;
    }
  }
  const ms = Math.round(performance.now() - started);
  checks.push(check('discovery', 'discovery', 'ok', `${documentUrl} answered in ${ms} ms`));
  checks.push(issuerCheck(issuer, metadata.issuer, mismatch !== undefined));
  const date = seen?.response.headers.get('date');
  const skewMs =
    seen && date && !Number.isNaN(Date.parse(date))
      ? Date.parse(date) - (seen.sentAt + seen.receivedAt) / 2
      : undefined;
  return { metadata, skewMs };
}

/** Where openid-client looks for the document (RFC 8414 3.1 as OpenID Discovery 4 words it). */
function discoveryUrl(issuer: URL): string {
  if (issuer.href.includes('/.well-known/')) return issuer.href;
  const url = new URL(issuer.href);
  url.pathname = `${url.pathname}/.well-known/openid-configuration`.replace('//', '/');
  return url.href;
}

function issuerCheck(configured: URL, answered: string, mismatch: boolean): DoctorCheck {
  const name = ENV_NAMES.issuer;
  if (!mismatch) {
    if (configured.href.includes('/.well-known/')) {
      return check(
        'issuer',
        'issuer',
        'error',
        `${name} is the discovery document's URL; the issuer it names is ${answered}`,
        `set ${name}=${answered}`,
      );
    }
    return check('issuer', 'issuer', 'ok', `discovery names the issuer ${answered}, as configured`);
  }
  const differsBySlash = answered.replace(/\/+$/, '') === configured.href.replace(/\/+$/, '');
  return check(
    'issuer',
    'issuer',
    'error',
    `discovery at ${configured.href} answered issuer "${answered}", but ${name} is "${configured.href}"${differsBySlash ? ' (they differ by the trailing slash)' : ''}: every ID token would be refused`,
    differsBySlash || new URL(answered).origin === configured.origin
      ? `set ${name}=${answered}`
      : `set ${name}=${answered} if that provider is the one you mean; a proxy or gateway that rewrites the document must keep its issuer`,
  );
}

async function discoveryFailure(
  issuer: URL,
  documentUrl: string,
  response: Response | undefined,
  error: unknown,
  probe: Probe,
): Promise<DoctorCheck> {
  const name = ENV_NAMES.issuer;
  if (!response) {
    return check(
      'discovery',
      'discovery',
      'error',
      `cannot load ${documentUrl}: ${networkFailure(error, probe.timeout)}`,
      `check the host and port of ${name}, and that this machine reaches it (proxy, firewall, DNS)`,
    );
  }
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location') ?? '';
    return check(
      'discovery',
      'discovery',
      'error',
      `${documentUrl} answered ${response.status}, a redirect to ${location}: discovery does not follow redirects`,
      `set ${name} to the issuer itself (the "issuer" in the document at the redirect's target)`,
    );
  }
  if (response.status !== 200) {
    const suggestion = response.status === 404 ? await findIssuer(issuer, probe) : undefined;
    return check(
      'discovery',
      'discovery',
      'error',
      `${documentUrl} answered ${response.status}: no OpenID provider at ${issuer.href}`,
      suggestion
        ? `discovery works at ${suggestion}: set ${name}=${suggestion}`
        : `check the path of ${name}: Okta's is https://<your-org>.okta.com/oauth2/default (see docs/providers/)`,
    );
  }
  return check(
    'discovery',
    'discovery',
    'error',
    `${documentUrl} is not an OpenID discovery document: ${(error as Error)?.message ?? error}`,
    `check that ${name} is your provider's issuer`,
  );
}

/** Near misses worth trying after a 404: Okta's default server, the org server, Keycloak's /auth. */
async function findIssuer(issuer: URL, { fetch }: Probe): Promise<string | undefined> {
  const path = issuer.pathname.replace(/\/+$/, '');
  const candidates = new Set<string>();
  if (path.startsWith('/oauth2/')) candidates.add(`${issuer.origin}/oauth2/default`);
  if (path.startsWith('/auth/realms/')) candidates.add(issuer.origin + path.slice('/auth'.length));
  else if (path.startsWith('/realms/')) candidates.add(`${issuer.origin}/auth${path}`);
  if (path !== '' && path !== '/') candidates.add(issuer.origin);
  candidates.delete(issuer.href.replace(/\/+$/, ''));
  for (const candidate of candidates) {
    try {
      const response = await fetch(discoveryUrl(new URL(candidate)), {
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        continue;
      }
      const found = ((await response.json()) as { issuer?: unknown }).issuer;
      if (typeof found === 'string') return found;
    } catch {
      // not there either
    }
  }
  return undefined;
}

/** The endpoints the server uses: authorization, token and JWKS are needed, the rest advised. */
export function endpointsCheck(metadata: client.ServerMetadata, issuer: URL): DoctorCheck {
  const missing = (['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const).filter(
    (key) => typeof metadata[key] !== 'string',
  );
  if (missing.length) {
    return check(
      'endpoints',
      'endpoints',
      'error',
      `discovery does not advertise ${missing.join(', ')}: Gatehouse cannot sign anyone in with this provider`,
      `check that ${ENV_NAMES.issuer} names an OpenID Connect provider, not a plain OAuth server or an API`,
    );
  }
  const refused = uncalledEndpoints(metadata, issuer);
  if (refused.length) {
    return check(
      'endpoints',
      'endpoints',
      'error',
      `discovery names endpoints that would carry tokens or secrets in clear: ${refused.join('; ')}`,
      "the provider's endpoints must be https; check that the discovery document is the provider's own",
    );
  }
  const notes: string[] = [];
  const fixes: string[] = [];
  if (!metadata.end_session_endpoint) {
    notes.push(
      'no end_session_endpoint: signing out ends the Gatehouse session only, and the next sign-in is silent while the provider session lasts',
    );
    fixes.push(
      'Auth0: enable "RP-Initiated Logout End Session Endpoint Discovery"; Google has no sign-out endpoint (docs/troubleshooting.md)',
    );
  }
  if (!metadata.userinfo_endpoint)
    notes.push('no userinfo_endpoint: name and email come from the ID token only');
  const methods = metadata.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) {
    notes.push(`PKCE S256 is not listed (code_challenge_methods_supported: ${methods.join(', ')})`);
  }
  if (notes.length)
    return check('endpoints', 'endpoints', 'warn', notes.join('; '), fixes.join('; ') || undefined);
  return check(
    'endpoints',
    'endpoints',
    'ok',
    'authorization, token, jwks_uri, userinfo and end_session endpoints advertised',
  );
}

/** The JWKS answers with keys (ID tokens and Bearer tokens are verified against it). */
export async function signingKeysCheck(
  metadata: client.ServerMetadata,
  probe: Probe,
): Promise<DoctorCheck> {
  const url = metadata.jwks_uri!;
  try {
    const response = await probe.fetch(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) {
      await response.body?.cancel();
      return check(
        'signing-keys',
        'signing keys',
        'error',
        `${url} answered ${response.status}`,
        'the provider must publish its signing keys at jwks_uri',
      );
    }
    const keys = ((await response.json()) as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) {
      return check(
        'signing-keys',
        'signing keys',
        'error',
        `${url} holds no keys`,
        'the provider must publish its signing keys at jwks_uri',
      );
    }
    return check(
      'signing-keys',
      'signing keys',
      'ok',
      `${keys.length} key${keys.length === 1 ? '' : 's'} at ${url}`,
    );
  } catch (error) {
    return check(
      'signing-keys',
      'signing keys',
      'error',
      `cannot load ${url}: ${networkFailure(error, probe.timeout)}`,
    );
  }
}

const WARN_SKEW = 30_000;
const ERROR_SKEW = 5 * 60_000;

/** This machine's clock against the provider's `Date` header (1 s resolution, allowed for). */
export function clockCheck(skewMs: number | undefined, clockTolerance: number): DoctorCheck {
  if (skewMs === undefined)
    return check('clock', 'clock', 'skip', "the provider's answer has no Date header");
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  const off = Math.max(0, Math.abs(skewMs) - 1000);
  const fix =
    'synchronize this machine\'s clock (NTP: "timedatectl set-ntp true", or your platform\'s time service)';
  if (off > ERROR_SKEW) {
    return check(
      'clock',
      'clock',
      'error',
      `this machine's clock is ${seconds} s ${direction} the provider's: ID tokens will be refused ("iat" in the future or already expired)`,
      fix,
    );
  }
  if (off > Math.max(WARN_SKEW, clockTolerance * 1000)) {
    return check(
      'clock',
      'clock',
      'warn',
      `this machine's clock is ${seconds} s ${direction} the provider's, beyond ${ENV_NAMES.clockTolerance} (${clockTolerance} s): ID tokens may be refused`,
      fix,
    );
  }
  return check('clock', 'clock', 'ok', `within ${Math.max(seconds, 1)} s of the provider's clock`);
}
