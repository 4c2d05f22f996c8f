/**
 * Express with body parsers mounted before Gatehouse: the request stream is already read when a
 * remote API call reaches the proxy. The parsed body goes up serialised again, with the
 * Content-Length of what is sent (never the caller's, never a stream that has ended), or the
 * call is refused 415 when the parsed form cannot be rebuilt faithfully. Never a hang to 504.
 */
import type express from 'express';
import express4 from 'express4';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { upstreamFixture } from '../conformance/remote.js';
import { world, type Start } from '../conformance/suite.js';
import { startExpressUnderPath, startExpressWithParsers } from './hosts.js';
import type { Upstream } from './upstream.js';

const CSRF = { 'x-csrf': '1' };

/** The orders API of the other remote tests, answering within 3 s (a hang fails fast). */
function ordersApi(upstream: Upstream) {
  return {
    remoteApis: [
      {
        path: '/api/orders',
        upstream: `${upstream.url}/v1`,
        resource: 'api://orders',
        scopes: 'orders:read',
        methods: ['GET', 'POST', 'PUT'],
        timeout: 3,
      },
    ],
  };
}

describe.each([
  ['Express 5', startExpressWithParsers()],
  ['Express 4', startExpressWithParsers(express4 as unknown as typeof express)],
] as [string, Start][])('parsers before Gatehouse on %s', (name, start) => {
  const upstream = upstreamFixture();
  const current = world(start, {}, () => ordersApi(upstream));
  const post = async (headers: Record<string, string>, body: BodyInit) => {
    const jar = await current.signedIn();
    return jar.fetch(`${current.backend.url}/api/orders/bulk`, {
      method: 'POST',
      headers: { ...CSRF, ...headers },
      body,
    });
  };
  /** The last request the upstream got, its Content-Length checked against its bytes. */
  const arrived = () => {
    const seen = upstream.received.at(-1)!;
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(seen.body)));
    expect(seen.headers['transfer-encoding']).toBeUndefined();
    return seen;
  };

  test('a JSON POST parsed by express.json() arrives upstream as the same JSON, with its length', async () => {
    const body = JSON.stringify({ order: { id: 7, items: ['a', 'b'] }, note: 'café ☕' });
    const response = await post({ 'content-type': 'application/json' }, body);
    expect(response.status).toBe(200);
    const seen = arrived();
    expect(seen.body).toBe(body);
    expect(seen.headers['content-type']).toBe('application/json');
  });

  test('gzip JSON, inflated by the parser, goes up plain: no Content-Encoding, its own length', async () => {
    const body = JSON.stringify({ items: 'x'.repeat(5000) });
    const response = await post(
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(body),
    );
    expect(response.status).toBe(200);
    const seen = arrived();
    expect(seen.body).toBe(body);
    expect(seen.headers['content-encoding']).toBeUndefined();
  });

  test('a form parsed by express.urlencoded() goes up as the same fields', async () => {
    const response = await post(
      { 'content-type': 'application/x-www-form-urlencoded' },
      'a=1&b=two+words&a=3&c=%E2%98%95',
    );
    expect(response.status).toBe(200);
    const fields = new URLSearchParams(arrived().body);
    expect(fields.getAll('a')).toEqual(['1', '3']);
    expect(fields.get('b')).toBe('two words');
    expect(fields.get('c')).toBe('☕');
  });

  test('text parsed by express.text() and bytes kept by express.raw() go up unchanged', async () => {
    expect((await post({ 'content-type': 'text/plain' }, 'hello ☕')).status).toBe(200);
    expect(arrived().body).toBe('hello ☕');
    const bytes = new Uint8Array([0, 1, 2, 250, 251, 255]);
    const raw = await post({ 'content-type': 'application/octet-stream' }, bytes);
    expect(raw.status).toBe(200);
    // The recording upstream keeps bodies as UTF-8 text: compare the same way.
    const seen = upstream.received.at(-1)!;
    expect(seen.body).toBe(Buffer.from(bytes).toString('utf8'));
    expect(seen.headers['content-length']).toBe('6');
  });

  test('a type no parser took (application/xml) streams up untouched', async () => {
    const body = '<order id="7"/>';
    const response = await post({ 'content-type': 'application/xml' }, body);
    expect(response.status).toBe(200);
    expect(arrived().body).toBe(body);
  });

  test('JSON in UTF-16, decoded by the parser, cannot go up as sent: 415, nothing sent', async () => {
    const before = upstream.received.length;
    const response = await post(
      { 'content-type': 'application/json; charset=utf-16le' },
      Buffer.from('{"a":1}', 'utf16le'),
    );
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(upstream.received.length).toBe(before);
  });

  if (name === 'Express 4') {
    test('a nested form (extended parsing) cannot be rebuilt: 415, nothing sent', async () => {
      const before = upstream.received.length;
      const response = await post(
        { 'content-type': 'application/x-www-form-urlencoded' },
        'order[id]=7&order[qty]=2',
      );
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
      expect(upstream.received.length).toBe(before);
    });
  }
});

describe('Gatehouse inside an Express router mounted at a path', () => {
  const upstream = upstreamFixture();
  const current = world(startExpressUnderPath, {}, () => ordersApi(upstream));

  test('a POST body streams up whole through the copy of the request the adapter makes', async () => {
    const jar = await current.signedIn();
    const body = JSON.stringify({ items: 'y'.repeat(100_000) });
    const response = await jar.fetch(`${current.backend.url}/api/orders/bulk`, {
      method: 'POST',
      headers: { ...CSRF, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const seen = upstream.received.at(-1)!;
    expect(seen.body).toBe(body);
    expect(seen.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });
});
