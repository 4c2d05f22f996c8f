import { vi } from 'vitest';

/** The answer a test gives in the provider's place; `real()` asks the provider itself. */
export type Rewrite = (real: () => Promise<Response>) => Promise<Response> | Response;

/**
 * Watches (and optionally rewrites) what the provider's token endpoint answers Gatehouse:
 * openid-client calls the global `fetch`. Records each answer Gatehouse got: its status, OAuth
 * error, and whether the request's proof carried a nonce.
 */
export function watchTokenEndpoint(rewrite?: Rewrite) {
  const answers: { status: number; error?: string; nonce: boolean; proof: boolean }[] = [];
  const real = globalThis.fetch;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.endsWith('/v1/token')) return real(input, init);
    const response = rewrite ? await rewrite(() => real(input, init)) : await real(input, init);
    const body = (await response.clone().json()) as { error?: string };
    const proof = new Headers(init?.headers).get('dpop');
    const payload = proof
      ? JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString())
      : {};
    answers.push({
      status: response.status,
      ...(body.error && { error: body.error }),
      nonce: typeof payload.nonce === 'string',
      proof: proof !== null,
    });
    return response;
  });
  return { answers, restore: () => spy.mockRestore() };
}

/** A token endpoint answer with this OAuth error body. */
export function oauthError(status: number, error: string, description: string): Response {
  return new Response(JSON.stringify({ error, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}
