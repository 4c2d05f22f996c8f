import type { Config } from '../config/parse.js';
import type { clientAuthentication } from '../provider/client-auth.js';
import { clientCheck } from './client-secret.js';
import {
  clientConfiguration,
  consoleFor,
  redirectUriCheck,
  signOutUriCheck,
  type AuthorizationProbe,
} from './client.js';
import { providerKind } from './local.js';
import { parCheck } from './par.js';
import { clockCheck, discover, endpointsCheck, signingKeysCheck, type Probe } from './provider.js';
import { check, type DoctorCheck } from './report.js';

const TITLES: Record<string, string> = {
  discovery: 'discovery',
  issuer: 'issuer',
  endpoints: 'endpoints',
  'signing-keys': 'signing keys',
  clock: 'clock',
  'redirect-uri': 'redirect URI',
  client: 'client id and secret',
  'sign-out-uri': 'sign-out URI',
};

/**
 * The checks of one provider against the real provider: discovery, issuer, endpoints, signing
 * keys, clock, then the client (redirect URI, id and secret, sign-out URI, PAR). `shape`
 * undefined: the configuration is not valid, each check is skipped.
 */
export async function providerSection(
  shape: Config | undefined,
  authentication: Awaited<ReturnType<typeof clientAuthentication>> | undefined,
  ownKey: boolean,
  requests: Probe,
): Promise<DoctorCheck[]> {
  const list: DoctorCheck[] = [];
  const providerChecks = [
    'discovery',
    'issuer',
    'endpoints',
    'signing-keys',
    'clock',
    'redirect-uri',
    'client',
    'sign-out-uri',
  ];
  const skipRest = (reason: string) => {
    for (const id of providerChecks) {
      if (!list.some((item) => item.id === id)) list.push(check(id, TITLES[id]!, 'skip', reason));
    }
  };

  if (!shape) {
    skipRest('needs a valid configuration (see above)');
  } else {
    const discovered = await discover(shape.issuer, shape.clientId, requests, list);
    if (!discovered) {
      skipRest('needs discovery (see above)');
    } else {
      const { metadata, skewMs } = discovered;
      list.push(endpointsCheck(metadata, shape.issuer));
      list.push(
        metadata.jwks_uri
          ? await signingKeysCheck(metadata, requests)
          : check('signing-keys', TITLES['signing-keys']!, 'skip', 'no jwks_uri (see endpoints)'),
      );
      list.push(clockCheck(skewMs, shape.clockTolerance));
      if (!metadata.authorization_endpoint || !metadata.token_endpoint) {
        skipRest('needs the authorization and token endpoints (see endpoints)');
      } else {
        const settings = {
          clientId: shape.clientId,
          clientAuth: shape.clientAuth,
          authentication: authentication!,
          ...(shape.clientKey && {
            key: { kid: shape.clientKey.kid, generated: !ownKey },
          }),
          redirectUri: shape.redirectUri,
          postLogoutRedirectUri: shape.postLogoutRedirectUri,
          scopes: shape.scopes,
          console: consoleFor(providerKind(shape.issuer)),
        };
        const configuration = clientConfiguration(
          metadata,
          settings,
          requests,
          shape.issuer.protocol === 'http:',
        );
        const learned: AuthorizationProbe = {};
        list.push(await redirectUriCheck(configuration, settings, requests, learned));
        list.push(await clientCheck(configuration, settings, requests, learned));
        list.push(await signOutUriCheck(configuration, settings, requests));
        if (shape.par === 'on') list.push(await parCheck(configuration, shape));
      }
    }
  }

  return list;
}
