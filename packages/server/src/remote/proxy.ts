import type { OutgoingHttpHeaders } from 'node:http';
import type { RemoteApi } from '../config/remote-apis.js';
import { MethodNotAllowedError } from '../errors.js';
import { tracing } from '../events.js';
import type { corsPolicy } from '../guard/cors.js';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import type { LoadedSession } from '../session/sessions.js';
import { upstreamBody, type UpstreamBody } from './body.js';
import { downstreamHeaders, upstreamHeaders, upstreamUrl } from './request.js';
import type { ApiCredential, ApiTokens } from './tokens.js';
import { askedForNonce, learnNonce, proofHeaders } from './dpop.js';
import { Upstream } from './upstream.js';

export interface ProxyDeps {
  /** The caller's session: cookie and `X-CSRF: 1` checked, refreshed (guard/authenticate.ts). */
  session(request: GatehouseRequest): Promise<LoadedSession>;
  tokens: ApiTokens;
  cors: ReturnType<typeof corsPolicy>;
  log: Logger;
}

/** Methods retried once, with a new token, when the upstream answers 401: no body to resend. */
const RETRIED = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/**
 * The handler of one remote API's prefix: a signed-in browser's request (session cookie and
 * `X-CSRF: 1`, whatever the method) goes to the configured upstream with a Bearer token for
 * that API (a DPoP-bound one as `Authorization: DPoP` with a fresh proof), bodies streamed both
 * ways. Throws {@link GatehouseError}s, which the core answers as JSON: 401 anonymous, 403
 * without the CSRF header, 400 for a path that leaves the prefix, 405, 415 for a body the host
 * parsed that cannot be rebuilt, 502 when the upstream cannot be reached, 504 when it does not
 * answer in time.
 */
export function remoteApiHandler(api: RemoteApi, deps: ProxyDeps) {
  const { tokens, log } = deps;
  const upstreamApi = new Upstream(api);

  const remoteApi = async function remoteApi(
    request: GatehouseRequest,
  ): Promise<GatehouseResponse> {
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS' && request.headers.origin !== undefined) {
      return deps.cors.preflight(request);
    }
    const session = await deps.session(request);
    const sub = session.record.user.sub;
    if (!api.methods.has(method)) {
      throw new MethodNotAllowedError(
        `This API does not accept ${method}.`,
        `${api.name}: ${method}`,
      );
    }
    const url = upstreamUrl(api, request.url ?? '/');
    const body = upstreamBody(request, method);
    const retried = RETRIED.has(method) && body === undefined;
    const call = async (credential: ApiCredential) => {
      const out = await headers(request, body, credential, method, url);
      const trace = { api: api.name, method, origin: url.origin, sub };
      const answer = await tracing.remoteApi.tracePromise(
        () => upstreamApi.send(method, url, out, body),
        trace,
      );
      learnNonce(credential, url, answer);
      return answer;
    };
    // The session the guard loaded: no second read of the store for its tokens.
    let credential = await tokens.credential(session, api);
    let upstream = await call(credential);
    if (retried && askedForNonce(credential, upstream)) {
      // RFC 9449 9: the API wants its nonce in the proof; the next proof carries it.
      upstream.body.resume();
      upstream = await call(credential);
    }
    if (upstream.statusCode === 401 && retried) {
      upstream.body.resume();
      log.info({ api: api.name, sub }, 'remote API refused its token: renewed');
      credential = await tokens.credential(session, api, credential.token);
      upstream = await call(credential);
    }
    upstream.body.on('error', (error: Error) => {
      log.warn({ api: api.name, err: error.message }, 'remote API broke off its answer');
    });
    return {
      status: upstream.statusCode,
      headers: downstreamHeaders(upstream.headers),
      stream: upstream.body,
    };
  };
  return Object.assign(remoteApi, { close: () => upstreamApi.close() });

  async function headers(
    request: GatehouseRequest,
    body: UpstreamBody | undefined,
    credential: ApiCredential,
    method: string,
    url: URL,
  ): Promise<OutgoingHttpHeaders> {
    const out = upstreamHeaders(api, request.headers, credential.token);
    if (credential.signer) Object.assign(out, await proofHeaders(credential, method, url));
    if (body?.length !== undefined) {
      // Serialised again, by the host's parser: plain bytes of this length, whatever was sent.
      out['content-length'] = body.length;
      delete out['content-encoding'];
    }
    return out;
  }
}
