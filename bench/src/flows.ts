// Complete sign-ins per second, in their own process: a few virtual users, each with a fresh
// cookie jar per sign-in (a new browser), run the whole flow in a loop for a bounded time:
// the backend's login route, the IdP's authorize redirect and login form (POST email and
// password), the IdP's redirects back, and the backend's callback (code exchange, ID token
// checks, a new session). A flow counts when the IdP sends the browser back to the backend's
// callback path and the callback answers a redirect that sets the session cookie.
import { CookieJar, signIn } from '@gatehouse/dev-idp/testing';
import { fail, specOf } from './lib/child.js';

export interface FlowsSpec {
  backendUrl: string;
  /** Starts a sign-in with a redirect to the IdP: `/login` for both backends. */
  loginPath: string;
  /** Where the IdP must send the browser back: `/signin-oidc`, `/callback`. */
  callbackPath: string;
  /** The session cookie the callback sets (`appSession` may be chunked: `appSession.0`, ...). */
  cookieName: string;
  users: number;
  duration: number;
  credentials: { email: string; password: string };
}

export interface FlowsResult {
  flows: number;
  failures: number;
  duration: number;
  perSecond: number;
  latency: { p50: number; p99: number };
  firstFailure?: string;
}

async function signInOnce(spec: FlowsSpec): Promise<void> {
  const jar = new CookieJar();
  const login = await jar.fetch(`${spec.backendUrl}${spec.loginPath}`);
  await login.body?.cancel();
  if (login.status !== 302) throw new Error(`${spec.loginPath} answered ${login.status}`);
  const authorize = new URL(login.headers.get('location')!, spec.backendUrl);
  const callbackUrl = await signIn(authorize, spec.credentials, jar);
  const back = new URL(callbackUrl);
  if (back.origin !== new URL(spec.backendUrl).origin || back.pathname !== spec.callbackPath) {
    throw new Error(`the IdP sent the browser to ${back.origin}${back.pathname}`);
  }
  const callback = await jar.fetch(callbackUrl);
  await callback.body?.cancel();
  const cookie = callback.headers.getSetCookie().some((line) => {
    const [name, value] = line.split(';', 1)[0]!.split('=', 2);
    return (name === spec.cookieName || name?.startsWith(`${spec.cookieName}.`)) && !!value;
  });
  if (callback.status !== 302 || !cookie) {
    throw new Error(`${spec.callbackPath} answered ${callback.status} without a session cookie`);
  }
}

async function main() {
  const spec = specOf<FlowsSpec>();
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const end = started + spec.duration * 1000;
  const user = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await signInOnce(spec);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures++;
        firstFailure ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.users }, user));
  const duration = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const result: FlowsResult = {
    flows: latencies.length,
    failures,
    duration,
    perSecond: latencies.length / duration,
    latency: { p50: at(0.5), p99: at(0.99) },
    ...(firstFailure && { firstFailure }),
  };
  process.send!({ type: 'result', result });
}

main().catch(fail);
