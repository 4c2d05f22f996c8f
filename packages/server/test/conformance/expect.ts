import { expect } from 'vitest';

/** Signs of internals a response must never show: a stack frame, a source path. */
const INTERNALS = [/\n\s*at \S/, /&nbsp;at /, /\/(work|home|src|node_modules)\/\S+\.(ts|js)/];

export function expectNoInternals(text: string): void {
  for (const pattern of INTERNALS) expect(text).not.toMatch(pattern);
}

/**
 * A Gatehouse JSON error: exactly this status, `{ error, error_description }` and nothing
 * else, not cacheable, no internals.
 */
export async function expectError(
  response: Response,
  status: number,
  error: string,
  description?: string,
): Promise<{ error: string; error_description: string }> {
  const text = await response.text();
  expect({ status: response.status, text }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get('cache-control')).toBe('no-store');
  expectNoInternals(text);
  const body = JSON.parse(text) as { error: string; error_description: string };
  expect(Object.keys(body).sort()).toEqual(['error', 'error_description']);
  expect(body.error).toBe(error);
  expect(body.error_description).toEqual(description ?? expect.any(String));
  return body;
}

/** Gatehouse's HTML error page: this status, readable text, locked down, no internals. */
export async function expectPage(response: Response, status: number, text: string): Promise<void> {
  const html = await response.text();
  expect({ status: response.status, html: html.slice(0, 500) }).toMatchObject({ status });
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(response.headers.get('location')).toBeNull();
  expect(html).toContain(text);
  expectNoInternals(html);
}
