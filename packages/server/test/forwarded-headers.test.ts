import { afterAll, beforeAll, expect, test } from 'vitest';
import { signInThroughBackend, startStack, type Stack } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const forged = {
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  host: 'evil.example',
};

test('X-Forwarded-Host/Proto and Host cannot change the redirect URI (host header poisoning)', async () => {
  const response = await fetch(`${stack.backend.url}/login`, {
    headers: forged,
    redirect: 'manual',
  });
  const authorize = new URL(response.headers.get('location')!);
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.backend.url}/signin-oidc`);
  // The cookie stays as BACKEND_URL's scheme says: no Secure flip from a forged proto.
  expect(response.headers.getSetCookie()[0]).not.toContain('Secure');
});

test('nor where the browser lands after sign-in', async () => {
  const callback = await signInThroughBackend(stack, { headers: forged });
  expect(callback.headers.get('location')).toBe(`${stack.frontendUrl}/`);
});
