import axios, { AxiosError, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it, vi } from 'vitest';
import { attachAuthInterceptors } from '../src/index.js';

/** An axios instance whose adapter answers `status` and records the request configs. */
function fakeApi(status: number) {
  const seen: InternalAxiosRequestConfig[] = [];
  const adapter: AxiosAdapter = async (config) => {
    seen.push(config);
    const response = { data: { ok: status < 400 }, status, statusText: '', headers: {}, config };
    if (status < 400) return response;
    throw new AxiosError('failed', 'ERR_BAD_RESPONSE', config, null, response);
  };
  return { api: axios.create({ baseURL: 'http://api.test', adapter }), seen };
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
