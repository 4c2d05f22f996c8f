/**
 * Every `code` a {@link GatehouseError} carries: stable across releases, so clients, tests and
 * metrics switch on them. `ERR_GATEHOUSE` is the generic 500. A new error class's code is added
 * here too: `failure()` takes no other, so a class with an unlisted code does not compile (and
 * a test fails on a listed code no class carries).
 */
export type GatehouseErrorCode =
  | 'ERR_GATEHOUSE'
  | 'ERR_TRANSACTION_MISSING'
  | 'ERR_STATE_MISMATCH'
  | 'ERR_CALLBACK_INVALID'
  | 'ERR_PROVIDER_DENIED'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_GRANT_REJECTED'
  | 'ERR_PROVIDER_UNAVAILABLE'
  | 'ERR_INTROSPECTION_BUSY'
  | 'ERR_DPOP_REFUSED'
  | 'ERR_PROVIDER_TIMEOUT'
  | 'ERR_PROVIDER_RESPONSE'
  | 'ERR_PAR_UNAVAILABLE'
  | 'ERR_LOGIN_PARAM_INVALID'
  | 'ERR_SIGN_IN_REFUSED'
  | 'ERR_ACR_REFUSED'
  | 'ERR_INSUFFICIENT_USER_AUTHENTICATION'
  | 'ERR_RETURN_TO_INVALID'
  | 'ERR_AUTHENTICATION_REQUIRED'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_SESSION_KEY_UNKNOWN'
  | 'ERR_CSRF'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_BAD_REQUEST'
  | 'ERR_ACCESS_TOKEN_INVALID'
  | 'ERR_ACCESS_TOKEN_EXPIRED'
  | 'ERR_DPOP_PROOF_INVALID'
  | 'ERR_DPOP_NONCE_REQUIRED'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_BODY_TOO_LARGE'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_SESSION_REQUIRED'
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_API_TOKEN_REFUSED'
  | 'ERR_REMOTE_PATH'
  | 'ERR_REMOTE_BODY'
  | 'ERR_METHOD_NOT_ALLOWED';

/**
 * Marks every GatehouseError, so {@link isGatehouseError} knows one made by another copy of this
 * module (a Next.js bundle of its own), where `instanceof` would say no.
 */
const BRAND = Symbol.for('@gatehouse/server:GatehouseError');

/**
 * Every runtime failure is a {@link GatehouseError} with a stable `code`: switch on `code`
 * (typed {@link GatehouseErrorCode}), not on `instanceof` a subclass. `status`, `error` and
 * `description` are public (they reach the client); `detail` goes only to the log. The
 * subclasses are exported by `@gatehouse/server/errors`.
 *
 * @example
 * ```ts
 * try { await gatehouse.authenticate(req) } catch (e) {
 *   if (isGatehouseError(e, 'ERR_SESSION_EXPIRED')) { ... }
 * }
 * ```
 */
export class GatehouseError extends Error {
  /** A stable identifier of this failure, e.g. `ERR_STATE_MISMATCH`. */
  readonly code: GatehouseErrorCode = 'ERR_GATEHOUSE';
  /** The HTTP status the failure maps to. */
  readonly status: number = 500;
  /** An OAuth-style error code for the response body (`invalid_request`, `access_denied`, ...). */
  readonly error: string = 'server_error';
  /** Private detail for the log, never sent to the client. */
  readonly detail: string | undefined;
  /** Seconds after which the client may try again, sent as `Retry-After` when set. */
  readonly retryAfter: number | undefined = undefined;
  /**
   * Headers of the response, over the default challenge: RFC 9449's `WWW-Authenticate: DPoP`
   * and `DPoP-Nonce` (set by the DPoP checks, bearer/access-token.ts).
   */
  readonly headers: Readonly<Record<string, string>> | undefined = undefined;

  constructor(description: string, detail?: string, options?: ErrorOptions) {
    super(description, options);
    this.detail = detail;
  }

  /** The public, human-readable explanation (`error_description`). */
  get description(): string {
    return this.message;
  }

  static {
    Object.defineProperty(this.prototype, BRAND, { value: true });
  }
}

/**
 * Whether `error` is a {@link GatehouseError}, and with `code`, one with that code: narrows it
 * to an error whose `code` is that literal.
 *
 * @example
 * ```ts
 * if (isGatehouseError(error, 'ERR_INSUFFICIENT_SCOPE')) log.info(error.code, error.status)
 * if (isGatehouseError(error)) metrics.count(error.code)
 * ```
 */
export function isGatehouseError(error: unknown): error is GatehouseError;
export function isGatehouseError<C extends GatehouseErrorCode>(
  error: unknown,
  code: C,
): error is GatehouseError & { readonly code: C };
export function isGatehouseError(error: unknown, code?: GatehouseErrorCode): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [BRAND]?: unknown })[BRAND] === true &&
    (code === undefined || (error as GatehouseError).code === code)
  );
}

function failure<C extends GatehouseErrorCode>(code: C, status: number, error: string) {
  return class extends GatehouseError {
    override readonly code: C = code;
    override readonly status = status;
    override readonly error = error;
  };
}

/** The sign-in transaction cookie is missing, expired or was tampered with. */
export class TransactionMissingError extends failure(
  'ERR_TRANSACTION_MISSING',
  400,
  'invalid_request',
) {}
/** The `state` of the callback matches no sign-in this browser started (login CSRF). */
export class StateMismatchError extends failure('ERR_STATE_MISMATCH', 400, 'invalid_request') {}
/** The callback misses its parameters or carries malformed ones. */
export class CallbackInvalidError extends failure('ERR_CALLBACK_INVALID', 400, 'invalid_request') {}
/** The provider answered the authorization request with an error (`access_denied`, ...). */
export class ProviderDeniedError extends GatehouseError {
  override readonly code = 'ERR_PROVIDER_DENIED';
  override readonly status = 403;
  override readonly error: string;
  constructor(error: string, description: string, detail?: string) {
    super(description, detail);
    this.error = error;
  }
}
/** A token, an ID token or a provider response failed validation (issuer, nonce, signature, ...). */
export class TokenValidationError extends failure('ERR_TOKEN_INVALID', 401, 'invalid_token') {}
/** The provider rejected the code or the refresh token (`invalid_grant`): sign in again. */
export class GrantRejectedError extends failure('ERR_GRANT_REJECTED', 401, 'invalid_grant') {}
/** The provider could not be reached or answered 5xx. */
export class ProviderUnavailableError extends failure(
  'ERR_PROVIDER_UNAVAILABLE',
  503,
  'temporarily_unavailable',
) {}
/**
 * Too many opaque Bearer tokens to introspect right now (`INTROSPECTION_RATE_LIMIT`,
 * `INTROSPECTION_CONCURRENCY`): answered at once, `retryAfter` seconds in `Retry-After`.
 */
export class IntrospectionBusyError extends failure(
  'ERR_INTROSPECTION_BUSY',
  503,
  'temporarily_unavailable',
) {
  override readonly retryAfter: number;
  constructor(retryAfter: number, description: string, detail?: string) {
    super(description, detail);
    this.retryAfter = retryAfter;
  }
}
/**
 * `DPOP=on` and the provider refused the session key's proof (`invalid_dpop_proof`, a nonce it
 * kept refusing) or issued tokens that are not DPoP-bound (docs/dpop.md).
 */
export class DPoPRefusedError extends failure('ERR_DPOP_REFUSED', 502, 'server_error') {}
/** The provider did not answer within the configured timeout. */
export class ProviderTimeoutError extends failure(
  'ERR_PROVIDER_TIMEOUT',
  504,
  'temporarily_unavailable',
) {}
/** The provider answered something that is not valid OpenID Connect. */
export class ProviderResponseError extends failure('ERR_PROVIDER_RESPONSE', 502, 'server_error') {}
/** `PAR=on` and the provider advertises no `pushed_authorization_request_endpoint`. */
export class ParUnavailableError extends failure('ERR_PAR_UNAVAILABLE', 502, 'server_error') {}
/** `/login` got a parameter that is not on the allow-list, or a value too long or malformed. */
export class LoginParamInvalidError extends failure(
  'ERR_LOGIN_PARAM_INVALID',
  400,
  'invalid_request',
) {}
/** The application's `onSignIn` hook refused this user. */
export class SignInRefusedError extends failure('ERR_SIGN_IN_REFUSED', 403, 'access_denied') {}
/** The provider signed the user in with a weaker `acr` than the sign-in asked for. */
export class AuthLevelRefusedError extends failure('ERR_ACR_REFUSED', 403, 'access_denied') {}
/**
 * The caller signed in, but not strongly or not recently enough for this resource (RFC 9470):
 * the challenge names the `acr_values` and `max_age` of a sign-in that would do.
 */
export class InsufficientUserAuthenticationError extends failure(
  'ERR_INSUFFICIENT_USER_AUTHENTICATION',
  401,
  'insufficient_user_authentication',
) {
  constructor(
    readonly acrValues: readonly string[],
    readonly maxAge: number | undefined,
    description: string,
    detail?: string,
  ) {
    super(description, detail);
  }
}
/** `returnTo` is not a local path (open redirect attempt). */
export class ReturnToInvalidError extends failure(
  'ERR_RETURN_TO_INVALID',
  400,
  'invalid_request',
) {}
/** No session cookie and no Bearer token: the caller is not signed in. */
export class AuthenticationRequiredError extends failure(
  'ERR_AUTHENTICATION_REQUIRED',
  401,
  'unauthorized',
) {}
/** The session ended (signed out, idle or absolute timeout). */
export class SessionExpiredError extends failure('ERR_SESSION_EXPIRED', 401, 'invalid_token') {}
/**
 * The session is sealed under a SESSION_SECRET this instance does not know (a rotation under
 * way, this instance not yet on it): refused and left in the store for the instances that know it.
 */
export class SessionKeyUnknownError extends failure(
  'ERR_SESSION_KEY_UNKNOWN',
  503,
  'temporarily_unavailable',
) {
  override readonly retryAfter: number = 5;
}
/** A cookie-authenticated unsafe request lacks `X-CSRF: 1` or comes from a foreign origin. */
export class CsrfRejectedError extends failure('ERR_CSRF', 403, 'access_denied') {}
/** The session store could not be reached or failed. */
export class StoreUnavailableError extends failure(
  'ERR_STORE_UNAVAILABLE',
  503,
  'temporarily_unavailable',
) {}
/** The request is malformed in a way no route can serve (header too large, bad method). */
export class BadRequestError extends failure('ERR_BAD_REQUEST', 400, 'invalid_request') {}
/** A Bearer access token failed a check: form, algorithm, signature, issuer, audience, client. */
export class AccessTokenInvalidError extends failure(
  'ERR_ACCESS_TOKEN_INVALID',
  401,
  'invalid_token',
) {}
/** A Bearer access token is past its `exp` (or before its `nbf`), beyond the clock tolerance. */
export class AccessTokenExpiredError extends failure(
  'ERR_ACCESS_TOKEN_EXPIRED',
  401,
  'invalid_token',
) {}
/**
 * A DPoP proof (RFC 9449) missing, malformed, replayed, or made for another request or token.
 * 401 with the DPoP challenge at a resource server (RFC 9449 7.1), not the token endpoint's 400.
 */
export class DPoPProofInvalidError extends failure(
  'ERR_DPOP_PROOF_INVALID',
  401,
  'invalid_dpop_proof',
) {}
/** The DPoP proof lacks this server's current nonce (RFC 9449 9): retry with the `DPoP-Nonce` sent. */
export class DPoPNonceRequiredError extends failure(
  'ERR_DPOP_NONCE_REQUIRED',
  401,
  'use_dpop_nonce',
) {}
/** The caller lacks a scope the route requires; `scope` lists them all (RFC 6750 3.1). */
export class InsufficientScopeError extends failure(
  'ERR_INSUFFICIENT_SCOPE',
  403,
  'insufficient_scope',
) {
  constructor(
    readonly scope: string,
    description: string,
    detail?: string,
  ) {
    super(description, detail);
  }
}
/** The caller is authenticated but a group or claims rule does not let it in. */
export class AccessDeniedError extends failure('ERR_ACCESS_DENIED', 403, 'access_denied') {}
/** A request body over the size Gatehouse reads (16 KiB): a back-channel logout token is far smaller. */
export class BodyTooLargeError extends failure('ERR_BODY_TOO_LARGE', 413, 'invalid_request') {}
/** "Your devices": the session to end is not one of the caller's (or does not exist). */
export class SessionNotFoundError extends failure('ERR_SESSION_NOT_FOUND', 404, 'not_found') {}
/** "Your devices" is for a signed-in browser: a Bearer caller has no session to manage. */
export class BrowserOnlyError extends failure('ERR_SESSION_REQUIRED', 403, 'access_denied') {}
/** A remote API's upstream could not be reached, or broke off its answer (docs/remote-apis.md). */
export class UpstreamUnavailableError extends failure(
  'ERR_UPSTREAM_UNAVAILABLE',
  502,
  'bad_gateway',
) {}
/** A remote API's upstream did not answer within its timeout. */
export class UpstreamTimeoutError extends failure('ERR_UPSTREAM_TIMEOUT', 504, 'gateway_timeout') {}
/** The provider would not issue a token for a remote API (`invalid_target`, no refresh token). */
export class ApiTokenRefusedError extends failure('ERR_API_TOKEN_REFUSED', 502, 'invalid_target') {}
/** A remote API path that climbs out of its prefix or is not canonical. */
export class RemotePathInvalidError extends failure('ERR_REMOTE_PATH', 400, 'invalid_request') {}
/** A remote API call's body the host parsed first and that cannot be rebuilt faithfully. */
export class RemoteBodyUnsupportedError extends failure(
  'ERR_REMOTE_BODY',
  415,
  'invalid_request',
) {}
/** A method a remote API does not accept (`methods`). */
export class MethodNotAllowedError extends failure(
  'ERR_METHOD_NOT_ALLOWED',
  405,
  'invalid_request',
) {}

/**
 * A mistake in the configuration, thrown at startup and naming the option or variable. Not a
 * {@link GatehouseError}: it stops the server before any request, and its message (which names
 * settings) must never reach a client.
 */
export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG';
}
