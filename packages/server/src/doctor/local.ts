import { isKnownDemoSecret, isLoopbackIssuer } from '../config/demo-values.js';
import { ENV_NAMES } from '../config/env.js';
import { isLoopback } from '../config/settings.js';
import { check, type DoctorCheck } from './report.js';

/** Hosts Okta serves its orgs from (a custom domain is recognized by its /oauth2/ path only). */
const OKTA_HOST = /\.(okta|oktapreview|okta-emea|okta-gov|okta-mil)\.com$/;

/** Which provider an issuer belongs to, for advice and the guide to point at. */
export type ProviderKind =
  'okta-custom' | 'okta-org' | 'auth0' | 'entra-id' | 'google' | 'keycloak' | 'other';

export function providerKind(issuer: URL): ProviderKind {
  const path = issuer.pathname.replace(/\/+$/, '');
  if (/^\/oauth2\/[^/]+$/.test(path)) return 'okta-custom';
  if (OKTA_HOST.test(issuer.hostname)) return path === '' ? 'okta-org' : 'other';
  if (/\.auth0\.com$/.test(issuer.hostname)) return 'auth0';
  if (issuer.hostname === 'login.microsoftonline.com') return 'entra-id';
  if (issuer.hostname === 'accounts.google.com') return 'google';
  if (/\/realms\/[^/]+$/.test(path)) return 'keycloak';
  return 'other';
}

const GUIDES: Partial<Record<ProviderKind, string>> = {
  'okta-custom': 'docs/providers/okta.md',
  'okta-org': 'docs/providers/okta.md',
  auth0: 'docs/providers/auth0.md',
  'entra-id': 'docs/providers/entra-id.md',
  google: 'docs/providers/google.md',
  keycloak: 'docs/providers/keycloak.md',
};

/** The guide for an issuer's provider, when there is one. */
export function providerGuide(issuer: URL): string | undefined {
  return GUIDES[providerKind(issuer)];
}

/**
 * OKTA_ISSUER_URL on its own: an https URL (http on loopback only), not the discovery document,
 * and what kind of authorization server it names.
 */
export function issuerUrlCheck(raw: string | undefined, scopes: string): DoctorCheck {
  const title = 'issuer URL';
  const name = ENV_NAMES.issuer;
  const example = 'https://dev-123456.okta.com/oauth2/default';
  if (!raw?.trim()) {
    return check(
      'issuer-url',
      title,
      'error',
      `${name} is not set`,
      `set ${name}=${example} (your authorization server's issuer)`,
    );
  }
  const issuer = URL.parse(raw.trim());
  if (!issuer || (issuer.protocol !== 'https:' && issuer.protocol !== 'http:')) {
    return check(
      'issuer-url',
      title,
      'error',
      `${name} is not an http(s) URL: ${raw}`,
      `set ${name}=${example}`,
    );
  }
  if (issuer.protocol === 'http:' && !isLoopback(issuer.hostname)) {
    return check(
      'issuer-url',
      title,
      'error',
      `${raw} is http: tokens would travel unencrypted (http is accepted on localhost only)`,
      `set ${name}=${raw.replace(/^http:/, 'https:')}`,
    );
  }
  const wellKnown = issuer.pathname.indexOf('/.well-known/');
  if (wellKnown !== -1) {
    const base = issuer.origin + issuer.pathname.slice(0, wellKnown);
    return check(
      'issuer-url',
      title,
      'error',
      `${raw} is the discovery document's URL, not the issuer`,
      `set ${name}=${base} (the part before /.well-known/)`,
    );
  }

  const kind = providerKind(issuer);
  const guide = GUIDES[kind] ? ` (${GUIDES[kind]})` : '';
  const trailing =
    issuer.pathname.length > 1 && issuer.pathname.endsWith('/') && kind !== 'auth0'
      ? ' It ends with "/": most issuers do not (Okta, Entra ID, Keycloak), and discovery must answer this exact string.'
      : '';
  switch (kind) {
    case 'okta-custom': {
      const server = issuer.pathname.replace(/\/+$/, '').split('/').pop();
      return check(
        'issuer-url',
        title,
        trailing ? 'warn' : 'ok',
        `${raw}: ${isLoopback(issuer.hostname) ? 'a local provider shaped like ' : ''}an Okta custom authorization server ("${server}"): access tokens are JWTs your API verifies locally (aud ${server === 'default' ? 'api://default' : "that server's audience, OKTA_AUDIENCE"}).${trailing}`,
        trailing ? `set ${name}=${raw.replace(/\/+$/, '')}` : undefined,
      );
    }
    case 'okta-org':
      return check(
        'issuer-url',
        title,
        'warn',
        `${raw} is Okta's org authorization server: sign-in works, but its access tokens are for Okta's own APIs and your API cannot verify them (Bearer callers get 401), and custom claims such as groups come from the app's settings`,
        `for API access use a custom authorization server: ${name}=${issuer.origin}/oauth2/default (Okta Admin Console: Security → API → Authorization Servers)${guide}`,
      );
    case 'google':
      if (scopes.split(' ').includes('offline_access')) {
        return check(
          'issuer-url',
          title,
          'error',
          `${raw} is Google, which answers "invalid_scope" to the offline_access scope Gatehouse asks for by default`,
          `set ${ENV_NAMES.scopes}="openid profile email"${guide}`,
        );
      }
      return check(
        'issuer-url',
        title,
        'ok',
        `${raw}: Google (no refresh tokens and no provider sign-out)${guide}`,
      );
    case 'entra-id':
      if (!/\/v2\.0\/?$/.test(issuer.pathname)) {
        return check(
          'issuer-url',
          title,
          'warn',
          `${raw} is a Microsoft Entra ID v1.0 issuer: its tokens say iss https://sts.windows.net/<tenant>/`,
          `use the v2.0 issuer: ${name}=https://login.microsoftonline.com/<tenant id>/v2.0${guide}`,
        );
      }
      return check('issuer-url', title, 'ok', `${raw}: Microsoft Entra ID (v2.0)${guide}`);
    case 'auth0':
      return check(
        'issuer-url',
        title,
        'ok',
        `${raw}: Auth0 (access tokens are JWTs only for an API audience: set the tenant's Default Audience for Bearer callers)${guide}`,
      );
    case 'keycloak':
      return check(
        'issuer-url',
        title,
        trailing ? 'warn' : 'ok',
        `${raw}: a Keycloak realm${guide}.${trailing}`,
        trailing ? `set ${name}=${raw.replace(/\/+$/, '')}` : undefined,
      );
    default:
      return check(
        'issuer-url',
        title,
        trailing ? 'warn' : 'ok',
        `${raw}: an OpenID provider found by discovery.${trailing}`,
        trailing
          ? `if discovery below disagrees, set ${name}=${raw.replace(/\/+$/, '')}`
          : undefined,
      );
  }
}

/**
 * The demo's values: a loopback issuer (the dev IdP's), a client secret published with the
 * demo. An error in production (NODE_ENV=production), a warning otherwise; none when neither.
 */
export function demoValuesCheck(
  { issuer, clientSecret }: { issuer?: string; clientSecret?: string },
  production: boolean,
): DoctorCheck | undefined {
  const found: string[] = [];
  const fixes: string[] = [];
  if (isLoopbackIssuer(issuer)) {
    found.push(
      `${ENV_NAMES.issuer} is on loopback (a provider on this machine, such as the dev IdP)`,
    );
    fixes.push(`set ${ENV_NAMES.issuer} to your provider's issuer`);
  }
  if (isKnownDemoSecret(clientSecret)) {
    found.push(`${ENV_NAMES.clientSecret} is a secret published with the demo, known to anyone`);
    fixes.push(`set ${ENV_NAMES.clientSecret} to the secret the provider issued for your client`);
  }
  if (found.length === 0) return undefined;
  return check(
    'demo-values',
    'demo values',
    production ? 'error' : 'warn',
    `${found.join('; ')}: ${production ? 'not for NODE_ENV=production' : 'for local development only'}`,
    fixes.join('; '),
  );
}

const PLACEHOLDER =
  /secret|password|changeme|change-me|example|placeholder|openssl|xxxxxx|123456|qwerty/i;

/** Why a secret is easy to guess, or undefined when it looks random. */
export function weakness(secret: string): string | undefined {
  if (PLACEHOLDER.test(secret)) return 'it contains a common word or placeholder';
  // Never print any part of the secret: this report ends up in CI logs.
  for (let period = 1; period <= secret.length / 2; period++) {
    if (secret.slice(period) === secret.slice(0, secret.length - period)) {
      return `it repeats the same ${period} character${period === 1 ? '' : 's'}`;
    }
  }
  const distinct = new Set(secret).size;
  if (distinct < 12) return `it uses only ${distinct} different characters`;
  let alphabet = 0;
  if (/[a-z]/.test(secret)) alphabet += 26;
  if (/[A-Z]/.test(secret)) alphabet += 26;
  if (/[0-9]/.test(secret)) alphabet += 10;
  if (/[^a-zA-Z0-9]/.test(secret)) alphabet += 32;
  const bits = Math.floor(secret.length * Math.log2(Math.max(alphabet, 2)));
  if (bits < 128) return `about ${bits} bits of entropy at most (128 wanted)`;
  return undefined;
}

/**
 * SESSION_SECRET: required and random outside local development (a weak one only warns in dev).
 * With previous secrets listed after the current one (rotation), each is checked.
 */
export function sessionSecretCheck(secrets: readonly string[], dev: boolean): DoctorCheck {
  const name = ENV_NAMES.sessionSecret;
  const title = name;
  const generate = `set ${name} to a random value: openssl rand -base64 32`;
  if (secrets.length === 0) {
    return dev
      ? check(
          'session-secret',
          title,
          'ok',
          `not set: local development uses a generated secret kept in .gatehouse/dev-session-secret`,
        )
      : check(
          'session-secret',
          title,
          'error',
          `not set: it is required outside local development (the server refuses to start)`,
          generate,
        );
  }
  const which = (index: number) =>
    secrets.length === 1 ? '' : index === 0 ? 'the current secret: ' : `previous secret ${index}: `;
  for (const [index, secret] of secrets.entries()) {
    if (secret.length < 32) {
      return check(
        'session-secret',
        title,
        'error',
        `${which(index)}${secret.length} characters: at least 32 are required (the server refuses to start)`,
        generate,
      );
    }
    const weak = weakness(secret);
    if (weak) {
      return check(
        'session-secret',
        title,
        dev ? 'warn' : 'error',
        `${which(index)}${secret.length} characters but easy to guess: ${weak}${dev ? ' (acceptable for local development only)' : ''}`,
        generate,
      );
    }
  }
  const previous = secrets.length - 1;
  return check(
    'session-secret',
    title,
    'ok',
    `${secrets[0]!.length} characters, random-looking${previous ? ` (and ${previous} previous secret${previous === 1 ? '' : 's'}, read only to re-seal older sessions)` : ''}`,
  );
}

/** Whether the session cookie can be `Secure` for BACKEND_URL. */
export function cookiesCheck(backendUrl: URL): DoctorCheck {
  const name = ENV_NAMES.backendUrl;
  if (backendUrl.protocol === 'https:') {
    return check(
      'cookies',
      'cookies',
      'ok',
      `${name} is https: the session cookie is __Host-gatehouse; Secure; HttpOnly; SameSite=Lax`,
    );
  }
  if (isLoopback(backendUrl.hostname)) {
    return check(
      'cookies',
      'cookies',
      'ok',
      `${name} is http on ${backendUrl.hostname}: cookies without Secure, fine for local development only`,
    );
  }
  return check(
    'cookies',
    'cookies',
    'error',
    `${name} is http on ${backendUrl.hostname}: the session cookie cannot be Secure and would cross the network in clear (NODE_ENV=production refuses to start)`,
    `serve the backend over https (TLS at a proxy or load balancer is fine) and set ${name}=https://${backendUrl.host}${backendUrl.pathname.replace(/\/$/, '')}`,
  );
}

/** Hosts compared by their last two labels (three under a two-letter country code second level). */
function site(url: URL): string {
  const host = url.hostname;
  if (/^[\d.]+$/.test(host) || host.startsWith('[')) return `${url.protocol}//${host}`;
  const labels = host.split('.');
  const take =
    labels.length >= 3 && labels.at(-1)!.length === 2 && labels.at(-2)!.length <= 3 ? 3 : 2;
  return `${url.protocol}//${labels.slice(-take).join('.')}`;
}

/** FRONTEND_URL and BACKEND_URL on one site, so the browser sends the SameSite=Lax cookie. */
export function cookieSiteCheck(frontendUrl: URL, backendUrl: URL): DoctorCheck {
  const title = 'front end and backend';
  if (frontendUrl.origin === backendUrl.origin) {
    return check(
      'cookie-site',
      title,
      'ok',
      `one origin (${backendUrl.origin}): the backend serves the front end, no CORS needed`,
    );
  }
  if (site(frontendUrl) === site(backendUrl)) {
    return check(
      'cookie-site',
      title,
      'ok',
      `${frontendUrl.origin} calls ${backendUrl.origin}: same site, so the browser sends the session cookie (CORS allows ${frontendUrl.origin} only)`,
    );
  }
  return check(
    'cookie-site',
    title,
    'warn',
    `${frontendUrl.origin} and ${backendUrl.origin} are different sites: browsers do not send the SameSite=Lax session cookie on the front end's API calls, and block third-party cookies, so /me answers 401 after signing in`,
    `serve the built front end from the backend (one origin, ${ENV_NAMES.frontendUrl}=${ENV_NAMES.backendUrl}), or put both under one domain (app.example.com and api.example.com)`,
  );
}

/** Variables that look like Gatehouse's but are not read, with the one probably meant. */
export function misspelledVariables(env: Record<string, string | undefined>): string[] {
  const known: string[] = Object.values(ENV_NAMES);
  const found: string[] = [];
  for (const key of Object.keys(env)) {
    if (!/^(OKTA|SESSION)_/.test(key) || known.includes(key)) continue;
    const near = known.find((name) => distance(name, key) <= 3);
    if (near) found.push(`${key} (did you mean ${near}?)`);
  }
  return found;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
