import { ENV_NAMES } from '../config/env.js';
import { silentLogger } from '../logger.js';
import { loadStore } from '../session/open-store.js';
import type { TokenKey } from '../config/keys.js';
import { openWithAny } from '../session/crypto.js';
import type { SessionStore } from '../session/store.js';
import { check, type DoctorCheck } from './report.js';

/** Opens the store the server would open, pings it within `timeout` seconds, and closes it. */
export async function sessionStoreCheck(
  spec: string,
  production: boolean,
  timeout: number,
  keys: readonly TokenKey[] = [],
): Promise<DoctorCheck> {
  const title = 'session store';
  const name = ENV_NAMES.sessionStore;
  let store: SessionStore;
  try {
    store = await loadStore(spec, name, silentLogger);
  } catch (error) {
    return check(
      'session-store',
      title,
      'error',
      `${name}=${redact(spec)} cannot be opened: ${(error as Error).message}`,
      `set ${name} to memory, sqlite:<path> or a reachable redis:// URL`,
    );
  }
  try {
    if (store.ping) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeout} s`)),
          timeout * 1000,
        );
      });
      await Promise.race([store.ping(), late]).finally(() => clearTimeout(timer));
    }
    const sealed = await sealedUnderOtherSecrets(store, keys);
    if (sealed) return sealed;
  } catch (error) {
    const failure = error as { message: string; detail?: string };
    return check(
      'session-store',
      title,
      'error',
      `${name}=${redact(spec)} does not answer: ${failure.detail ?? failure.message}`,
      `check that the store is reachable from this machine (${name})`,
    );
  } finally {
    await store.close().catch(() => {});
  }
  if (spec === 'memory') {
    return production
      ? check(
          'session-store',
          title,
          'warn',
          `${name}=memory: sessions are lost at every restart and not shared between instances`,
          `set ${name}=sqlite:<path> for one instance, or a redis:// URL for several`,
        )
      : check(
          'session-store',
          title,
          'ok',
          `${name}=memory: sessions last until the process stops (development)`,
        );
  }
  if (spec.startsWith('sqlite:')) {
    return check(
      'session-store',
      title,
      'ok',
      `${name}=${spec} answers (one process per file; several instances need Redis)`,
    );
  }
  return check('session-store', title, 'ok', `${name}=${redact(spec)} answers`);
}

const SAMPLE = 1000;

/**
 * Sessions that no configured SESSION_SECRET opens (a secret changed without listing the old
 * one): they end at their next request. A warning, so the operator can restore the old secret
 * as a previous one (`SESSION_SECRET=new,old`) before users are signed out.
 */
async function sealedUnderOtherSecrets(
  store: SessionStore,
  keys: readonly TokenKey[],
): Promise<DoctorCheck | undefined> {
  if (keys.length === 0 || !store.sample) return undefined;
  const sessions = await store.sample(SAMPLE);
  const unopened = sessions.filter(
    ({ key, record }) => !openWithAny(record.tokens, keys, key, record.tokenKey),
  ).length;
  if (unopened === 0) return undefined;
  const name = ENV_NAMES.sessionSecret;
  return check(
    'session-store',
    'session store',
    'warn',
    `${unopened} of ${sessions.length} sessions${sessions.length === SAMPLE ? ' sampled' : ''} are sealed under no configured ${name}: they end at their next request and their users sign in again`,
    `if ${name} was changed, list the previous secret after the new one (${name}=new,previous) until those sessions have been re-sealed`,
  );
}

/** A store URL without its password. */
function redact(spec: string): string {
  const url = URL.parse(spec);
  if (!url?.password) return spec;
  url.password = '***';
  return url.href;
}
