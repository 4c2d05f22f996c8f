import type { Config } from '../config/parse.js';

/**
 * What a sign-in asks for besides the app's own token, so the refresh token can later be
 * redeemed for each remote API: every API's scopes, and (RFC 8707 4) its resource indicator,
 * with the default audience first so the session's own token stays the app's.
 */
export function withRemoteApiScopes(authorizationUrl: URL, config: Config): URL {
  const apis = config.remoteApis;
  if (apis.length === 0) return authorizationUrl;
  const params = authorizationUrl.searchParams;
  const scopes = new Set((params.get('scope') ?? '').split(' ').filter(Boolean));
  for (const api of apis) for (const scope of api.scopes?.split(' ') ?? []) scopes.add(scope);
  params.set('scope', [...scopes].join(' '));
  const resources = apis.flatMap((api) => (api.resource ? [api.resource] : []));
  if (resources.length > 0) {
    for (const resource of new Set([config.audience, ...resources])) {
      params.append('resource', resource);
    }
  }
  return authorizationUrl;
}
