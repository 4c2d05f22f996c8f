import { ConfigError } from '../errors.js';

/**
 * Authorization parameters a sign-in request (`/login?...`, the React SDK's `signIn()`) may
 * pass to the provider (OIDC Core 3.1.2.1; `organization`: Okta and Auth0 organizations).
 */
export const STANDARD_LOGIN_PARAMS: readonly string[] = Object.freeze([
  'prompt',
  'login_hint',
  'acr_values',
  'max_age',
  'ui_locales',
  'organization',
]);

/**
 * Parameters Gatehouse alone sets: the flow's security rests on them (RFC 9700 2.1, 4.5), so
 * neither a request nor the configuration may set them. `scope` has its own setting.
 */
export const RESERVED_PARAMS: readonly string[] = Object.freeze([
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'response_mode',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
  'scope',
  'request',
  'request_uri',
]);

/**
 * The query parameters of `/login` itself, never sent to the provider. `_rsc`: the cache-busting
 * parameter Next.js's router adds to its fetches, kept when one follows a redirect to `/login`.
 * `provider`: which configured provider signs the user in (docs/tenants.md).
 */
export const ROUTE_PARAMS: readonly string[] = Object.freeze([
  'returnTo',
  'popup',
  '_rsc',
  'provider',
]);

/** Longest value of a parameter from the configuration, in characters. */
const MAX_CONFIGURED_VALUE = 1024;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
/** A `max_age`: a whole number of seconds (OIDC Core 3.1.2.1). */
export const MAX_AGE = /^\d{1,9}$/;
/** An `acr_values`: space-separated printable ASCII values (OIDC Core 3.1.2.1). */
export const ACR_VALUES = /^[\x21-\x7e]+( [\x21-\x7e]+)*$/;

function checkName(name: string, label: string): void {
  if (!NAME.test(name)) {
    throw new ConfigError(`${label}: ${JSON.stringify(name)} is not a parameter name`);
  }
  if (RESERVED_PARAMS.includes(name) || ROUTE_PARAMS.includes(name)) {
    throw new ConfigError(
      `${label} cannot name ${name}: Gatehouse sets it itself${name === 'scope' ? ' (use scopes / OKTA_SCOPES)' : ''}`,
    );
  }
}

/** The configured names added to the allow-list (`loginParams`), validated. */
export function loginParamExtras(
  value: readonly string[] | undefined,
  label: string,
): readonly string[] {
  const extra = value ?? [];
  for (const name of extra) checkName(name, label);
  return Object.freeze(extra.filter((name) => !STANDARD_LOGIN_PARAMS.includes(name)));
}

/**
 * Fixed parameters sent on every sign-in: an object, or (from the environment) a query string
 * such as `audience=api%3A%2F%2Forders&organization=org_123`.
 */
export function fixedAuthorizationParams(
  value: Readonly<Record<string, string>> | string | undefined,
  label: string,
): Readonly<Record<string, string>> {
  const entries =
    typeof value === 'string'
      ? [...new URLSearchParams(value).entries()]
      : Object.entries(value ?? {});
  const params: Record<string, string> = {};
  for (const [name, text] of entries) {
    checkName(name, label);
    if (typeof text !== 'string' || text.length > MAX_CONFIGURED_VALUE) {
      throw new ConfigError(
        `${label}.${name} must be a string of at most ${MAX_CONFIGURED_VALUE} characters`,
      );
    }
    if (name === 'max_age' && !MAX_AGE.test(text)) {
      throw new ConfigError(`${label}.max_age must be a whole number of seconds`);
    }
    if (name === 'acr_values' && !ACR_VALUES.test(text)) {
      throw new ConfigError(`${label}.acr_values must be space-separated acr values`);
    }
    params[name] = text;
  }
  return Object.freeze(params);
}

/** The authentication level every sign-in must reach, from the configured parameters. */
export interface SignInFloor {
  /** The configured `acr_values`: the ID token's `acr` must be one of them. */
  readonly acr?: readonly string[];
  /** The configured `max_age`: the ID token's `auth_time` must be within it. */
  readonly maxAge?: number;
}

/** The floor of `authorizationParams` (validated by {@link fixedAuthorizationParams}). */
export function signInFloor(params: Readonly<Record<string, string>>): SignInFloor {
  const { acr_values: acrValues, max_age: maxAge } = params;
  return Object.freeze({
    ...(acrValues !== undefined && { acr: Object.freeze(acrValues.split(' ')) }),
    ...(maxAge !== undefined && { maxAge: Number(maxAge) }),
  });
}
