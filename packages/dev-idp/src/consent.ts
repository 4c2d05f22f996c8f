import type { Grant, KoaContextWithOIDC } from 'oidc-provider';

/**
 * `loadExistingGrant` for first-party clients: the session's grant for the client (or a new
 * one) extended with everything the request asks for, so no consent prompt ever shows. Okta
 * does the same for an organization's own apps (consent is off by default).
 */
export async function grantEverythingRequested(
  ctx: KoaContextWithOIDC,
): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const { client, session } = oidc;
  if (!client || !session?.accountId) return undefined;

  const grantId = oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const grant =
    existing?.accountId === session.accountId
      ? existing
      : new oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });

  const scopes = [...oidc.requestParamOIDCScopes];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...oidc.requestParamClaims];
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [indicator, resourceServer] of Object.entries(oidc.resourceServers ?? {})) {
    const requested = [...oidc.requestParamScopes].filter((s) => resourceServer.scopes.has(s));
    if (requested.length) grant.addResourceScope(indicator, requested.join(' '));
  }
  await grant.save();
  return grant;
}

/**
 * Okta issues a refresh token whenever `offline_access` is requested; oidc-provider follows
 * OIDC Core 11 and drops `offline_access` unless `prompt` includes `consent`. So an
 * authorization URL asking for `offline_access` gets `consent` added to its `prompt` (never
 * next to `prompt=none`), and the consent prompt is then granted at once, unseen.
 */
export function withConsentForOfflineAccess(pathAndQuery: string): string {
  const mark = pathAndQuery.indexOf('?');
  if (mark === -1) return pathAndQuery;
  const query = new URLSearchParams(pathAndQuery.slice(mark + 1));
  const scopes = (query.get('scope') ?? '').split(' ');
  const prompts = (query.get('prompt') ?? '').split(' ').filter(Boolean);
  if (
    !scopes.includes('offline_access') ||
    prompts.includes('none') ||
    prompts.includes('consent')
  ) {
    return pathAndQuery;
  }
  query.set('prompt', [...prompts, 'consent'].join(' '));
  return `${pathAndQuery.slice(0, mark)}?${query}`;
}

/**
 * The rule of {@link withConsentForOfflineAccess} for a pushed authorization request (RFC
 * 9126), whose parameters never appear in the authorization URL. oidc-provider runs every
 * `extraParams` validator on each authorization request, after its scope check; this one gives a
 * pushed request that asked for `offline_access` the `consent` prompt and the scope back before
 * the request is stored, so a sign-in through PAR gets a refresh token as at Okta.
 */
export const pushedOfflineAccess = {
  // No client sends this parameter: the name only registers the validator.
  gatehouse_dev_offline_access(ctx: KoaContextWithOIDC): void {
    const { oidc } = ctx;
    if (oidc.route !== 'pushed_authorization_request') return;
    if (!oidc.client?.grantTypeAllowed('refresh_token')) return;
    const asked = String((oidc.body as { scope?: unknown } | undefined)?.scope ?? '').split(' ');
    const params = oidc.params as Record<string, unknown>;
    const prompts = String(params.prompt ?? '')
      .split(' ')
      .filter(Boolean);
    if (!asked.includes('offline_access') || prompts.includes('none')) return;
    if (!prompts.includes('consent')) params.prompt = [...prompts, 'consent'].join(' ');
    const scopes = String(params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    if (!scopes.includes('offline_access')) params.scope = [...scopes, 'offline_access'].join(' ');
  },
};
