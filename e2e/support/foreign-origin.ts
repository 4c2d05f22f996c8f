/**
 * A host that is not the backend, for the SDK's origin tests: it records what reached it
 * (cookies, `X-CSRF`, body) and answers every request with a 401, a step-up challenge under
 * `/step-up`, with CORS open to the app's origin so the page can read that answer.
 */
import { freePort } from '@gatehouse/dev-idp/testing';
import { build } from 'esbuild';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './demo.js';

/** One request the foreign host received. */
export interface ForeignRequest {
  method: string;
  path: string;
  cookie?: string;
  xCsrf?: string;
  body: string;
}

export interface ForeignHost {
  port: number;
  requests: ForeignRequest[];
  close(): Promise<void>;
}

export async function startForeignHost(appOrigin: string): Promise<ForeignHost> {
  const requests: ForeignRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      const cookie = req.headers.cookie;
      const xCsrf = req.headers['x-csrf'] as string | undefined;
      requests.push({ method: req.method ?? '', path: req.url ?? '', cookie, xCsrf, body });
      res.setHeader('Access-Control-Allow-Origin', appOrigin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Headers', 'x-csrf, content-type, accept');
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
        return res.writeHead(204).end();
      }
      const stepUp = req.url?.startsWith('/step-up');
      res.writeHead(401, {
        'Content-Type': 'application/json',
        ...(stepUp && {
          'WWW-Authenticate':
            'Bearer error="insufficient_user_authentication", acr_values="urn:foreign:chosen", max_age=0',
        }),
      });
      res.end(
        JSON.stringify({ error: stepUp ? 'insufficient_user_authentication' : 'unauthorized' }),
      );
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { port, requests, close };
}

/** `sdk-harness.tsx` bundled for the browser, React and axios included, the SDK from source. */
export async function sdkHarnessScript(): Promise<string> {
  const result = await build({
    entryPoints: [join(ROOT, 'e2e/support/sdk-harness.tsx')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    conditions: ['@gatehouse/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
