import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type * as client from 'openid-client';

/** Node's response as a Fetch API Response (headers, status, the whole body). */
function toResponse(response: IncomingMessage, body: Buffer): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item);
  }
  const status = response.statusCode ?? 502;
  const empty = status === 204 || status === 304;
  return new Response(empty ? null : new Uint8Array(body), { status, headers });
}

/** The request bodies openid-client sends: form text, or bytes. */
function bodyOf(body: client.CustomFetchOptions['body']): string | Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof URLSearchParams) return String(body);
  if (body instanceof ArrayBuffer || body instanceof Uint8Array)
    return Buffer.from(body as Uint8Array);
  throw new TypeError('mtlsFetch: a streamed request body is not supported');
}

/**
 * A fetch for openid-client that presents a client certificate on every https connection to
 * the provider (RFC 8705 `tls_client_auth`). Node's global fetch cannot take a certificate, so
 * this one speaks node:https with an agent that holds it; the server's certificate is verified
 * against the trusted CAs as usual.
 */
export function mtlsFetch(certificate: { cert: string; key: string }): client.CustomFetch {
  const agent = new Agent({ cert: certificate.cert, key: certificate.key, keepAlive: true });
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(
        target,
        {
          method: options.method,
          headers: options.headers as Record<string, string>,
          ...(target.protocol === 'https:' ? { agent } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve(toResponse(response, Buffer.concat(chunks))));
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(bodyOf(options.body));
    });
}
