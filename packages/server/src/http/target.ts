import { BadRequestError } from '../errors.js';
import type { GatehouseRequest } from './types.js';

/** The path and query of a request, as the request line sent them. */
export interface RequestTarget {
  /** The path, percent-encoding kept as sent: `/sessions/abc`. */
  readonly path: string;
  /** The query with its leading `?`, or `''`. */
  readonly search: string;
  /** The query's parameters; a bad escape such as `%zz` is kept as sent, never an exception. */
  readonly query: URLSearchParams;
}

/** `scheme://authority` then the rest: a request target in absolute form (RFC 9112 3.2.2). */
const ABSOLUTE_FORM = /^([A-Za-z][A-Za-z\d+.-]*):\/\/([^/?#]*)(.*)$/s;

/**
 * Reads a request target (`request.url`) without ever throwing: origin form (`/path?query`), or
 * absolute form (`http://host:port/path?query`, which a client may send and Node passes on as
 * is) whose authority Gatehouse ignores, since it builds every URL from BACKEND_URL. Undefined
 * for a target no route serves: another scheme, a bad authority (port out of range, userinfo),
 * asterisk or authority form, anything not starting with `/`.
 *
 * `new URL(request.url, base)` throws on some of these (`http://a:99999/`, `//a:99999/`): never
 * use it on a request.
 */
export function readTarget(url: string | undefined): RequestTarget | undefined {
  let rest = url || '/';
  const absolute = ABSOLUTE_FORM.exec(rest);
  if (absolute) {
    const [, scheme = '', authority = '', tail = ''] = absolute;
    if (!/^https?$/i.test(scheme) || authority === '' || authority.includes('@')) return undefined;
    if (!URL.canParse(`${scheme}://${authority}/`)) return undefined;
    rest = tail;
  } else if (!rest.startsWith('/')) {
    return undefined;
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const mark = rest.indexOf('?');
  const path = mark < 0 ? rest : rest.slice(0, mark);
  const search = mark < 0 || mark === rest.length - 1 ? '' : rest.slice(mark);
  return { path: path || '/', search, query: new URLSearchParams(search) };
}

/**
 * The target of a request that reached a route: never throws. Gatehouse's route table refuses a
 * malformed target first (see {@link malformedTarget}); should one get here all the same, it
 * reads as `/` with no query, which every route refuses as incomplete.
 */
export function requestTarget(request: GatehouseRequest): RequestTarget {
  return readTarget(request.url) ?? { path: '/', search: '', query: new URLSearchParams() };
}

/** The 400 `invalid_request` for a request whose target {@link readTarget} cannot read. */
export function malformedTarget(request: GatehouseRequest): BadRequestError | undefined {
  if (readTarget(request.url)) return undefined;
  return new BadRequestError(
    'The request URL is malformed.',
    `malformed request target (${String(request.url).length} characters)`,
  );
}
