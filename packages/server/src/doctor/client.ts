import * as client from 'openid-client';
import { ENV_NAMES } from '../config/env.js';
import type { Config } from '../config/parse.js';
import type { ClientAuthentication } from '../provider/client-auth.js';
import { networkFailure, type Probe } from './provider.js';
import { calling, oauthWords, quoted } from './reach.js';
import { check, type DoctorCheck } from './report.js';

/** The values the client checks need, from the parsed configuration. */
export interface ClientSettings {
  clientId: string;
  /** The configured method, and what it sends (built as the server builds it). */
  clientAuth: Config['clientAuth'];
  authentication: ClientAuthentication;
  /** The `kid` of the private_key_jwt key, and whether it was generated for this process. */
  key?: { kid: string; generated: boolean };
  redirectUri: string;
  postLogoutRedirectUri: string;
  scopes: string;
  /** Where the provider's console keeps the registrations, for the fixes. */
  console: Console;
}

interface Console {
  redirect: string;
  signOut: string;
  credentials: string;
}

const CONSOLES: Record<string, Console> = {
  okta: {
    redirect:
      'Okta Admin Console: Applications → your app → General → LOGIN → Sign-in redirect URIs',
    signOut:
      'Okta Admin Console: Applications → your app → General → LOGIN → Sign-out redirect URIs',
    credentials: 'Okta Admin Console: Applications → your app → General → Client Credentials',
  },
  other: {
    redirect:
      "the provider's client settings (Okta: Sign-in redirect URIs; Auth0: Allowed Callback URLs; Entra ID: Authentication → Web → Redirect URIs; Keycloak: Valid redirect URIs; Google: Authorized redirect URIs)",
    signOut:
      "the provider's client settings (Okta: Sign-out redirect URIs; Auth0: Allowed Logout URLs; Entra ID: Authentication → Web → Redirect URIs; Keycloak: Valid post logout redirect URIs)",
    credentials: "the provider's client settings",
  },
};

export function consoleFor(kind: string): Console {
  return kind.startsWith('okta') ? CONSOLES.okta! : CONSOLES.other!;
}

/** What the authorization request probe learned about the client id. */
export interface AuthorizationProbe {
  /** The provider said it does not know the client id: what it said, as the report quotes it. */
  unknownClient?: string;
}

/** The client as the server configures it, on the metadata discovery answered. */
export function clientConfiguration(
  metadata: client.ServerMetadata,
  settings: ClientSettings,
  probe: Probe,
  /** As the server: plain http only when the configured issuer is (loopback) http. */
  allowHttp: boolean,
): client.Configuration {
  const configuration = new client.Configuration(
    metadata,
    settings.clientId,
    settings.authentication.metadata,
    settings.authentication.auth,
  );
  // tls_client_auth: the certificate-presenting fetch, as the server (it keeps the timeout).
  const presenting = settings.authentication.fetch;
  configuration[client.customFetch] = presenting
    ? calling(presenting, probe.issuer)
    : (url, init) => probe.fetch(url, init as RequestInit);
  configuration.timeout = probe.timeout;
  if (allowHttp) client.allowInsecureRequests(configuration);
  return configuration;
}

/**
 * What an error page says, in one line: a JSON body's `error_description`, else the first text
 * of the HTML that matches `about` (the sentence about the redirect URI, not the page's chrome).
 */
function providerSays(body: string, about?: RegExp): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    const said = [json.error, json.error_description].filter((part) => typeof part === 'string');
    if (said.length) return said.join(': ').slice(0, 300);
  } catch {
    // not JSON
  }
  const nodes = body
    .replace(/<(script|style|title|head)[^>]*>[\s\S]*?<\/\1>/gi, '<>')
    .split(/<[^>]*>/)
    .map((node) =>
      node
        .replace(/&#39;|&#x27;|&apos;/g, "'")
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
  const relevant = about && nodes.find((node) => about.test(node));
  return (relevant ?? nodes.join(' ')).slice(0, 300);
}

// Okta: "The 'redirect_uri' parameter must be a Login redirect URI"; oidc-provider: "redirect_uri
// did not match"; Entra ID: AADSTS50011; Auth0: "Callback URL mismatch"; Google:
// redirect_uri_mismatch; Keycloak: "Invalid parameter: redirect_uri".
const REDIRECT_REFUSED = /redirect[_ ]?ur[il]|AADSTS50011|callback url mismatch/i;
const SIGN_OUT_REFUSED = /post_logout_redirect_uri|logout.*redirect|redirect.*logout/i;
const CLIENT_UNKNOWN =
  /invalid_client|client[_ ]id|client is invalid|unknown client|client not found|AADSTS700016/i;

/**
 * Sends the authorization request a sign-in would send, without following it: a provider that
 * does not know the redirect URI (or the client) answers with an error page at once.
 */
export async function redirectUriCheck(
  configuration: client.Configuration,
  settings: ClientSettings,
  probe: Probe,
  learned: AuthorizationProbe,
): Promise<DoctorCheck> {
  const { redirectUri } = settings;
  const register = `register exactly ${redirectUri} as a sign-in redirect URI (${settings.console.redirect}), or set ${ENV_NAMES.backendUrl} so that ${ENV_NAMES.backendUrl} + /signin-oidc is the URI registered`;
  let url: URL;
  try {
    url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      scope: settings.scopes,
      state: client.randomState(),
      nonce: client.randomNonce(),
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
  } catch (error) {
    return check(
      'redirect-uri',
      'redirect URI',
      'error',
      `cannot build the authorization request: ${(error as Error).message}`,
    );
  }
  let response: Response;
  try {
    response = await probe.fetch(url, { headers: { accept: 'text/html' } });
  } catch (error) {
    return check(
      'redirect-uri',
      'redirect URI',
      'warn',
      `register ${redirectUri}; the authorization endpoint did not answer: ${networkFailure(error, probe.timeout)}`,
    );
  }
  const location = response.headers.get('location');
  const body = await response.text().catch(() => '');
  const text = providerSays(body);

  if (response.status >= 300 && response.status < 400 && location) {
    const target = new URL(location, url);
    if (target.href.startsWith(redirectUri)) {
      const error = target.searchParams.get('error');
      if (error)
        return authorizationError(
          oauthWords(
            error,
            target.searchParams.get('error_description') ?? undefined,
            url,
            probe.issuer,
          )!,
          error,
          settings,
        );
      return check(
        'redirect-uri',
        'redirect URI',
        'ok',
        `${redirectUri} is registered (the provider redirects to it)`,
      );
    }
    const decoded = safeDecode(target.href);
    if (REDIRECT_REFUSED.test(decoded) && /error/i.test(decoded)) {
      return check(
        'redirect-uri',
        'redirect URI',
        'error',
        `the provider refused the redirect URI ${redirectUri} (it sent the browser to ${target.origin}${target.pathname})`,
        register,
      );
    }
    if (/[?&]error=|\/error\b/i.test(target.href)) {
      return check(
        'redirect-uri',
        'redirect URI',
        'warn',
        `the provider sent the authorization request to an error page: ${target.origin}${target.pathname}; open ${url.origin}${url.pathname} with these parameters in a browser to read it`,
        register,
      );
    }
    return check(
      'redirect-uri',
      'redirect URI',
      'ok',
      `${redirectUri} is accepted (the provider answers with its sign-in page)`,
    );
  }
  if (REDIRECT_REFUSED.test(text) && (response.status >= 400 || /error|AADSTS/i.test(text))) {
    return check(
      'redirect-uri',
      'redirect URI',
      'error',
      `the provider refused the redirect URI ${redirectUri}${quoted(providerSays(body, REDIRECT_REFUSED), url, probe.issuer)}`,
      register,
    );
  }
  if (CLIENT_UNKNOWN.test(text) && (response.status >= 400 || /AADSTS/.test(text))) {
    learned.unknownClient = quoted(providerSays(body, CLIENT_UNKNOWN), url, probe.issuer);
    return check(
      'redirect-uri',
      'redirect URI',
      'skip',
      `not checked: the provider does not know the client id (see below); register ${redirectUri} once it does`,
    );
  }
  if (response.status >= 400) {
    return check(
      'redirect-uri',
      'redirect URI',
      'warn',
      `the authorization request was answered ${response.status}${quoted(text, url, probe.issuer)}`,
      register,
    );
  }
  return check(
    'redirect-uri',
    'redirect URI',
    'ok',
    `${redirectUri} is accepted (the provider answers with its sign-in page)`,
  );
}

/** `said`: the error (and its description) as the report may repeat them. */
function authorizationError(said: string, error: string, settings: ClientSettings): DoctorCheck {
  switch (error) {
    case 'invalid_scope':
      return check(
        'redirect-uri',
        'redirect URI',
        'error',
        `${settings.redirectUri} is registered, but the provider refused the scopes "${settings.scopes}" (${said})`,
        `set ${ENV_NAMES.scopes} to scopes the provider allows (offline_access needs the Refresh Token grant enabled)`,
      );
    case 'unauthorized_client':
    case 'unsupported_response_type':
      return check(
        'redirect-uri',
        'redirect URI',
        'error',
        `${settings.redirectUri} is registered, but the client may not use the authorization code flow (${said})`,
        `enable the Authorization Code grant type for the client (${settings.console.credentials})`,
      );
    case 'login_required':
    case 'interaction_required':
    case 'consent_required':
      return check(
        'redirect-uri',
        'redirect URI',
        'ok',
        `${settings.redirectUri} is registered (the provider redirects to it)`,
      );
    default:
      return check(
        'redirect-uri',
        'redirect URI',
        'warn',
        `${settings.redirectUri} is registered, but the provider answered the authorization request with ${said}`,
      );
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The end-session request a sign-out sends, without a user: the URI is refused or let through. */
export async function signOutUriCheck(
  configuration: client.Configuration,
  settings: ClientSettings,
  probe: Probe,
): Promise<DoctorCheck> {
  const title = 'sign-out URI';
  const uri = settings.postLogoutRedirectUri;
  const register = `register exactly ${uri} as a sign-out redirect URI (${settings.console.signOut}), or set ${ENV_NAMES.frontendUrl} to the one registered`;
  if (!configuration.serverMetadata().end_session_endpoint) {
    return check(
      'sign-out-uri',
      title,
      'skip',
      'the provider has no end_session_endpoint (see endpoints)',
    );
  }
  let url: URL;
  try {
    url = client.buildEndSessionUrl(configuration, { post_logout_redirect_uri: uri });
  } catch (error) {
    return check(
      'sign-out-uri',
      title,
      'error',
      `cannot build the end-session request: ${(error as Error).message}`,
    );
  }
  let response: Response;
  try {
    response = await probe.fetch(url, { headers: { accept: 'text/html' } });
  } catch (error) {
    return check(
      'sign-out-uri',
      title,
      'warn',
      `register ${uri}; the end-session endpoint did not answer: ${networkFailure(error, probe.timeout)}`,
    );
  }
  const location = response.headers.get('location');
  const body = await response.text().catch(() => '');
  const text = providerSays(body);
  if (location && new URL(location, url).href.startsWith(uri)) {
    return check(
      'sign-out-uri',
      title,
      'ok',
      `${uri} is registered (the provider redirects to it)`,
    );
  }
  if (response.status >= 400 && SIGN_OUT_REFUSED.test(text)) {
    return check(
      'sign-out-uri',
      title,
      'error',
      `the provider refused the sign-out redirect URI ${uri}${quoted(providerSays(body, SIGN_OUT_REFUSED), url, probe.issuer)}`,
      register,
    );
  }
  if (response.status < 300) {
    return check(
      'sign-out-uri',
      title,
      'ok',
      `${uri} is accepted (the provider shows its sign-out page)`,
    );
  }
  return check(
    'sign-out-uri',
    title,
    'ok',
    `register ${uri} as a sign-out redirect URI (the provider checks it only with a signed-in user's ID token)`,
  );
}
