import { Readable } from 'node:stream';
import { RemoteBodyUnsupportedError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';

/** What goes up as a remote API call's body. */
export interface UpstreamBody {
  stream: Readable;
  /**
   * Set when the host had already read and parsed the body, so it is sent serialised again:
   * its exact length in bytes, the `Content-Length` sent instead of the caller's.
   */
  length?: number;
}

/**
 * The request body for the upstream: the host's raw stream when nobody has read it yet (Node,
 * Express, a Fastify route that left it unparsed, a standard `Request`'s body), else the body
 * the host parsed (Express's `express.json()`, `urlencoded()`, `text()`, `raw()` mounted
 * first), serialised again by its content type; a 415 when that cannot be done faithfully.
 */
export function upstreamBody(request: GatehouseRequest, method: string): UpstreamBody | undefined {
  const { headers } = request;
  const declared = headers['content-length'] !== undefined && headers['content-length'] !== '0';
  if (!declared && headers['transfer-encoding'] === undefined) return undefined;
  if (method === 'GET' || method === 'HEAD') return undefined;
  const given = request.body;
  if (given instanceof Readable) return { stream: given };
  const raw = request instanceof Readable ? request : request.bodyStream?.();
  if (raw instanceof Readable) {
    if (!raw.readableDidRead && !raw.readableEnded) return { stream: raw };
    // Read by a parser mounted before Gatehouse: piping it again would send nothing.
    return raw.readableDidRead ? serialised(request) : exactly(Buffer.alloc(0));
  }
  if (raw) return { stream: Readable.from(raw) };
  // A declared body must go up whole, never a Content-Length the upstream waits on in vain.
  if (given === undefined) throw unsupported('no body given');
  return serialised(request);
}

/**
 * A parsed body as bytes again. Body parsers inflate and decode, so what goes up is plain
 * UTF-8 (no `Content-Encoding`, see proxy.ts): a body in another charset, a JSON value under a
 * type that is not JSON, or a form with nested fields (`extended` parsing) cannot be rebuilt.
 */
function serialised(request: GatehouseRequest): UpstreamBody {
  const { body } = request;
  const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
  const [type = '', ...parameters] = contentType.split(';').map((part) => part.trim());
  if (body instanceof Uint8Array) return exactly(Buffer.from(body));
  const charset = parameters.find((part) => part.startsWith('charset='))?.slice(8);
  if (charset !== undefined && !/^"?(utf-8|us-ascii)"?$/.test(charset)) {
    throw unsupported(`charset ${charset}`);
  }
  if (typeof body === 'string') return exactly(Buffer.from(body, 'utf8'));
  if (type === 'application/json' || type.endsWith('+json')) {
    if (body === undefined) throw unsupported('a JSON body read but not kept');
    return exactly(Buffer.from(JSON.stringify(body), 'utf8'));
  }
  if (type === 'application/x-www-form-urlencoded' && isFlatForm(body)) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body)) {
      for (const item of Array.isArray(value) ? value : [value]) form.append(name, item);
    }
    return exactly(Buffer.from(form.toString(), 'utf8'));
  }
  throw unsupported(body === undefined ? 'a body read but not kept' : `a parsed ${type} body`);
}

function exactly(bytes: Buffer): UpstreamBody {
  return { stream: Readable.from([bytes]), length: bytes.length };
}

/** A form as `querystring` parses it: each value a string or a list of strings. */
function isFlatForm(body: unknown): body is Record<string, string | string[]> {
  if (body === null || typeof body !== 'object') return false;
  return Object.values(body).every(
    (value) =>
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((item) => typeof item === 'string')),
  );
}

function unsupported(what: string): RemoteBodyUnsupportedError {
  return new RemoteBodyUnsupportedError(
    'This request body cannot be passed on as it was parsed: send JSON, a flat form or text in UTF-8.',
    `remote API body: the host parsed it before Gatehouse (${what})`,
  );
}
