import { SETTINGS, type DefaultsOf, type Settings } from './settings.js';

/** The default of every setting that has one, from the settings table. */
function settingDefaults(): DefaultsOf<Settings> {
  const found: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) {
    if ('serveDefault' in setting) found[key] = setting.serveDefault;
    else if ('default' in setting) found[key] = setting.default;
  }
  return found as DefaultsOf<Settings>;
}

/**
 * Every default of Gatehouse: those of the settings (config/settings.ts, where each is
 * documented), then the fixed ones below, which no option changes. The configuration reference
 * in docs/ is written from both.
 */
export const defaults = Object.freeze({
  ...settingDefaults(),
  /** How long a token the provider refused is answered 401 without asking again, in seconds. */
  introspectionNegativeTtl: 30,
  /** Refused opaque tokens remembered; when full the oldest goes. */
  introspectionNegativeCacheSize: 10_000,
  /** How long an unfinished sign-in may take, in seconds. */
  transactionTtl: 10 * 60,
  /** Unfinished sign-ins remembered per browser (several tabs signing in at once). */
  maxTransactions: 3,
  /** Longest accepted `returnTo`, in characters. */
  maxReturnToLength: 512,
  /** Most JSON an `onSignIn` hook may keep with a session, in characters. */
  maxKeptClaims: 2048,
  /** Longest accepted value of a sign-in parameter (`login_hint`, ...), in characters. */
  maxLoginParamLength: 256,
  /** Base name of the session cookie; `__Host-` is prefixed on https. */
  cookieName: 'gatehouse',
});
