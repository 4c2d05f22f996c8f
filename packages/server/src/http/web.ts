import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { readLimited } from './body.js';
import type { GatehouseRequest, GatehouseResponse } from './types.js';

export { MAX_BODY } from './body.js';

/**
 * A standard `Request` (Next.js, Hono, Bun, Deno, workers) as Gatehouse's request. The headers
 * are read through the `Headers` object on demand, not copied.
 *
 * @example
 * ```ts
 * const response = await gatehouse.handle(fromWebRequest(request))
 * ```
 */
export function fromWebRequest(request: Request): GatehouseRequest {
  const url = request.url;
  // `request.url` is absolute: keep the path and query, as a request line has them.
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return {
    method: request.method,
    url: start < 0 ? '/' : url.slice(start),
    headers: headerRecord(request.headers),
    readBody: () => readWebBody(request),
    bodyStream: () => request.body as AsyncIterable<Uint8Array> | null,
  };
}

/**
 * Gatehouse's response as a standard `Response` (each `Set-Cookie` its own header line).
 *
 * @example
 * ```ts
 * return toWebResponse(await gatehouse.handle(fromWebRequest(request)))
 * ```
 */
export function toWebResponse(response: GatehouseResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const body = response.stream
    ? (Readable.toWeb(response.stream) as ReadableStream<Uint8Array>)
    : (response.body ?? null);
  return new Response(body, { status: response.status, headers });
}

/**
 * `Headers` seen as Node's lower-case header record, looked up on access. It lists its names
 * too, so a copy (`{ ...headers }`) or `Object.entries` sees every header, as with Node's.
 */
function headerRecord(headers: Headers): IncomingHttpHeaders {
  return new Proxy({} as IncomingHttpHeaders, {
    get: (_target, name) =>
      typeof name === 'string' ? (headers.get(name) ?? undefined) : undefined,
    has: (_target, name) => typeof name === 'string' && headers.has(name),
    ownKeys: () => [...new Set(headers.keys())],
    getOwnPropertyDescriptor: (_target, name) => {
      const value = typeof name === 'string' ? headers.get(name) : null;
      return value === null ? undefined : { value, enumerable: true, configurable: true };
    },
  });
}

/**
 * The body as text, pulled chunk by chunk: the stream is cancelled and a 413 thrown as soon as
 * it passes the limit, chunked or not, never read whole first.
 */
function readWebBody(request: Request): Promise<string> {
  const body = request.body as AsyncIterable<Uint8Array> | null;
  return body ? readLimited(body, request.headers.get('content-length')) : Promise.resolve('');
}
