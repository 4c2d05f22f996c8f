import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { readLimited } from './body.js';
import type { GatehouseRequest, GatehouseResponse } from './types.js';

/**
 * Reads a Node request's body as text, at most 16 KiB (a 413 beyond, chunked or not): for the
 * one Gatehouse route that reads a body, when the host has not parsed it. Past the limit the
 * rest is drained unread, so the 413 reaches the client on a connection that stays usable.
 */
export async function readNodeBody(request: GatehouseRequest): Promise<string> {
  const stream = request as unknown as IncomingMessage;
  if (typeof stream.iterator !== 'function') return '';
  try {
    return await readLimited(
      stream.iterator({ destroyOnReturn: false }),
      stream.headers['content-length'],
    );
  } catch (error) {
    stream.resume();
    throw error;
  }
}

/** Writes Gatehouse's response to a Node response. */
export function writeNodeResponse(res: ServerResponse, response: GatehouseResponse): void {
  res.writeHead(response.status, response.headers);
  // A streamed body: an upstream that breaks off destroys the response, as a proxy must.
  if (response.stream) pipeline(response.stream, res, () => {});
  else res.end(response.body);
}
