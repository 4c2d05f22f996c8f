import { performance } from 'node:perf_hooks';
import { channels, tracing } from '../events.js';
import * as client from 'openid-client';
import {
  GatehouseError,
  GrantRejectedError,
  ProviderDeniedError,
  ProviderResponseError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  TokenValidationError,
} from '../errors.js';

const VALIDATION = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_INVALID_REQUEST',
  // An answer using what Gatehouse refuses to process (alg "none" or HS* on an ID token, a
  // `crit` header, implicit `token`/`id_token` parameters on the callback): a failed check.
  'OAUTH_UNSUPPORTED_OPERATION',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
]);

/**
 * Maps whatever openid-client, jose or fetch threw during `step` onto a {@link GatehouseError}:
 * provider down (503), slow (504), malformed (502), a failed check (401) or a refusal.
 */
export function providerError(error: unknown, step: string): GatehouseError {
  if (error instanceof GatehouseError) return error;
  const detail = `${step}: ${describe(error)}`;
  if (error instanceof client.AuthorizationResponseError) {
    return new ProviderDeniedError(
      error.error,
      providerMessage(error.error, error.error_description),
      detail,
    );
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    // A 401 with a challenge from the token endpoint: the client's credentials were refused.
    const challenge = error.cause[0]?.parameters.error ?? 'invalid_client';
    return new ProviderResponseError(
      `The identity provider refused the request (${challenge}). Check OKTA_CLIENT_ID and OKTA_CLIENT_SECRET (or the key or certificate CLIENT_AUTH names).`,
      detail,
    );
  }
  if (error instanceof client.ResponseBodyError) {
    if (error.status >= 500) return new ProviderUnavailableError(unavailable, detail);
    if (error.error === 'invalid_grant') {
      return new GrantRejectedError(
        'Your sign-in is no longer valid. Please sign in again.',
        detail,
      );
    }
    return new ProviderResponseError(
      `The identity provider refused the request (${error.error}). Check the client id, its credentials (CLIENT_AUTH) and the redirect URI.`,
      detail,
    );
  }
  const code = (error as { code?: string })?.code ?? '';
  if (timedOut(error)) {
    return new ProviderTimeoutError(
      'The identity provider did not answer in time. Try again in a moment.',
      detail,
    );
  }
  if (error instanceof TypeError || code === 'ECONNREFUSED' || code === 'ENOTFOUND') {
    return new ProviderUnavailableError(unavailable, detail);
  }
  // A 5xx that is not an OAuth error body (a proxy's HTML page, a failing JWKS endpoint).
  if ((httpResponseOf(error)?.status ?? 0) >= 500) {
    return new ProviderUnavailableError(unavailable, detail);
  }
  if (VALIDATION.has(code)) {
    return new TokenValidationError(
      'The identity provider’s answer failed a security check. Please sign in again.',
      detail,
    );
  }
  return new ProviderResponseError('The identity provider answered something unexpected.', detail);
}

const unavailable = 'The identity provider is unreachable right now. Try again in a moment.';

const MESSAGES: Record<string, string> = {
  access_denied: 'Sign-in was cancelled or access was denied.',
  login_required: 'You need to sign in at the identity provider.',
  consent_required: 'The identity provider needs your consent before signing you in.',
  interaction_required: 'The identity provider needs you to complete sign-in interactively.',
  temporarily_unavailable:
    'The identity provider is temporarily unavailable. Try again in a moment.',
  server_error: 'The identity provider had a problem signing you in. Try again in a moment.',
};

/** A readable sentence for a provider error, with the provider's own text when it gave one. */
function providerMessage(error: string, description?: string): string {
  const known = MESSAGES[error] ?? 'The identity provider could not sign you in.';
  return description ? `${known} The provider said: ${description.slice(0, 300)}` : known;
}

/**
 * Whether the call ran out of time: fetch's TimeoutError, which openid-client wraps in a
 * ClientError (`OAUTH_TIMEOUT`), or in a parse error when the body stalled after the headers.
 */
function timedOut(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; depth++) {
    const code = (cause as { code?: string }).code;
    if (cause.name === 'TimeoutError' || cause.name === 'AbortError') return true;
    if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return true;
    cause = cause.cause;
  }
  return false;
}

/** The HTTP response openid-client refused (its `cause` when the status was unexpected). */
function httpResponseOf(error: unknown): Response | undefined {
  const cause = (error as Error | undefined)?.cause;
  return cause instanceof Response ? cause : undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: string }).code;
  const response = httpResponseOf(error);
  const cause =
    error.cause instanceof Error
      ? ` (cause: ${error.cause.message})`
      : response
        ? ` (HTTP ${response.status} from ${response.url.split('?')[0]})`
        : '';
  return `${code ? code + ' ' : ''}${error.message}${cause}`;
}

/**
 * Runs one call to the provider: traces it (`tracing.providerCall`), measures it for
 * `gatehouse:provider-call` and turns whatever it throws into a {@link GatehouseError}.
 */
export function callProvider<T>(step: string, call: () => Promise<T>): Promise<T> {
  return tracing.providerCall.tracePromise(measured<T>, { step }, undefined, step, call);
}

async function measured<T>(step: string, call: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    const result = await call();
    if (channels.providerCall.hasSubscribers) {
      channels.providerCall.publish({ step, durationMs: performance.now() - start, ok: true });
    }
    return result;
  } catch (error) {
    const failure: GatehouseError = providerError(error, step);
    if (channels.providerCall.hasSubscribers) {
      channels.providerCall.publish({
        step,
        durationMs: performance.now() - start,
        ok: false,
        code: failure.code,
      });
    }
    throw failure;
  }
}
