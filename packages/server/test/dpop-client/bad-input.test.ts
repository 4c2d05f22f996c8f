import { afterEach, describe, expect, test } from 'vitest';
import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { signInThroughBackend, startStack, type Stack } from '../support/stack.js';
import { oauthError, watchTokenEndpoint, type Rewrite } from './provider-answers.js';
import { expireAccessToken } from './support.js';

/** Sign-in against a provider whose token endpoint answers `rewrite`. */
async function signInWith(rewrite: Rewrite) {
  const stack = await startStack({ options: { dpop: 'on' } });
  const watch = watchTokenEndpoint(rewrite);
  try {
    const callback = await signInThroughBackend(stack);
    return { stack, callback, page: await callback.text(), answers: watch.answers };
  } finally {
    watch.restore();
  }
}

async function noSession(stack: Stack, callback: Response) {
  expect(callback.headers.getSetCookie().some((line) => /^gatehouse=[\w-]{43}/.test(line))).toBe(
    false,
  );
  expect(await stack.store.count()).toBe(0);
  const me = await stack.jar.fetch(`${stack.backend.url}/me`);
  expect(me.status).toBe(401);
}

describe('DPOP=on: providers that do not play along', () => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  test('a provider refusing the proof (invalid_dpop_proof): a readable sign-in error page, no session', async () => {
    const run = await signInWith(() =>
      oauthError(400, 'invalid_dpop_proof', 'DPoP proof JWT Replay detected'),
    );
    stack = run.stack;
    expect(run.callback.status).toBe(502);
    expect(run.callback.headers.get('content-type')).toMatch(/text\/html/);
    expect(run.page).toContain('proof of possession (DPoP)');
    expect(run.stack.log.join('')).toContain('invalid_dpop_proof');
    await noSession(run.stack, run.callback);
  });

  test('a provider that keeps asking for a new nonce: one retry, then the error page', async () => {
    const run = await signInWith(() =>
      oauthError(400, 'use_dpop_nonce', 'Authorization server requires nonce in DPoP proof'),
    );
    stack = run.stack;
    expect(run.answers.map((answer) => answer.error)).toEqual(['use_dpop_nonce', 'use_dpop_nonce']);
    expect(run.callback.status).toBe(502);
    expect(run.page).toContain('proof of possession (DPoP)');
    await noSession(run.stack, run.callback);
  });

  test('a provider that ignores the proof (Bearer tokens) is refused: DPOP=on never quietly downgrades', async () => {
    const run = await signInWith(async (real) => {
      const answer = await real();
      const body = (await answer.json()) as Record<string, unknown>;
      return Response.json({ ...body, token_type: 'Bearer' }, { headers: answer.headers });
    });
    stack = run.stack;
    expect(run.callback.status).toBe(502);
    expect(run.page).toContain('not bound to this application');
    expect(run.page).toContain('DPOP=off');
    await noSession(run.stack, run.callback);
  });
});

describe('DPOP=on: a provider refusing the proof on a refresh', () => {
  let stack: Stack;
  afterEach(() => stack?.close());

  test('answers 502 with a readable error and keeps the session for the next try, as an outage', async () => {
    stack = await startStack({ options: { dpop: 'on' } });
    await signInThroughBackend(stack);
    await expireAccessToken(stack);
    const watch = watchTokenEndpoint(() =>
      oauthError(400, 'invalid_dpop_proof', 'DPoP proof JWT signature invalid'),
    );
    try {
      const refused = await stack.jar.fetch(`${stack.backend.url}/secure-data`);
      expect(refused.status).toBe(502);
      expect(await refused.json()).toMatchObject({
        error_description: expect.stringContaining('proof of possession (DPoP)'),
      });
    } finally {
      watch.restore();
    }
    expect(await stack.store.count()).toBe(1);
    expect((await stack.jar.fetch(`${stack.backend.url}/secure-data`)).status).toBe(200);
  });
});

describe('DPOP setting', () => {
  test('on and off only, named by its variable', () => {
    const options = optionsFromEnv({
      OKTA_ISSUER_URL: 'http://localhost:1/oauth2/default',
      OKTA_CLIENT_ID: 'c',
      OKTA_CLIENT_SECRET: 's',
      BACKEND_URL: 'http://localhost:2',
      FRONTEND_URL: 'http://localhost:3',
      SESSION_SECRET: 'x'.repeat(32),
      DPOP: 'yes',
    });
    expect(() => createGatehouse(options, ENV_NAMES)).toThrow('DPOP must be on or off, got yes');
  });

  test('no remote API may pass a browser DPoP header on (a captured proof would be replayed)', () => {
    expect(() =>
      createGatehouse({
        issuer: 'http://localhost:1/oauth2/default',
        clientId: 'c',
        clientSecret: 's',
        backendUrl: 'http://localhost:2',
        frontendUrl: 'http://localhost:3',
        sessionSecret: 'x'.repeat(32),
        remoteApis: [
          {
            path: '/api/a',
            upstream: 'http://localhost:4',
            resource: 'api://a',
            headers: ['DPoP'],
          },
        ],
      }),
    ).toThrow('dpop is never passed on');
  });
});
