import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { RemoteApi } from '../config/remote-apis.js';
import { RemotePathInvalidError } from '../errors.js';

const REFUSED = 'This path is not allowed for this API.';

/**
 * The upstream URL for a request target under `api.path`, or a 400: the path after the prefix
 * may not climb out of it or hide a separator. Refused: `.` and `..` segments, plain or
 * percent-encoded (once or twice), with or without `;` path parameters (`..;x`, `%2e%2e;x`,
 * `..%3bx`), encoded slashes and backslashes, backslashes, empty segments (`//`, `;x`), NUL and
 * control characters. The query is passed on as it came.
 */
export function upstreamUrl(api: RemoteApi, target: string): URL {
  const mark = target.indexOf('?');
  const path = mark < 0 ? target : target.slice(0, mark);
  const query = mark < 0 ? '' : target.slice(mark);
  const rest = path.slice(api.path.length);
  if (rest !== '' && rest.charCodeAt(0) !== 47 /* / */) throw refused('prefix', path);
  if (rest.includes('\\') || rest.includes('//')) throw refused('separator', path);
  if (rest.includes('#')) throw refused('fragment', path);
  const segments = rest.split('/').slice(1);
  for (const [index, segment] of segments.entries()) {
    if (segment === '' && index !== segments.length - 1) throw refused('empty segment', path);
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw refused('bad escape', path);
    }
    if (/[\\/]/.test(decoded) || hasControl(decoded)) throw refused('encoded separator', path);
    if (decoded === '.' || decoded === '..') throw refused('dot segment', path);
    // Servlet containers (Tomcat, Jetty, Spring) drop `;` path parameters (RFC 3986 3.3), then
    // resolve dot segments: `..;x` climbs too, whether `;` is cut before decoding or after.
    if (dotWithParameters(segment, decoded)) throw refused('dot segment with parameters', path);
    // Double encoding (`%252e%252e`): an upstream that decodes twice must not see a climb.
    if (/%(2e|2f|5c|25|00|3b)/i.test(decoded)) throw refused('double encoding', path);
  }
  const base = api.upstream.pathname.replace(/\/$/, '');
  const url = new URL(api.upstream.href);
  url.pathname = base + rest || '/';
  url.search = query;
  // URL normalisation must not have changed anything the checks passed.
  if (url.pathname !== (base + rest || '/')) throw refused('normalisation', path);
  return url;
}

/**
 * Whether a segment with `;` parameters is `.`, `..` or empty once they are cut, cut from the
 * raw segment (a literal `;`) or from the decoded one (`%3b` too).
 */
function dotWithParameters(segment: string, decoded: string): boolean {
  const isDotOrEmpty = (name: string) => name === '' || name === '.' || name === '..';
  const raw = segment.indexOf(';');
  const plain = decoded.indexOf(';');
  return (
    (raw >= 0 && isDotOrEmpty(decodeURIComponent(segment.slice(0, raw)))) ||
    (plain >= 0 && isDotOrEmpty(decoded.slice(0, plain)))
  );
}

/** Whether a text has a C0 control character (NUL included) or DEL. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function refused(why: string, path: string): RemotePathInvalidError {
  return new RemotePathInvalidError(REFUSED, `remote API path refused (${why}): ${path}`);
}

/** The request headers passed on: the API's allow-list, then the Bearer token. */
export function upstreamHeaders(
  api: RemoteApi,
  headers: IncomingHttpHeaders,
  token: string,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name of api.headers) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  out.authorization = `Bearer ${token}`;
  return out;
}

/** Response headers never passed back: cookies of the upstream, and hop-by-hop headers. */
const DROPPED = new Set([
  'set-cookie',
  'set-cookie2',
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The upstream's response headers as the browser gets them. */
export function downstreamHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}
