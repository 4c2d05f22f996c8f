// The guides' "after" servers, started as the guides say (node with tsx, settings in the
// environment under the names each guide maps to) against a real dev IdP: a signed-out caller
// gets what the guide promises (a redirect to sign in for a page, 401 JSON for an API), a user
// signs in through the IdP's pages, and the guarded routes answer 200.
import { type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, freePort, signIn } from '@gatehouse/dev-idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAfterApp, type AfterApp } from './support.js';
import { startTestIdp } from '../support/stack.js';

const ADA = { email: 'ada@example.com', password: 'ada-dev-password' };
const SAM = { email: 'sam@example.com', password: 'sam-dev-password' };
const SESSION_SECRET = 'migrating-guides-session-secret-'.padEnd(44, 'x');

interface Slot {
  port: number;
  url: string;
  clientId: string;
}

async function slot(clientId: string): Promise<Slot> {
  const port = await freePort();
  return { port, url: `http://localhost:${port}`, clientId };
}

/** A dev IdP client for an app at `url`, its redirect URI at `callback`. */
function client({ url, clientId }: Slot, callback: string, frontendUrl = url) {
  return {
    client_id: clientId,
    client_secret: `${clientId}-secret`,
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: [`${url}${callback}`],
    post_logout_redirect_uris: [frontendUrl],
  };
}

/** `/login` of `app`, the IdP's sign-in as `who`, and the callback: the callback's answer. */
async function signInAt(app: AfterApp, jar: CookieJar, query: string, who = ADA) {
  const login = await jar.fetch(`${app.url}/login${query}`);
  expect(login.status, await login.clone().text()).toBe(302);
  const callback = await signIn(login.headers.get('location')!, who, jar);
  expect(callback.startsWith(app.url), callback).toBe(true);
  return {
    authorization: new URL(login.headers.get('location')!),
    callback,
    answer: await jar.fetch(callback),
  };
}

let idp: DevIdp;
const apps: AfterApp[] = [];
const eoc = await slot('eoc-after');
const keycloak = await slot('keycloak-after');
const tutorial = await slot('tutorial-after');
const TUTORIAL_FRONTEND = 'http://localhost:5173';

beforeAll(async () => {
  idp = await startTestIdp({
    clients: [
      client(eoc, '/callback'),
      client(keycloak, '/signin-oidc'),
      client(tutorial, '/signin-oidc', TUTORIAL_FRONTEND),
    ],
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await idp?.close();
});

async function start(file: string, vars: Record<string, string>): Promise<AfterApp> {
  const app = await startAfterApp(file, vars);
  apps.push(app);
  return app;
}

describe('express-openid-connect → Gatehouse (after/express-openid-connect/server.ts)', () => {
  let app: AfterApp;
  const jar = new CookieJar();
  beforeAll(async () => {
    app = await start('express-openid-connect/server.ts', {
      OIDC_ISSUER_URL: idp.issuer,
      OIDC_CLIENT_ID: eoc.clientId,
      OIDC_CLIENT_SECRET: `${eoc.clientId}-secret`,
      BACKEND_URL: eoc.url,
      FRONTEND_URL: eoc.url,
      SESSION_SECRET,
    });
  }, 60_000);

  it('signed out: a page redirects to /login with returnTo, an API route answers 401 JSON', async () => {
    const page = await fetch(`${app.url}/profile?tab=1`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login?returnTo=%2Fprofile%3Ftab%3D1');
    const api = await fetch(`${app.url}/api/orders`);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await api.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('signs in through the kept /callback redirect URI; the guarded routes answer 200', async () => {
    const { callback, answer } = await signInAt(app, jar, '?returnTo=/profile');
    expect(new URL(callback).pathname).toBe('/callback');
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe(`${app.url}/profile`);
    const profile = await jar.fetch(`${app.url}/profile`);
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ email: ADA.email });
    const orders = await jar.fetch(`${app.url}/api/orders`);
    expect(orders.status).toBe(200);
    expect(await orders.json()).toMatchObject({ orders: [] });
  });

  it("the page's log-out form (POST /logout) ends the session and goes to the provider", async () => {
    const logout = await jar.fetch(`${app.url}/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
      body: '',
    });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')!.startsWith(idp.issuer)).toBe(true);
    expect((await jar.fetch(`${app.url}/api/orders`)).status).toBe(401);
  });
});

describe('keycloak-connect → Gatehouse (after/keycloak-connect/server.ts)', () => {
  let app: AfterApp;
  beforeAll(async () => {
    app = await start('keycloak-connect/server.ts', {
      OIDC_ISSUER_URL: idp.issuer,
      OIDC_CLIENT_ID: keycloak.clientId,
      OIDC_CLIENT_SECRET: `${keycloak.clientId}-secret`,
      BACKEND_URL: keycloak.url,
      FRONTEND_URL: keycloak.url,
      SESSION_SECRET,
    });
  }, 60_000);

  it('signed out: protected pages redirect to /login, the API answers 401 JSON, / is public', async () => {
    for (const path of ['/profile', '/admin']) {
      const page = await fetch(`${app.url}${path}`, { redirect: 'manual' });
      expect(page.status, path).toBe(302);
      expect(page.headers.get('location')).toBe(`/login?returnTo=${encodeURIComponent(path)}`);
    }
    expect((await fetch(`${app.url}/api/data`)).status).toBe(401);
    expect((await fetch(`${app.url}/`)).status).toBe(200);
  });

  it('an admin signs in: /profile, /admin (the realm role as a group) and /api/data answer 200', async () => {
    const jar = new CookieJar();
    await signInAt(app, jar, '?returnTo=/admin');
    const profile = await jar.fetch(`${app.url}/profile`);
    expect(profile.status).toBe(200);
    expect(await profile.text()).toContain(`(${ADA.email})`);
    const admin = await jar.fetch(`${app.url}/admin`);
    expect(admin.status).toBe(200);
    expect(await admin.json()).toMatchObject({
      admin: true,
      groups: expect.arrayContaining(['admins']),
    });
    expect(await (await jar.fetch(`${app.url}/api/data`)).json()).toMatchObject({ via: 'session' });
  });

  it('a user without the role is refused /admin with 403, as keycloak.protect(role) refused', async () => {
    const jar = new CookieJar();
    await signInAt(app, jar, '', SAM);
    expect((await jar.fetch(`${app.url}/profile`)).status).toBe(200);
    const admin = await jar.fetch(`${app.url}/admin`);
    expect(admin.status).toBe(403);
    expect(await admin.json()).toMatchObject({ error: 'access_denied' });
  });
});

describe("the tutorial's FastAPI backend → Gatehouse (after/fastapi-tutorial/server/main.ts)", () => {
  let app: AfterApp;
  beforeAll(async () => {
    app = await start('fastapi-tutorial/server/main.ts', {
      OKTA_ISSUER_URL: idp.issuer,
      OKTA_CLIENT_ID: tutorial.clientId,
      OKTA_CLIENT_SECRET: `${tutorial.clientId}-secret`,
      BACKEND_URL: tutorial.url,
      FRONTEND_URL: TUTORIAL_FRONTEND,
      SESSION_SECRET,
    });
  }, 60_000);

  it('/secure-data without a session answers 401 JSON (the tutorial answered everyone)', async () => {
    const answer = await fetch(`${app.url}/secure-data`, {
      headers: { origin: TUTORIAL_FRONTEND },
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBe(TUTORIAL_FRONTEND);
  });

  it('the popup sign-in sends state, nonce and PKCE, and its page posts no token and not to "*"', async () => {
    const jar = new CookieJar();
    const { authorization, answer } = await signInAt(app, jar, '?popup=1');
    for (const name of ['state', 'nonce', 'code_challenge'])
      expect(authorization.searchParams.get(name), name).toBeTruthy();
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    expect(answer.status).toBe(200);
    const page = await answer.text();
    expect(page).toContain(`postMessage(d,"${TUTORIAL_FRONTEND}")`);
    expect(page).not.toMatch(/"\*"|access_token|eyJ/);
    const data = await jar.fetch(`${app.url}/secure-data`, {
      headers: { origin: TUTORIAL_FRONTEND },
    });
    expect(data.status).toBe(200);
    expect(data.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await data.json()).toEqual({ message: 'You are authenticated!' });
  });
});
