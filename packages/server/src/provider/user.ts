import * as client from 'openid-client';
import type { IDToken, UserInfoResponse } from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import { defaults } from '../config/defaults.js';
import type { SignInHook } from '../config/sign-in-hook.js';
import { GatehouseError, SignInRefusedError } from '../errors.js';
import { callProvider } from './provider-errors.js';
import type { SessionUser } from '../session-store.js';

/** The user as the front end sees it, from ID token claims (and userinfo when they lack them). */
export function userFromClaims(claims: IDToken | UserInfoResponse): SessionUser {
  const user: SessionUser = { sub: claims.sub };
  const name = claims.name ?? claims.preferred_username;
  if (typeof name === 'string') user.name = name;
  if (typeof claims.email === 'string') user.email = claims.email;
  if (Array.isArray(claims.groups))
    user.groups = claims.groups.filter((g): g is string => typeof g === 'string');
  return user;
}

/** The configurations of a Gatehouse with several providers: their users name their issuer. */
const NAMING_ISSUER = new WeakSet<client.Configuration>();

/**
 * With several providers (or `resolveProvider`), the users of this provider's token responses
 * carry `iss`, the issuer, so two providers' equal `sub`s stay two users for the app too. With
 * one provider the user is as it always was. Discovery marks each configuration it makes.
 */
export function usersNameIssuer(configuration: client.Configuration): void {
  NAMING_ISSUER.add(configuration);
}

/**
 * The user of a token response: its ID token's claims, completed from userinfo when they lack
 * a name or an email (a userinfo failure keeps the ID token's claims). Sign-in and refresh both
 * take the user from here, so a refresh brings the provider's current groups. `DPoP`: the
 * session's key, when its access token is bound to it (openid-client retries once on a nonce).
 */
export async function userOfTokens(
  configuration: client.Configuration,
  claims: IDToken,
  accessToken: string,
  log: Logger,
  DPoP?: client.DPoPHandle,
): Promise<SessionUser> {
  const user = userFromClaims(claims);
  // The ID token's `iss`, which openid-client checked is this provider's issuer.
  if (NAMING_ISSUER.has(configuration)) user.iss = claims.iss;
  if ((user.name && user.email) || !configuration.serverMetadata().userinfo_endpoint) return user;
  const info = await callProvider('userinfo', () =>
    client.fetchUserInfo(configuration, accessToken, claims.sub, { DPoP }),
  ).catch((failure: GatehouseError) => {
    log.warn({ detail: failure.detail }, 'userinfo failed; using ID token claims');
  });
  return info ? { ...userFromClaims(info), ...user } : user;
}

/**
 * Runs the application's `onSignIn` hook on a token response with an ID token: resolves to the
 * claims to keep (JSON, at most `defaults.maxKeptClaims` characters) or undefined; throws a 403
 * {@link SignInRefusedError} when the hook answers `false`, and whatever the hook throws.
 */
export async function keptClaims(
  configuration: client.Configuration,
  hook: SignInHook | undefined,
  claims: IDToken,
  tokens: client.TokenEndpointResponse,
  refresh: boolean,
  log: Logger,
  DPoP?: client.DPoPHandle,
): Promise<Record<string, unknown> | undefined> {
  if (!hook) return undefined;
  const userinfo = configuration.serverMetadata().userinfo_endpoint
    ? await callProvider('userinfo', () =>
        client.fetchUserInfo(configuration, tokens.access_token, claims.sub, { DPoP }),
      ).catch((failure: GatehouseError) => {
        log.warn({ detail: failure.detail }, 'userinfo failed; onSignIn gets none');
        return undefined;
      })
    : undefined;
  const { access_token, id_token, scope, expires_in } = tokens;
  const decision = await hook({
    claims,
    userinfo,
    tokens: { access_token, id_token, scope, expires_in },
    refresh,
  });
  if (decision === false) {
    throw new SignInRefusedError(
      'This application does not allow you to sign in with this account.',
      `onSignIn refused ${claims.sub}${refresh ? ' on refresh' : ''}`,
    );
  }
  const keep = typeof decision === 'object' && decision !== null ? decision.keep : undefined;
  if (keep === undefined) return undefined;
  const json = typeof keep === 'object' && !Array.isArray(keep) ? JSON.stringify(keep) : undefined;
  if (json === undefined || json.length > defaults.maxKeptClaims) {
    throw new GatehouseError(
      'Something went wrong on our side. Try again in a moment.',
      `onSignIn kept ${json === undefined ? 'no object' : `${json.length} characters`}: at most ${defaults.maxKeptClaims} characters of JSON`,
    );
  }
  return JSON.parse(json) as Record<string, unknown>;
}

/** The scopes a token response granted (RFC 6749 5.1: absent when all requested ones were). */
export function grantedScopes(tokens: { scope?: string | undefined }): string[] | undefined {
  return tokens.scope?.split(' ').filter(Boolean);
}
