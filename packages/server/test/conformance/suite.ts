/**
 * One conformance suite for every server Gatehouse runs on: the same cases, the same exact
 * status codes and error bodies, against a real dev IdP. An adapter's test file is two lines,
 * the suite with one provider, then with two providers and two front ends (docs/tenants.md):
 *
 *   conformance('node:http', startNodeHttp)
 *   conformance('node:http', startNodeHttp, { providers: 2, frontends: 2 })
 *
 * `start({ port, options })` must boot the backend in this process, listening on
 * `http://localhost:<port>`, with `createGatehouse(options)` (the options as given: they hold
 * the issuer, URLs, store and logger) and, besides Gatehouse's routes:
 * - `GET /secure-data`: signed in (requireAuth), JSON 200 with `via: auth.via`;
 * - `POST /secure-data`: signed in, JSON 200 exactly `{ changed: true }`;
 * - `GET /admin-data`: requireGroup('admins'), JSON 200 with `groups: auth.groups`;
 * - `GET /reports`: requireScope('reports:read'), JSON 200;
 * - `GET` and `POST /hello`: signed in or not (`optionalAuth`), JSON 200 exactly
 *   `{ user: auth?.user.sub ?? null, via: auth?.via ?? null }`;
 * and CORS for FRONTEND_URL's front ends on its own routes too (their preflights: 204 for a
 * front end, 403 JSON for another origin). It resolves to `{ url, gatehouse, close }`: `url` is
 * `http://localhost:<port>`, `gatehouse` the instance it created, `close()` stops the server
 * and calls `gatehouse.close()`. In-process, because the refresh case listens on the
 * `gatehouse:refresh` diagnostics channel.
 */
import { type DevIdp, type DevIdpOptions } from '@gatehouse/dev-idp';
import { CookieJar, freePort } from '@gatehouse/dev-idp/testing';
import { MemoryStore, type Gatehouse, type GatehouseOptions } from '@gatehouse/server';
import type { ClientMetadata } from 'oidc-provider';
import { afterAll, beforeAll, describe } from 'vitest';
import { testClients } from '../bearer/support.js';
import {
  ADA,
  captureLog,
  signInThroughBackend,
  webClient,
  startTestIdp,
} from '../support/stack.js';
import { apiCases } from './api.js';
import { frontEndCases } from './front-ends.js';
import { optionalCases } from './optional.js';
import { remoteApiOptions } from '../remote/upstream.js';
import { remoteCases, upstreamFixture } from './remote.js';
import { signInCases } from './sign-in.js';
import { tokenCases } from './tokens.js';
import { twoProviderCases, twoProviderWorld } from './two-providers.js';

/** What `start` resolves to: the backend's URL, its Gatehouse, and how to stop both. */
export interface ConformanceBackend {
  url: string;
  gatehouse: Gatehouse;
  close(): Promise<void>;
}

/** What `start` gets: the port to listen on (localhost) and the options to create Gatehouse. */
export interface StartSetup {
  port: number;
  options: GatehouseOptions;
}

/** Boots the backend under test; see the file comment for the routes it must serve. */
export type Start = (setup: StartSetup) => Promise<ConformanceBackend>;

export const FRONTEND_URL = 'http://localhost:5999';
export const FOREIGN_ORIGIN = 'https://evil.example';
/** The second front end of the `front ends` world (`FRONTEND_URL=<first>,<second>`). */
export const SECOND_FRONTEND_URL = 'https://admin.example.com';

/** A dev IdP and the backend under test, wired to each other; filled in `beforeAll`. */
export interface World {
  idp: DevIdp;
  backend: ConformanceBackend;
  /** Gatehouse's log lines (JSON), to check what they say and never contain. */
  log: string[];
  /** A new browser signed in through the backend (Ada unless told). */
  signedIn(credentials?: typeof ADA): Promise<CookieJar>;
}

/**
 * The dev IdP's clients for a backend at `backendUrl`: its web client (redirect URIs for its
 * callback and for direct code flows, sign-out URIs of both front ends) and a
 * client-credentials client for Bearer callers.
 */
export function worldClients(backendUrl: string): [ClientMetadata, ClientMetadata] {
  const [web, cli] = testClients(backendUrl);
  return [
    {
      ...webClient(backendUrl, FRONTEND_URL),
      redirect_uris: web!.redirect_uris,
      post_logout_redirect_uris: [FRONTEND_URL, SECOND_FRONTEND_URL],
    },
    cli!,
  ];
}

/**
 * Starts a dev IdP (with `idpOptions`, or those made for the backend's URL) and the backend
 * (with `extra` options, read when it starts, knowing the dev IdP); the world, filled before
 * the tests.
 */
export function world(
  start: Start,
  idpOptions: DevIdpOptions | ((backendUrl: string) => DevIdpOptions) = {},
  extra: (idp: DevIdp) => Partial<GatehouseOptions> = () => ({}),
): World {
  const current = {} as World;
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const idp = await startTestIdp({
      clients: worldClients(url),
      ...(typeof idpOptions === 'function' ? idpOptions(url) : idpOptions),
    });
    const { logger, lines } = captureLog();
    let backend: ConformanceBackend;
    try {
      backend = await start({
        port,
        options: {
          issuer: idp.issuer,
          clientId: 'gatehouse-test',
          clientSecret: 'gatehouse-test-secret',
          backendUrl: url,
          frontendUrl: FRONTEND_URL,
          sessionSecret: 'test-secret-'.repeat(4),
          sessionStore: new MemoryStore(),
          logger,
          ...extra(idp),
        },
      });
    } catch (error) {
      await idp.close();
      throw error;
    }
    Object.assign(current, {
      idp,
      backend,
      log: lines,
      async signedIn(credentials = ADA) {
        const jar = new CookieJar();
        const callback = await signInThroughBackend({ backend, jar }, { credentials });
        if (callback.status !== 302) throw new Error(`sign-in answered ${callback.status}`);
        return jar;
      },
    } satisfies World);
    close = async () => {
      await backend.close();
      await idp.close();
    };
  });
  afterAll(() => close());
  return current;
}

/**
 * The suite's second configuration (docs/tenants.md): two providers, the dev IdP's tenants
 * `default` and `acme`, and two front ends. It runs a sign-in at each provider and the
 * isolation cases, not every case again: those run in the first configuration, one provider.
 */
export interface TwoProviders {
  providers: 2;
  frontends: 2;
}

/**
 * Runs every conformance case against the backend `start` boots, or with `shape` the
 * two-provider cases (./two-providers.ts).
 *
 * @example
 * ```ts
 * conformance('Express 5', (setup) => startExpress(setup.options, { port: setup.port }))
 * conformance('Express 5', start, { providers: 2, frontends: 2 })
 * ```
 */
export function conformance(name: string, start: Start, shape?: TwoProviders): void {
  if (shape) {
    describe(`conformance: ${name}, two providers and two front ends`, () =>
      twoProviderCases(twoProviderWorld(start)));
    return;
  }
  describe(`conformance: ${name}`, () => {
    describe('sign-in', () => signInCases(world(start)));
    describe('two front ends', () =>
      frontEndCases(
        world(start, {}, () => ({ frontendUrl: `${FRONTEND_URL},${SECOND_FRONTEND_URL}` })),
      ));
    describe('API', () => {
      const api = world(start);
      apiCases(api);
      describe('signed in or not', () => optionalCases(api));
    });
    // Access tokens of 2 s: the backend refreshes them under the caller's feet.
    describe('tokens', () => tokenCases(world(start, { accessTokenTtl: 2 })));
    describe('remote API', () => {
      const upstream = upstreamFixture();
      remoteCases(
        world(start, {}, () => remoteApiOptions(upstream)),
        upstream,
      );
    });
  });
}
