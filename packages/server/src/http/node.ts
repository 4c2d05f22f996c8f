import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { BodyTooLargeError } from '../errors.js';
import type { GatehouseRequest, GatehouseResponse } from './types.js';
import { MAX_BODY } from './web.js';

/**
 * Reads a Node request's body as text, at most 16 KiB (a 413 beyond): for the one Gatehouse
 * route that reads a body, when the host has not parsed it.
 */
export function readNodeBody(request: GatehouseRequest): Promise<string> {
  const stream = request as unknown as IncomingMessage;
  if (typeof stream.on !== 'function') return Promise.resolve('');
  if (Number(stream.headers['content-length'] ?? 0) > MAX_BODY) {
    return Promise.reject(new BodyTooLargeError(TOO_LARGE));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        stream.removeAllListeners('data');
        stream.resume();
        reject(new BodyTooLargeError(TOO_LARGE));
      } else chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

/** Writes Gatehouse's response to a Node response. */
export function writeNodeResponse(res: ServerResponse, response: GatehouseResponse): void {
  res.writeHead(response.status, response.headers);
  // A streamed body: an upstream that breaks off destroys the response, as a proxy must.
  if (response.stream) pipeline(response.stream, res, () => {});
  else res.end(response.body);
}

const TOO_LARGE = 'The request body is too large.';
