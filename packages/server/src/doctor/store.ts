import { ENV_NAMES } from '../config/env.js';
import { ConfigError } from '../config/parse.js';
import { silentLogger } from '../logger.js';
import { loadStore, redactStoreSpec, redactStoreText } from '../session/open-store.js';
import type { TokenKey } from '../config/keys.js';
import { openWithAny } from '../session/crypto.js';
import type { SessionStore } from '../session-store.js';
import { check, type DoctorCheck } from './report.js';
import { postgresCheck } from './store-postgres.js';
import { redisCheck } from './store-redis.js';

/** Opens the store the server would open, pings it within `timeout` seconds, and closes it. */
export async function sessionStoreCheck(
  spec: string,
  production: boolean,
  timeout: number,
  keys: readonly TokenKey[] = [],
): Promise<DoctorCheck> {
  const title = 'session store';
  const name = ENV_NAMES.sessionStore;
  const shown = redactStoreSpec(spec);
  // Whatever a driver says, with the spec's credentials taken out.
  const said = (error: unknown) => {
    const failure = error as { message?: string; detail?: string };
    return redactStoreText(failure.detail ?? failure.message ?? String(error), spec);
  };
  let store: SessionStore;
  let about = '';
  try {
    store = await loadStore(spec, name, silentLogger);
  } catch (error) {
    if (error instanceof ConfigError)
      return check(
        'session-store',
        title,
        'error',
        `npm run serve would stop: ${said(error)}`,
        `set ${name} to memory, sqlite:<path> or a redis:// URL`,
      );
    return check(
      'session-store',
      title,
      'error',
      `${name}=${shown} cannot be opened: ${said(error)}`,
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
    const postgres = await postgresCheck(store, `${name}=${shown}`);
    if (postgres && 'failure' in postgres) return postgres.failure;
    if (postgres) about = ` (${postgres.about})`;
    const redis = await redisCheck(store, `${name}=${shown}`);
    if (redis && 'failure' in redis) return redis.failure;
    if (redis) about = ` (${redis.about})`;
  } catch (error) {
    return check(
      'session-store',
      title,
      'error',
      `${name}=${shown} does not answer: ${said(error)}`,
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
      `${name}=${shown} answers (one process per file; several instances need Redis)`,
    );
  }
  return check('session-store', title, 'ok', `${name}=${shown} answers${about}`);
}

const SAMPLE = 1000;

/**
 * Sessions that no configured secret opens. One naming a key this configuration does not derive
 * (another instance is further into a rotation, or a secret was dropped too early) is refused
 * with a 503 and left in the store; one naming none (written before key ids) or a known one that
 * fails to open ends at its next request. A warning, so the operator can give this instance the
 * secrets the others have before users are turned away.
 */
async function sealedUnderOtherSecrets(
  store: SessionStore,
  keys: readonly TokenKey[],
): Promise<DoctorCheck | undefined> {
  if (keys.length === 0 || !store.sample) return undefined;
  const sessions = await store.sample(SAMPLE);
  const unopened = sessions.filter(
    ({ key, record }) => !openWithAny(record.tokens, keys, key, record.tokenKey),
  );
  if (unopened.length === 0) return undefined;
  const known = new Set(keys.map((key) => key.id));
  const refused = unopened.filter(
    ({ record }) => record.tokenKey !== undefined && !known.has(record.tokenKey),
  ).length;
  const ended = unopened.length - refused;
  const name = ENV_NAMES.sessionSecret;
  const nextName = ENV_NAMES.sessionSecretNext;
  const of = `of ${sessions.length} sessions${sessions.length === SAMPLE ? ' sampled' : ''}`;
  const found = [
    refused &&
      `${refused} ${of} are sealed under a secret neither ${name} nor ${nextName} gives: this server answers their requests 503 (ERR_SESSION_KEY_UNKNOWN) and leaves them in the store`,
    ended &&
      `${ended} ${of} open under no configured ${name}: they end at their next request and their users sign in again`,
  ].filter(Boolean);
  return check(
    'session-store',
    'session store',
    'warn',
    found.join('; '),
    `give this server every secret the other instances have (${name}=new,previous and ${nextName} as theirs), and rotate in the phases of docs/scaling.md ("Rotating SESSION_SECRET")`,
  );
}
