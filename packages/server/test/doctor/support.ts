import { startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import type { DoctorCheck, DoctorReport } from '@gatehouse/server/doctor';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const BACKEND_URL = 'http://localhost:7156';
export const FRONTEND_URL = 'http://localhost:5173';
export const CLIENT = { id: 'doctor-client', secret: 'doctor-client-secret' };

/** A dev IdP whose one client is registered with the given redirect and sign-out URIs. */
export function startIdp({
  redirectUri = `${BACKEND_URL}/signin-oidc`,
  postLogoutRedirectUri = FRONTEND_URL,
} = {}): Promise<DevIdp> {
  return startDevIdp({
    port: 0,
    keysFile: false,
    quiet: true,
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: [postLogoutRedirectUri],
      },
    ],
  });
}

/** Variables that pass every check against `issuer`, with `overrides` applied. */
export function goodEnv(issuer: string, overrides: Record<string, string | undefined> = {}) {
  return {
    OKTA_ISSUER_URL: issuer,
    OKTA_CLIENT_ID: CLIENT.id,
    OKTA_CLIENT_SECRET: CLIENT.secret,
    BACKEND_URL,
    FRONTEND_URL,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    SESSION_STORE: 'memory',
    ...overrides,
  };
}

/** The check with `id`, failing the test when the report has none. */
export function line(report: DoctorReport, id: string): DoctorCheck {
  const found = report.checks.find((item) => item.id === id);
  if (!found)
    throw new Error(`no check "${id}" in ${JSON.stringify(report.checks.map((c) => c.id))}`);
  return found;
}

/** Statuses by check id, to assert a whole report at once. */
export function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((item) => [item.id, item.status]));
}

/** A tiny HTTP server on a free loopback port; `url` is `http://localhost:<port>`. */
export async function serve(
  handler: (url: string) => Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  let url = '';
  const server = createServer((request, response) => handler(url)!(request, response));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A provider that serves the dev IdP's discovery document with changes (another issuer, a
 * shifted `Date`), its endpoints still the dev IdP's.
 */
export async function doctoredDiscovery(
  idp: DevIdp,
  change: (document: Record<string, unknown>, url: string) => Record<string, unknown>,
  { date }: { date?: () => string } = {},
) {
  const original = (await (
    await fetch(`${idp.issuer}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>;
  return serve((url) => (request, response) => {
    if (request.url !== '/.well-known/openid-configuration') {
      response.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (date) headers.date = date();
    response.writeHead(200, headers).end(JSON.stringify(change({ ...original }, url)));
  });
}

const BIN = new URL('../../bin/gatehouse.mjs', import.meta.url);

/** `gatehouse <args>` run in `dir` as a user runs it, with only the given environment (and PATH). */
export function gatehouseBin(
  dir: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [fileURLToPath(BIN), ...args],
      { cwd: dir, env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `variables` as the lines of an env file. */
export function envFileText(variables: Record<string, string | undefined>): string {
  return Object.entries(variables)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}
