import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
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
  if (response.stream) pipeBody(response.stream, res);
  else res.end(response.body);
}

/**
 * A streamed body: an upstream that breaks off destroys the response, as a proxy must, and a
 * client that goes away destroys the upstream's answer (its connection is released). `pipe`
 * and two listeners, not `stream.pipeline`, which makes an AbortController per call and a
 * DOMException when it ends: a tenth of a proxied call's CPU in a profile.
 */
function pipeBody(stream: Readable, res: ServerResponse): void {
  stream.once('error', () => res.destroy());
  res.once('close', () => {
    if (!stream.readableEnded) stream.destroy();
  });
  stream.pipe(res);
}
