import { type DevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { CookieJar } from '@gatehouse/dev-idp/testing';
import type { GatehouseOptions } from '@gatehouse/server';
import type { ClientMetadata } from 'oidc-provider';
import {
  captureLog,
  freePort,
  startBackend,
  type Backend,
  startTestIdp,
} from '../support/stack.js';

/** Client metadata as oidc-provider takes it (`token_endpoint_auth_method`, `jwks_uri`, ...). */
export type Registration = Record<string, unknown>;

export const CLIENT_ID = 'gatehouse-auth-test';
export const SECRET = 'gatehouse-auth-test-secret';

/** A dev IdP whose one web client authenticates as `registration` says, and a backend. */
export interface AuthStack {
  idp: DevIdp;
  backend: Backend;
  jar: CookieJar;
  log: string[];
  close(): Promise<void>;
}

/**
 * Starts the dev IdP (PAR offered unless `idpOptions` says otherwise) with a client registered
 * for `registration` (its `token_endpoint_auth_method`, `jwks_uri`, ...) at a backend on a free
 * port, then the backend with `options`. `registration` may be a function of the backend URL
 * (for `jwks_uri`).
 */
export async function startAuthStack({
  registration,
  options,
  idpOptions = {},
}: {
  registration: Registration | ((backendUrl: string) => Registration);
  options: Partial<GatehouseOptions>;
  idpOptions?: DevIdpOptions;
}): Promise<AuthStack> {
  const port = await freePort();
  const backendUrl = `http://localhost:${port}`;
  const frontendUrl = 'http://localhost:5999';
  const extra = typeof registration === 'function' ? registration(backendUrl) : registration;
  const idp = await startTestIdp({
    par: true,
    clients: [
      {
        client_id: CLIENT_ID,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [`${backendUrl}/signin-oidc`],
        post_logout_redirect_uris: [frontendUrl],
        ...(extra as Partial<ClientMetadata>),
      },
    ],
    ...idpOptions,
  });
  const { logger, lines } = captureLog();
  const backend = await startBackend('express', port, {
    issuer: idp.issuer,
    clientId: CLIENT_ID,
    backendUrl,
    frontendUrl,
    sessionSecret: 'client-auth-test-secret-'.repeat(2),
    logger,
    ...options,
  } as GatehouseOptions);
  return {
    idp,
    backend,
    jar: new CookieJar(),
    log: lines,
    async close() {
      await backend.close();
      await idp.close();
    },
  };
}

/** The private members of a JWK: none of them may ever be served. */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
