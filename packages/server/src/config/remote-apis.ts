import { ConfigError } from '../errors.js';

/** One remote API the backend calls for the signed-in browser (docs/remote-apis.md). */
export interface RemoteApiOptions {
  /** The prefix the browser calls, e.g. `/api/orders`: `/api/orders/x` goes to `upstream/x`. */
  path: string;
  /** Where requests go, fixed here and never chosen by a request: `http://orders.internal:7158`. */
  upstream: string;
  /** RFC 8707 resource indicator the token is asked for (`api://orders`). */
  resource?: string;
  /** The `audience` parameter some providers take instead (Auth0). */
  audience?: string;
  /** Scopes asked for this API's token (Entra ID: `api://.../orders.read`). */
  scopes?: string | string[];
  /**
   * `true` sends the session's own access token (the app's audience) instead of a token for this
   * API: for an upstream that is part of the app. Refused together with `resource`, `audience`
   * or `scopes`; one of the four is required.
   */
  useSessionToken?: boolean;
  /** Methods passed on; others get 405. Default: GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods?: string[];
  /** Request headers passed on besides the default allow-list (lower case). */
  headers?: string[];
  /** Seconds to wait for the upstream's answer (status line and headers). Default 30. */
  timeout?: number;
}

/** A remote API as the core reads it. */
export interface RemoteApi {
  /** Its name in logs and in `accessToken(request, { api })`: the path. */
  readonly name: string;
  readonly path: string;
  readonly upstream: URL;
  readonly resource: string | undefined;
  readonly audience: string | undefined;
  readonly scopes: string | undefined;
  /** The session's own access token is sent, not one for this API. */
  readonly useSessionToken: boolean;
  readonly methods: ReadonlySet<string>;
  readonly headers: ReadonlySet<string>;
  readonly timeoutMs: number;
}

/**
 * Request headers passed on to every remote API unless the API adds more: content negotiation,
 * conditional requests, tracing. Never `Cookie`, `Authorization`, `X-CSRF`, hop-by-hop headers
 * or `Host` (the upstream's own is sent).
 */
export const DEFAULT_API_HEADERS: readonly string[] = Object.freeze([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'range',
  'traceparent',
  'tracestate',
  'x-request-id',
]);

/** Headers no configuration can pass on. */
const NEVER = new Set([
  'cookie',
  'authorization',
  // The proxy signs its own proofs (RFC 9449); a browser's would prove nothing.
  'dpop',
  'x-csrf',
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
]);

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const PREFIX = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;

/** `REMOTE_APIS`: a JSON array of {@link RemoteApiOptions}. */
export function readRemoteApis(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw; // the parser names the variable and the mistake
  }
}

/**
 * Validates `remoteApis`: each prefix canonical and distinct, each upstream an http(s) URL, each
 * token asked for a named target (or the session's own, on purpose).
 */
export function parseRemoteApis(value: unknown, label: string): readonly RemoteApi[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) {
    throw new ConfigError(`${label} must be a list (JSON array) of { path, upstream, ... }`);
  }
  const seen = new Set<string>();
  return Object.freeze(
    value.map((item: RemoteApiOptions, index) => {
      const at = `${label}[${index}]`;
      if (typeof item !== 'object' || item === null)
        throw new ConfigError(`${at} must be an object`);
      const path = String(item.path ?? '');
      if (!PREFIX.test(path) || path.split('/').some((part) => part === '.' || part === '..')) {
        throw new ConfigError(`${at}.path must be a path such as /api/orders, got ${path}`);
      }
      for (const other of seen) {
        if (other.startsWith(path + '/') || path.startsWith(other + '/') || other === path) {
          throw new ConfigError(`${at}.path ${path} overlaps ${other}`);
        }
      }
      seen.add(path);
      let upstream: URL;
      try {
        upstream = new URL(String(item.upstream));
      } catch {
        throw new ConfigError(`${at}.upstream must be an absolute URL, got ${item.upstream}`);
      }
      if (
        !/^https?:$/.test(upstream.protocol) ||
        upstream.search ||
        upstream.hash ||
        upstream.username
      ) {
        throw new ConfigError(`${at}.upstream must be an http(s) URL without query or credentials`);
      }
      const methods = (item.methods ?? METHODS.filter((m) => m !== 'OPTIONS')).map((m) =>
        String(m).toUpperCase(),
      );
      const unknown = methods.find((method) => !METHODS.includes(method));
      if (unknown) throw new ConfigError(`${at}.methods: ${unknown} is not one of ${METHODS}`);
      const extra = (item.headers ?? []).map((name) => String(name).toLowerCase());
      const refused = extra.find((name) => NEVER.has(name));
      if (refused) throw new ConfigError(`${at}.headers: ${refused} is never passed on`);
      const timeout = item.timeout ?? 30;
      if (!Number.isFinite(timeout) || timeout <= 0) {
        throw new ConfigError(`${at}.timeout must be a number of seconds > 0, got ${timeout}`);
      }
      const { resource, audience, scopes, useSessionToken } = target(item, `${label} ${path}`);
      return Object.freeze({
        name: path,
        path,
        upstream,
        resource,
        audience,
        scopes,
        useSessionToken,
        methods: new Set(methods),
        headers: new Set([...DEFAULT_API_HEADERS, ...extra]),
        timeoutMs: timeout * 1000,
      });
    }),
  );
}

/**
 * What the API's token is asked for. An API with no target would get a token for the app's own
 * audience, which the backend itself accepts as a Bearer token: a key to the BFF's own API
 * handed to another service. So it must name one, or say `useSessionToken: true` on purpose.
 */
function target(item: RemoteApiOptions, at: string) {
  const text = (value: unknown, name: string): string | undefined => {
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new ConfigError(`${at}: ${name} must be a string`);
    return value;
  };
  const resource = text(item.resource, 'resource');
  const audience = text(item.audience, 'audience');
  const list = Array.isArray(item.scopes) ? item.scopes.join(' ') : item.scopes;
  const scopes = text(list, 'scopes');
  const useSessionToken = item.useSessionToken ?? false;
  if (typeof useSessionToken !== 'boolean') {
    throw new ConfigError(`${at}: useSessionToken must be true or false`);
  }
  const named = resource ?? audience ?? scopes;
  if (useSessionToken && named !== undefined) {
    throw new ConfigError(
      `${at}: useSessionToken: true sends the app's own access token, so resource, audience and scopes must not be set`,
    );
  }
  if (!useSessionToken && named === undefined) {
    throw new ConfigError(
      `${at}: set resource, audience or scopes, or useSessionToken: true to forward the app's own access token on purpose`,
    );
  }
  return { resource, audience, scopes, useSessionToken };
}

/** What {@link ExchangeToken} is given: the user's access token and the API it is for. */
export interface TokenExchangeRequest {
  subjectToken: string;
  api: Pick<RemoteApi, 'name' | 'resource' | 'audience' | 'scopes'>;
}

/**
 * RFC 8693 token exchange, for providers that issue an API's token that way (Keycloak): the
 * token for `api`, and its lifetime in seconds. Replaces the refresh token grant for every API.
 */
export type ExchangeToken = (
  request: TokenExchangeRequest,
) => Promise<{ access_token: string; expires_in?: number }>;

export function parseExchangeToken(value: unknown, label: string): ExchangeToken | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new ConfigError(`${label} must be a function`);
  return value as ExchangeToken;
}
