import { BodyTooLargeError } from '../errors.js';

/** Longest body Gatehouse reads (a back-channel logout token): larger is refused with 413. */
export const MAX_BODY = 16 * 1024;

/**
 * Reads a body as UTF-8 text, one chunk at a time, and throws a 413 as soon as it passes
 * `limit` bytes, whatever the framing: a declared `Content-Length` is refused before any read,
 * a chunked body once its bytes pass the limit. Throwing returns the iterator, which cancels a
 * standard `ReadableStream` (and destroys a Node stream unless its iterator was made with
 * `destroyOnReturn: false`).
 */
export async function readLimited(
  chunks: AsyncIterable<Uint8Array>,
  declaredLength: string | null | undefined,
  limit = MAX_BODY,
): Promise<string> {
  if (Number(declaredLength ?? 0) > limit) throw tooLarge();
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

function tooLarge(): BodyTooLargeError {
  return new BodyTooLargeError('The request body is too large.');
}
