import type { Config } from '../config/parse.js';
import { BadRequestError } from '../errors.js';
import type { GatehouseRequest } from '../http/types.js';
import type { LoadedSession, Sessions } from '../session/sessions.js';
import { credentialHeaders } from './dpop.js';
import type { ApiTokens } from './tokens.js';

/**
 * What an app asks for to call an API itself (`gatehouse.accessToken()` and
 * `gatehouse.authorizationHeaders()`, docs/remote-apis.md): the token of the browser session
 * that `browserSession` finds (403 for a Bearer caller), or with `api` its token for that
 * remote API.
 */
export function appTokens(
  config: Config,
  sessions: Sessions,
  apiTokens: ApiTokens,
  browserSession: (request: GatehouseRequest) => Promise<LoadedSession>,
) {
  const remoteApi = (name: string, method: string) => {
    const remote = config.remoteApis.find((candidate) => candidate.name === name);
    if (!remote) throw new BadRequestError('Unknown API.', `${method}: no remote API ${name}`);
    return remote;
  };

  return {
    async accessToken(request: GatehouseRequest, { api }: { api?: string } = {}): Promise<string> {
      const session = await browserSession(request);
      if (api === undefined) return sessions.tokens(session).access_token;
      return (await apiTokens.credential(session, remoteApi(api, 'accessToken'))).token;
    },
    async authorizationHeaders(
      request: GatehouseRequest,
      {
        url,
        method = 'GET',
        api,
        nonce,
      }: { url: string | URL; method?: string; api?: string; nonce?: string },
    ): Promise<{ authorization: string; dpop?: string }> {
      const session = await browserSession(request);
      const credential =
        api === undefined
          ? await apiTokens.sessionCredential(session)
          : await apiTokens.credential(session, remoteApi(api, 'authorizationHeaders'));
      return credentialHeaders(credential, method, new URL(url), nonce);
    },
  };
}
