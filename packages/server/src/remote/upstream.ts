import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Pool, errors } from 'undici';
import type { RemoteApi } from '../config/remote-apis.js';
import { UpstreamTimeoutError, UpstreamUnavailableError } from '../errors.js';
import type { UpstreamBody } from './body.js';

/** An upstream's answer: its status, its headers, its body as a stream. */
export interface UpstreamAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/**
 * The connections to one remote API's upstream: undici's `Pool` (kept-alive connections, no
 * agent bookkeeping on each call). `timeoutMs` bounds the wait for the status line and headers,
 * and each pause of the body after them.
 */
export class Upstream {
  readonly #pool: Pool;

  constructor(private readonly api: RemoteApi) {
    this.#pool = new Pool(api.upstream.origin, {
      headersTimeout: api.timeoutMs,
      bodyTimeout: api.timeoutMs,
      connectTimeout: api.timeoutMs,
    });
  }

  async send(
    method: string,
    url: URL,
    headers: OutgoingHttpHeaders,
    body: UpstreamBody | undefined,
  ): Promise<UpstreamAnswer> {
    try {
      const answer = await this.#pool.request({
        method: method as never,
        path: url.pathname + url.search,
        headers: headers as Record<string, string>,
        body: body?.stream ?? null,
      });
      return answer as unknown as UpstreamAnswer;
    } catch (error) {
      throw this.#failure(error as Error & { code?: string });
    }
  }

  #failure(error: Error & { code?: string }) {
    const { name } = this.api;
    if (error instanceof errors.HeadersTimeoutError || error instanceof errors.ConnectTimeoutError)
      return new UpstreamTimeoutError(
        'The API did not answer in time.',
        `${name}: no answer within ${this.api.timeoutMs} ms`,
      );
    return new UpstreamUnavailableError(
      'The API could not be reached.',
      `${name}: ${error.code ?? error.message}`,
    );
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
