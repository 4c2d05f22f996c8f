import { demoClients, startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { createGatehouse, MemoryStore, type Gatehouse } from '@gatehouse/server';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildDemoApp } from '../server/app.js';

const rootDir = fileURLToPath(new URL('../../../', import.meta.url));

/** A raw request, so nothing between the test and the server trims an oversized header. */
function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status line Node answers a request with, read off a raw socket (Node closes it after a 431). */
function rawStatus(url: string, headers: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET /secure-data HTTP/1.1\r\nHost: ${hostname}\r\n${headers}\r\n\r\n`);
    });
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', (error) => (received ? resolve(received.split('\r\n')[0]!) : reject(error)));
    socket.on('close', () => resolve(received.split('\r\n')[0]!));
  });
}

describe('the demo backend, listening', () => {
  let idp: DevIdp;
  let gatehouse: Gatehouse;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    idp = await startDevIdp({ port: 0, keysFile: false, quiet: true, clients: demoClients() });
    gatehouse = createGatehouse({
      issuer: idp.issuer,
      clientId: 'gatehouse-demo',
      clientSecret: 'gatehouse-demo-secret',
      backendUrl: 'http://localhost:4998',
      frontendUrl: 'http://localhost:5999',
      sessionSecret: 'demo-bearer-secret-'.repeat(3),
      sessionStore: new MemoryStore(),
      logger: pino({ level: 'silent' }),
    });
    app = await buildDemoApp({ gatehouse });
    await app.listen({ port: 0, host: 'localhost' });
    url = `http://localhost:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app.close();
    await gatehouse.close();
    await idp.close();
  });

  test('npm run token prints a token alone; curl -H "Authorization: Bearer $(npm run -s token)" /secure-data works', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'token'], {
      cwd: rootDir,
      env: { ...process.env, OKTA_ISSUER_URL: idp.issuer },
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const authorization = `Bearer ${stdout.trim()}`;

    const data = await get(`${url}/secure-data`, { authorization });
    expect(data.status).toBe(200);
    expect(JSON.parse(data.body)).toMatchObject({
      message: 'You are authenticated!',
      user: 'gatehouse-cli',
      via: 'bearer',
    });

    const admin = await get(`${url}/admin-data`, { authorization });
    expect(admin.status).toBe(403);
    expect(JSON.parse(admin.body)).toMatchObject({ error: 'access_denied' });
    expect((await get(`${url}/admin-data`, {})).status).toBe(401);
  });

  test('an Authorization header over 16 KiB gets 431 from Node, one under it an ordinary 401', async () => {
    const over = await rawStatus(url, `Authorization: Bearer ${'a'.repeat(16 * 1024)}`);
    expect(over).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    const under = await get(`${url}/secure-data`, {
      authorization: `Bearer ${'a'.repeat(15 * 1024)}`,
    });
    expect(under.status).toBe(401);
    expect(JSON.parse(under.body)).toMatchObject({ error: 'invalid_token' });
  });
});
