import { isLoopback } from '../config/settings.js';

/**
 * What the doctor calls and what it repeats. A discovery document names the URLs the doctor
 * calls, and the doctor prints what they answer: so it calls https only (plain http only on this
 * machine, for a provider on this machine, as the server allows), and repeats the words of the
 * issuer's origin only, never a page of another site the document pointed it at.
 */

/** Thrown by the doctor's fetch for a URL it does not call; the message says why. */
export class NotCalled extends Error {}

/** Why the doctor does not call `url` for `issuer`, or undefined when it does. */
export function notCalled(url: URL, issuer: URL | undefined): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol !== 'http:') return `not called: a ${url.protocol} URL (https is required)`;
  const local = issuer?.protocol === 'http:' && isLoopback(issuer.hostname);
  if (local && isLoopback(url.hostname)) return undefined;
  return `not called: plain http to ${url.host} (https is required${local ? '; http only on this machine' : ''})`;
}

/** `fetch` that refuses the URLs of {@link notCalled} before any connection. */
export function calling<Url extends string | URL, Init>(
  send: (url: Url, init: Init) => Promise<Response>,
  issuer: URL | undefined,
) {
  return (url: Url, init: Init): Promise<Response> => {
    const refused = notCalled(new URL(url), issuer);
    return refused ? Promise.reject(new NotCalled(refused)) : send(url, init);
  };
}

/** The endpoints the server calls, as discovery names them. */
const CALLED = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'userinfo_endpoint',
  'end_session_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'pushed_authorization_request_endpoint',
] as const;

/** The endpoints of `metadata` the doctor does not call, each with its URL and why. */
export function uncalledEndpoints(
  metadata: Partial<Record<(typeof CALLED)[number], unknown>>,
  issuer: URL,
): string[] {
  return CALLED.flatMap((key) => {
    const value = metadata[key];
    const url = typeof value === 'string' ? URL.parse(value) : null;
    const why = url && notCalled(url, issuer);
    return why ? [`${key} ${url.href} (${why})`] : [];
  });
}

/** Whether an answer from `url` comes from the issuer's origin, so its words may be repeated. */
export function fromIssuer(url: string | URL, issuer: URL | undefined): boolean {
  return issuer !== undefined && new URL(url).origin === issuer.origin;
}

/** `: "words"` from the issuer's origin; from another, a note that they are not shown. */
export function quoted(words: string, url: string | URL, issuer: URL | undefined): string {
  return fromIssuer(url, issuer)
    ? `: "${words}"`
    : ` (body not shown: ${new URL(url).origin} is not the issuer's origin)`;
}

/**
 * An OAuth error as the report repeats it: `code: description` from the issuer's origin; from
 * another, the code alone when it is a plain word (RFC 6749 5.2 codes are).
 */
export function oauthWords(
  code: string | undefined,
  description: string | undefined,
  url: string | URL,
  issuer: URL | undefined,
): string | undefined {
  if (fromIssuer(url, issuer))
    return code ? `${code}${description ? `: ${description}` : ''}` : description;
  const plain = code && /^[a-z_]{1,40}$/i.test(code) ? code : undefined;
  return description || code !== plain
    ? `${plain ? `${plain}; ` : ''}body not shown: ${new URL(url).origin} is not the issuer's origin`
    : plain;
}
