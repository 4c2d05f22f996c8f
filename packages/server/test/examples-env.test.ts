// Every example's env file fits the dev IdP its comment says to start: a stranger copies
// `.env.example`, starts `npm start -w packages/dev-idp` (the demo's fixed client and users) and
// signs in. The file's values are used as they are, only the localhost ports replaced by free
// ones, so a wrong issuer path (discovery fails, /login answers 502), client id or secret fails
// here in a second; packages/server/test/next/next.test.ts runs the Next example itself so.
import { demoClients, startDevIdp, type DevIdp } from '@gatehouse/dev-idp';
import { CookieJar, freePort, signIn } from '@gatehouse/dev-idp/testing';
import { createGatehouse, ENV_NAMES, optionsFromEnv, type Gatehouse } from '@gatehouse/server';
import { gatehouseNode } from '@gatehouse/server/node';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { ADA } from './bearer/support.js';
import { exampleEnv, localPort, readEnvFile } from './support/example-env.js';

const EXAMPLES = new URL('../../../examples/', import.meta.url);
/** The port `npm start -w packages/dev-idp` listens on. */
const DEV_IDP_PORT = '7157';

const envFiles = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => new URL(`${entry.name}/.env.example`, EXAMPLES))
  .filter((file) => existsSync(file));

let idp: DevIdp | undefined;
let gatehouse: Gatehouse | undefined;
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await gatehouse?.close();
  await idp?.close();
  [idp, gatehouse, server] = [undefined, undefined, undefined];
});

describe("the examples' env files", () => {
  test('there is one to check', () => {
    expect(envFiles.map((file) => file.pathname.split('/').at(-2))).toContain('next');
  });

  test.each(envFiles.map((file) => [file.pathname.split('/').at(-2)!, file] as const))(
    'examples/%s/.env.example signs in against the dev IdP as its CLI serves it (no wrong issuer, client id or secret)',
    async (_name, file) => {
      const appPort = localPort(readEnvFile(file).BACKEND_URL);
      expect(appPort, 'BACKEND_URL is a localhost URL with a port').toBeDefined();
      const ports = { [DEV_IDP_PORT]: await freePort(), [appPort!]: await freePort() };
      const env = exampleEnv(file, ports);
      // As `npm start -w packages/dev-idp -- --backend-url ... --frontend-url ...` on loopback.
      idp = await startDevIdp({
        port: ports[DEV_IDP_PORT],
        keysFile: false,
        quiet: true,
        par: true,
        fixedDemoCredentials: true,
        clients: demoClients({ backendUrl: env.BACKEND_URL, frontendUrl: env.FRONTEND_URL }),
      });
      // An empty SESSION_SECRET makes createGatehouse write a development secret file in the
      // working directory: this test gives one instead.
      const secret = env.SESSION_SECRET || 'example-env-test-'.repeat(3);
      gatehouse = createGatehouse(optionsFromEnv({ ...env, SESSION_SECRET: secret }), ENV_NAMES);
      const routes = gatehouseNode(gatehouse);
      server = createServer(async (req, res) => {
        if (!(await routes(req, res))) res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server!.listen(ports[appPort!], 'localhost', resolve));
      const app = env.BACKEND_URL!.replace(/\/+$/, '');

      const jar = new CookieJar();
      const login = await jar.fetch(`${app}/login`);
      expect(login.status).toBe(302);
      const authorize = new URL(login.headers.get('location')!);
      expect(authorize.href.startsWith(`${idp.issuer}/`)).toBe(true);
      const callback = await signIn(authorize, ADA, jar);
      const back = await jar.fetch(callback);
      expect(back.status).toBe(302);
      const me = await jar.fetch(`${app}/me`);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email: ADA.email } });
    },
  );
});
