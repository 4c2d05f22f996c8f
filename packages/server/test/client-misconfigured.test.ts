import { afterAll, beforeAll, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ options: { clientSecret: 'not-the-secret' } });
});
afterAll(() => stack.close());

test('a wrong OKTA_CLIENT_SECRET: the callback says the provider refused the client, not "unexpected"', async () => {
  const callback = await signInThroughBackend(stack);
  expect(callback.status).toBe(502);
  const html = await callback.text();
  expect(html).toContain('The identity provider refused the request (invalid_client).');
  expect(html).toContain('OKTA_CLIENT_SECRET');
  expect(callback.headers.getSetCookie().some((line) => line.startsWith('gatehouse='))).toBe(false);
});
