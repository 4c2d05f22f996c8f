import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** The part of a request Gatehouse reads: Node's `IncomingMessage` fits, as do most frameworks'. */
export interface GatehouseRequest {
  readonly method?: string | undefined;
  /** Path and query, as on the request line. */
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The parsed or raw body, for the one route that reads one (back-channel logout). */
  readonly body?: unknown;
  /** Reads the raw body, when the host has not parsed it into `body` (at most 16 KiB, else 413). */
  readonly readBody?: () => Promise<string>;
  /** Route parameters, as frameworks parse them. */
  readonly params?: unknown;
  /**
   * The raw body as a stream, for a remote API: a standard `Request`'s body, or the Node request
   * behind a copy (a Node stream read by a body parser first is sent on as the parsed `body`).
   */
  readonly bodyStream?: () => AsyncIterable<Uint8Array> | null;
}

/** A response for an adapter to write: status, headers, and an already serialized body. */
export interface GatehouseResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body?: string;
  /** A streamed body instead (a remote API's answer): piped as it comes, destroyed on error. */
  stream?: Readable;
}
