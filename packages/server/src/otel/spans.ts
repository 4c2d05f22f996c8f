import {
  context as otelContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { tracing } from '../events.js';
import type { RemoteApiTrace } from '../events.js';
import type { Pseudonym } from './pseudonym.js';

/** A span Gatehouse opened, and the OpenTelemetry context its children start from. */
export interface OpenSpan {
  readonly span: Span;
  readonly context: Context;
  /** `error.type` once set: the first failure named is the one kept. */
  errorType?: string;
}

/** The `error.type` of a failure: its `ERR_*` code, else `_OTHER` (OTel semantic conventions). */
export function errorTypeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_') ? code : '_OTHER';
}

/** Marks a span failed with `type`, unless a failure was already named. */
export function fail(open: OpenSpan, type: string): void {
  if (open.errorType !== undefined) return;
  open.errorType = type;
  open.span.setAttribute('error.type', type);
  // The code only: an error's message may quote the provider's answer.
  open.span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

type Channel = (typeof tracing)[keyof typeof tracing];
type Message = object & { error?: unknown; result?: unknown };

interface Kind {
  channel: Channel;
  name: string;
  kind: SpanKind;
  /** Attributes at the start, from the context message. */
  start?(message: never, pseudonym: Pseudonym | undefined): Attributes;
  /** Attributes at the end, from the result. */
  end?(message: never, open: OpenSpan): void;
}

const remoteApiStart = (
  { api, method, origin, sub }: RemoteApiTrace,
  pseudonym: Pseudonym | undefined,
): Attributes => {
  const url = new URL(origin);
  return {
    'gatehouse.remote_api.name': api,
    'http.request.method': method,
    'server.address': url.hostname,
    'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    ...(pseudonym && { 'enduser.pseudo.id': pseudonym(sub) }),
  };
};

const remoteApiEnd = ({ result }: RemoteApiTrace, open: OpenSpan): void => {
  const status = (result as { statusCode?: number } | undefined)?.statusCode;
  if (status === undefined) return;
  open.span.setAttribute('http.response.status_code', status);
  // HTTP client spans: a 4xx or 5xx answer is a failure (OTel HTTP semantic conventions).
  if (status >= 400) fail(open, String(status));
};

/** The operations that become spans: one per tracing channel. */
const KINDS: readonly Kind[] = [
  { channel: tracing.login, name: 'gatehouse.login', kind: SpanKind.INTERNAL },
  { channel: tracing.callback, name: 'gatehouse.callback', kind: SpanKind.INTERNAL },
  {
    channel: tracing.refresh,
    name: 'gatehouse.refresh',
    kind: SpanKind.INTERNAL,
    start: ({ sub }: { sub: string }, pseudonym) =>
      pseudonym ? { 'enduser.pseudo.id': pseudonym(sub) } : {},
  },
  {
    channel: tracing.providerCall,
    name: 'gatehouse.provider_call',
    kind: SpanKind.CLIENT,
    start: ({ step }: { step: string }) => ({ 'gatehouse.provider.step': step }),
  },
  {
    channel: tracing.remoteApi,
    name: 'gatehouse.remote_api',
    kind: SpanKind.CLIENT,
    start: remoteApiStart,
    end: remoteApiEnd,
  },
];

/**
 * Spans over Gatehouse's tracing channels. A span's parent is the Gatehouse span it runs in
 * (a provider call in a callback), else the active OpenTelemetry context (the host's HTTP span).
 * Returns the store of the current Gatehouse span and an unsubscribe.
 */
export function traceSpans(
  tracer: Tracer,
  pseudonym: Pseudonym | undefined,
): { current: AsyncLocalStorage<OpenSpan | undefined>; stop(): void } {
  const current = new AsyncLocalStorage<OpenSpan | undefined>();
  const opened = new WeakMap<object, OpenSpan>();
  const finish = (message: Message, kind: Kind) => {
    const open = opened.get(message);
    if (!open) return;
    opened.delete(message);
    if ('error' in message) fail(open, errorTypeOf(message.error));
    else kind.end?.(message as never, open);
    open.span.end();
  };
  const subscriptions = KINDS.map((kind) => {
    // Node reports a throw here as an uncaught exception: telemetry must never stop a request.
    const startSpan = (message: Message): OpenSpan | undefined => {
      const outer = current.getStore();
      try {
        const parent = outer?.context ?? otelContext.active();
        const attributes = kind.start?.(message as never, pseudonym);
        const span = tracer.startSpan(kind.name, { kind: kind.kind, attributes }, parent);
        const open: OpenSpan = { span, context: trace.setSpan(parent, span) };
        opened.set(message, open);
        return open;
      } catch {
        return outer;
      }
    };
    const subscribers = {
      start() {},
      // A synchronous throw ends here; a promise ends at asyncEnd.
      end: (message: Message) => {
        if ('error' in message) finish(message, kind);
      },
      asyncStart() {},
      asyncEnd: (message: Message) => finish(message, kind),
      error() {},
    };
    kind.channel.start.bindStore(current, startSpan);
    kind.channel.subscribe(subscribers);
    return () => {
      kind.channel.start.unbindStore(current);
      kind.channel.unsubscribe(subscribers);
    };
  });
  return {
    current,
    stop: () => subscriptions.forEach((unsubscribe) => unsubscribe()),
  };
}
