/**
 * Run in a child process with NODE_EXTRA_CA_CERTS set to the test CA (Node reads it only at
 * startup): a dev IdP on https accepting tls_client_auth, Gatehouse backends presenting the
 * client certificate, and a browser signing in. Prints one JSON line of what happened.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CookieJar, freePort, signIn } from '@gatehouse/dev-idp/testing';
import { ADA, startBackend, setCookie, startTestIdp } from '../support/stack.js';

const dir = process.argv[2]!;
const read = (file: string) => readFileSync(join(dir, file), 'utf8');
// A backend per attempt, each on its own port (no connection kept to a closed one).
const ports = [await freePort(), await freePort(), await freePort()];
const web = {
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: ports.map((port) => `http://localhost:${port}/signin-oidc`),
  post_logout_redirect_uris: ['http://localhost:5999'],
  token_endpoint_auth_method: 'tls_client_auth' as const,
};
const idp = await startTestIdp({
  par: true,
  tls: { cert: read('server.pem'), key: read('server.key'), clientCa: read('ca.pem') },
  clients: [
    { client_id: 'mtls-client', tls_client_auth_subject_dn: 'CN=gatehouse-mtls', ...web },
    { client_id: 'mtls-other', tls_client_auth_subject_dn: 'CN=someone-else', ...web },
  ],
});

async function attempt(clientId: string, par: 'on' | 'off', port: number) {
  const backendUrl = `http://localhost:${port}`;
  const backend = await startBackend('express', port, {
    issuer: idp.issuer,
    clientId,
    clientAuth: 'tls_client_auth',
    clientCertificateFile: join(dir, 'client.pem'),
    clientCertificateKeyFile: join(dir, 'client.key'),
    par,
    backendUrl,
    frontendUrl: 'http://localhost:5999',
    sessionSecret: 'mtls-scenario-secret-'.repeat(2),
  });
  try {
    const jar = new CookieJar();
    const login = await jar.fetch(`${backendUrl}/login`);
    const result: Record<string, unknown> = { login: login.status };
    if (login.status !== 302) return { ...result, page: (await login.text()).slice(0, 2000) };
    const authorizationUrl = new URL(login.headers.get('location')!);
    result.authorizeParams = [...authorizationUrl.searchParams.keys()].sort();
    const callback = await jar.fetch(await signIn(authorizationUrl, ADA, jar));
    result.callback = callback.status;
    result.session = setCookie(callback, 'gatehouse') !== undefined;
    const me = await jar.fetch(`${backendUrl}/me`);
    result.me = me.status;
    if (me.status === 200)
      result.email = ((await me.json()) as { user: { email: string } }).user.email;
    return result;
  } finally {
    await backend.close();
  }
}

try {
  const outcome = {
    issuer: idp.issuer,
    withPar: await attempt('mtls-client', 'on', ports[0]!),
    withoutPar: await attempt('mtls-client', 'off', ports[1]!),
    otherSubject: await attempt('mtls-other', 'off', ports[2]!),
  };
  console.log(JSON.stringify(outcome));
} finally {
  await idp.close();
}
