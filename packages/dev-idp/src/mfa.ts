import { randomInt } from 'node:crypto';
import type * as OidcProvider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** Okta's `acr` for a password sign-in. */
export const ACR_PASSWORD = 'urn:okta:loa:1fa:pwd';
/** Okta's `acr` for a sign-in with a second factor: the step-up the demo's admin action asks. */
export const ACR_TWO_FACTOR = 'urn:okta:loa:2fa:any';
/** The group whose users have a second factor (a one-time code shown on the page, dev only). */
export const SECOND_FACTOR_GROUP = 'admins';

/** Whether a request's `acr_values` ask for a second factor. */
export function asksSecondFactor(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_TWO_FACTOR);
}

/**
 * The login prompt's policy plus one check: a request asking for a second factor signs in again
 * when the provider session has only a password (with `prompt=none`: `login_required`).
 */
export function stepUpPolicy(
  interactionPolicy: typeof OidcProvider.interactionPolicy,
): OidcProvider.interactionPolicy.Prompt[] {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy
    .get('login')!
    .checks.add(
      new Check(
        'acr_step_up',
        'a second factor is required',
        'login_required',
        (ctx: KoaContextWithOIDC) =>
          asksSecondFactor(ctx.oidc.params?.acr_values) &&
          ctx.oidc.acr !== ACR_TWO_FACTOR &&
          !ctx.oidc.result?.login,
      ),
    );
  return policy;
}

/** The one-time codes waiting to be typed, by interaction: one per sign-in, five tries. */
const pending = new Map<string, { accountId: string; code: string; tries: number }>();

/** Starts the second step of interaction `uid` for `accountId`: a fresh six-digit code. */
export function issueCode(uid: string, accountId: string): string {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  pending.set(uid, { accountId, code, tries: 0 });
  return code;
}

/** The code waiting for `uid`, to show on the page (the dev IdP's stand-in for a phone). */
export function codeOf(uid: string): string | undefined {
  return pending.get(uid)?.code;
}

/** Checks a typed code: the account it was issued for when right (and spent), else undefined. */
export function redeemCode(uid: string, typed: string): string | undefined {
  const entry = pending.get(uid);
  if (!entry) return undefined;
  if (entry.code === typed.trim()) {
    pending.delete(uid);
    return entry.accountId;
  }
  if (++entry.tries >= 5) pending.delete(uid);
  return undefined;
}
