import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import { CsrfRejectedError } from '../errors.js';
import { json, redirect } from '../http/respond.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import { csrfCheck } from '../guard/csrf.js';
import type { Sessions } from '../session/sessions.js';
import type { Discovery } from '../provider/discovery.js';
import { channels } from '../events.js';

/**
 * `POST /logout`: ends the server session whatever the provider's state, then answers the
 * provider's end-session URL (RP-Initiated Logout 1.0, with `id_token_hint` and
 * `post_logout_redirect_uri`) as JSON, or 302s there for an HTML form post.
 */
export function logoutHandler(
  config: Config,
  provider: Discovery,
  sessions: Sessions,
  log: Logger,
) {
  const checkCsrf = csrfCheck(config);
  const allowedOrigins = new Set([config.frontendOrigin, config.backendOrigin]);

  return async function logout(request: GatehouseRequest): Promise<GatehouseResponse> {
    const formPost = String(request.headers['content-type']).startsWith(
      'application/x-www-form-urlencoded',
    );
    if (formPost && request.headers['x-csrf'] === undefined) {
      // A form cannot send X-CSRF; every browser sends Origin on a form POST, so it must be ours.
      if (!allowedOrigins.has(String(request.headers.origin))) {
        throw new CsrfRejectedError(
          'Sign-out must be requested from this application.',
          `origin ${request.headers.origin}`,
        );
      }
    } else {
      checkCsrf(request);
    }

    let idToken: string | undefined;
    const session = await sessions.load(sessions.idOf(request) ?? '');
    if (session) {
      // Ended whatever happens to decryption; without tokens, no id_token_hint.
      idToken = (await sessions.end(session))?.id_token;
      log.info({ sub: session.record.user.sub }, 'signed out');
      channels.signOut.publish({ sub: session.record.user.sub });
    }

    const endSessionUrl = await provider
      .configuration()
      .then((configuration) =>
        configuration.serverMetadata().end_session_endpoint
          ? client.buildEndSessionUrl(configuration, {
              post_logout_redirect_uri: config.postLogoutRedirectUri,
              ...(idToken && { id_token_hint: idToken }),
            }).href
          : null,
      )
      .catch(() => null);
    const headers = { 'set-cookie': sessions.clearCookie };
    return formPost
      ? redirect(endSessionUrl ?? config.frontendUrl.href, headers)
      : json(200, { endSessionUrl }, headers);
  };
}
