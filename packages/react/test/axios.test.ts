import axios, { AxiosError, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it, vi } from 'vitest';
import { attachAuthInterceptors } from '../src/index.js';

/** An axios instance whose adapter answers `status` and records the request configs. */
function fakeApi(status: number, baseURL?: string) {
  const seen: InternalAxiosRequestConfig[] = [];
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config);
    const response = { data: { ok: status < 400 }, status, statusText: '', headers: {}, config };
    if (status < 400) return response;
    throw new AxiosError('failed', 'ERR_BAD_RESPONSE', config, null, response);
  };
  return { api: axios.create({ baseURL: baseURL ?? 'http://api.test', adapter }), seen };
}

describe('attachAuthInterceptors', () => {
  it('adds X-CSRF: 1 and withCredentials to every request', async () => {
    const { api, seen } = fakeApi(200);
    attachAuthInterceptors(api);
    await api.get('/secure-data');
    await api.post('/notes', { text: 'hi' });
    for (const config of seen) {
      expect(config.headers.get('X-CSRF')).toBe('1');
      expect(config.withCredentials).toBe(true);
    }
    expect(seen).toHaveLength(2);
  });

  it('calls onUnauthorized on a 401 and still rejects', async () => {
    const { api } = fakeApi(401);
    const onUnauthorized = vi.fn();
    attachAuthInterceptors(api, { onUnauthorized });
    await expect(api.get('/secure-data')).rejects.toMatchObject({ response: { status: 401 } });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('leaves other errors alone', async () => {
    const { api } = fakeApi(500);
    const onUnauthorized = vi.fn();
    attachAuthInterceptors(api, { onUnauthorized });
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('returns a function that removes both interceptors', async () => {
    const { api, seen } = fakeApi(401);
    const onUnauthorized = vi.fn();
    const detach = attachAuthInterceptors(api, { onUnauthorized });
    detach();
    await expect(api.get('/x')).rejects.toBeInstanceOf(AxiosError);
    expect(seen[0]!.headers.get('X-CSRF')).toBeUndefined();
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});

describe('attachAuthInterceptors: only the backend origin', () => {
  const foreign = ['https://evil.example/x', '//evil.example/x', 'http://api.test:8443/x'];

  it('leaves requests to another origin untouched: no withCredentials, no X-CSRF', async () => {
    const { api, seen } = fakeApi(200);
    attachAuthInterceptors(api);
    for (const url of foreign) await api.post(url, { secret: 1 });
    await api.get('https://x', { baseURL: 'https://evil.example', allowAbsoluteUrls: false });
    expect(seen).toHaveLength(4);
    for (const config of seen) {
      expect(config.headers.get('X-CSRF')).toBeUndefined();
      expect(config.withCredentials).not.toBe(true);
    }
  });

  it('ignores a 401 from another origin: the app is not signed out by a foreign host', async () => {
    const { api } = fakeApi(401);
    const onUnauthorized = vi.fn();
    attachAuthInterceptors(api, { onUnauthorized });
    for (const url of foreign) {
      await expect(api.get(url)).rejects.toMatchObject({ response: { status: 401 } });
    }
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('without a baseURL the backend is the page origin; the baseUrl option names another', async () => {
    const page = fakeApi(200, '');
    attachAuthInterceptors(page.api);
    await page.api.get('/me');
    await page.api.get('http://api.test/me');
    expect(page.seen.map((c) => c.headers.get('X-CSRF'))).toEqual(['1', undefined]);

    const named = fakeApi(200, '');
    attachAuthInterceptors(named.api, { baseUrl: 'http://api.test' });
    await named.api.get('http://api.test/me');
    await named.api.get('/me');
    expect(named.seen.map((c) => c.withCredentials)).toEqual([true, undefined]);
  });
});
