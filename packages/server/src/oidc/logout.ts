import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { Config } from '../config/parse.js';
import { frontendOf } from '../config/frontends.js';
import { CsrfRejectedError } from '../errors.js';
import { json, redirect } from '../http/respond.js';
import type { GatehouseRequest, GatehouseResponse } from '../http/types.js';
import { csrfCheck } from '../guard/csrf.js';
import type { Sessions } from '../session/sessions.js';
import type { ProviderContext, Providers } from '../provider/providers.js';
import { channels } from '../events.js';

/**
 * `POST /logout`: ends the server session whatever the provider's state, then answers the
 * provider's end-session URL (RP-Initiated Logout 1.0, with `id_token_hint` and
 * `post_logout_redirect_uri`) as JSON, or 302s there for an HTML form post.
 */
export function logoutHandler(
  config: Config,
  providers: Providers,
  sessions: Sessions,
  log: Logger,
) {
  const checkCsrf = csrfCheck(config);
  const allowedOrigins = new Set([
    ...config.frontends.map((one) => one.origin),
    config.backendOrigin,
  ]);

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

    // Back to the front end that asked (its Origin), when it is a listed one: the provider must
    // have each front end's URI registered (RP-Initiated Logout 1.0, section 3).
    const frontend = frontendOf(config.frontends, request.headers.origin) ?? config.frontends[0]!;
    let idToken: string | undefined;
    // The session's own provider ends its provider session (the default without a session).
    let provider: ProviderContext | undefined = providers.default;
    const session = await sessions.loadToEnd(sessions.idOf(request) ?? '');
    if (session) {
      // Ended whatever happens to decryption; without tokens, no id_token_hint.
      idToken = (await sessions.end(session))?.id_token;
      // A provider no longer configured: no end-session URL (never another provider's).
      provider = await providers.ofSession(session.record.provider).catch(() => undefined);
      log.info({ sub: session.record.user.sub }, 'signed out');
      channels.signOut.publish({ sub: session.record.user.sub });
    }

    const endSessionUrl = await (provider?.discovery.configuration() ?? Promise.reject())
      .then((configuration) =>
        configuration.serverMetadata().end_session_endpoint
          ? client.buildEndSessionUrl(configuration, {
              post_logout_redirect_uri: frontend.postLogoutRedirectUri,
              ...(idToken && { id_token_hint: idToken }),
            }).href
          : null,
      )
      .catch(() => null);
    const headers = { 'set-cookie': sessions.clearCookie };
    return formPost
      ? redirect(endSessionUrl ?? frontend.url.href, headers)
      : json(200, { endSessionUrl }, headers);
  };
}
