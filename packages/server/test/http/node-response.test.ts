import { writeNodeResponse } from '../../src/http/node.js';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, expect, test } from 'vitest';

// A streamed answer (a remote API's, through the node:http and Express hosts) must never hang
// or leak: an upstream that breaks off ends the browser's response, and a browser that goes
// away ends the upstream's answer, so its connection goes back to the pool.
let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

async function serve(body: PassThrough): Promise<string> {
  server = createServer((_req, res) => {
    writeNodeResponse(res, {
      status: 200,
      headers: { 'content-type': 'text/plain' },
      stream: body,
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

test('a streamed body arrives whole, with the headers given', async () => {
  const body = new PassThrough();
  const url = await serve(body);
  body.write('one, ');
  setTimeout(() => body.end('two'), 20);
  const response = await fetch(url);
  expect(response.headers.get('content-type')).toBe('text/plain');
  expect(await response.text()).toBe('one, two');
});

test('an upstream that breaks off mid-answer aborts the response (never a hang)', async () => {
  const body = new PassThrough();
  const url = await serve(body);
  body.write('partial');
  setTimeout(() => body.destroy(new Error('upstream socket closed')), 20);
  const response = await fetch(url);
  await expect(response.text()).rejects.toThrow();
});

test('a client that goes away mid-answer destroys the upstream body (its connection is released)', async () => {
  const body = new PassThrough();
  const url = await serve(body);
  body.write('first part');
  await new Promise<void>((resolve, reject) => {
    const call = request(url, (res) => {
      res.once('data', () => {
        call.destroy();
        resolve();
      });
    });
    call.on('error', () => {});
    call.on('close', resolve);
    call.end();
    setTimeout(() => reject(new Error('no answer')), 5000);
  });
  await expect.poll(() => body.destroyed).toBe(true);
});
