import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { Interaction } from 'oidc-provider';
import {
  ACR_PASSWORD,
  ACR_TWO_FACTOR,
  asksSecondFactor,
  codeOf,
  issueCode,
  redeemCode,
  SECOND_FACTOR_GROUP,
} from './mfa.js';
import { codePage, errorPage, loginPage, type Page } from './pages.js';
import { loadOidcProvider } from './provider.js';
import type { DevUser } from './users.js';

const MAX_FORM_BYTES = 16 * 1024;

/** Sends one of the dev IdP's HTML pages with its CSP and no caching. */
export function sendPage(res: ServerResponse, status: number, page: Page): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-security-policy', page.csp);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.end(page.html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new RangeError('form too large');
  }
  return new URLSearchParams(body);
}

/**
 * Who can sign in, whether the login page lists their (published demo) passwords, and where
 * the tenant's login pages live.
 */
export interface Accounts {
  users: readonly DevUser[];
  showPasswords: boolean;
  interactionPath: string;
}

/**
 * The login interaction at `/interaction/<uid>`: GET shows the sign-in page, POST checks the
 * email and password (then, for an admin when `acr_values` asks for a second factor, the
 * one-time code page, whose POST checks the code), POST `/cancel` ends the request with `access_denied`. A consent prompt
 * (only when a client asks for `prompt=consent`) is granted at once: no consent screen.
 */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  provider: Provider,
  { users, showPasswords, interactionPath }: Accounts,
): Promise<void> {
  const { errors } = await loadOidcProvider();
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const [uid, action, ...rest] = path.slice(interactionPath.length + 1).split('/');
  const method = req.method ?? 'GET';
  const known =
    uid &&
    rest.length === 0 &&
    ((action === undefined && (method === 'GET' || method === 'POST')) ||
      (action === 'cancel' && method === 'POST'));
  if (!known) {
    sendPage(res, 404, errorPage('Page not found', 'There is nothing at this address.'));
    return;
  }

  let details: Interaction;
  try {
    details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
  } catch (error) {
    if (!(error instanceof errors.SessionNotFound)) throw error;
    const message = 'This sign-in request has expired or was already completed.';
    sendPage(res, 400, errorPage('Sign-in expired', message));
    return;
  }

  if (action === 'cancel') {
    const result = { error: 'access_denied', error_description: 'The user canceled the sign-in.' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return;
  }
  if (details.prompt.name === 'consent') {
    await grantConsent(req, res, provider, details);
    return;
  }
  if (details.prompt.name !== 'login') {
    sendPage(res, 400, errorPage('Sign-in problem', 'This sign-in step is not supported.'));
    return;
  }

  const client = await provider.Client.find(String(details.params.client_id));
  const view = {
    action: `${interactionPath}/${uid}`,
    cancelAction: `${interactionPath}/${uid}/cancel`,
    clientName: client?.clientName ?? String(details.params.client_id),
    users,
    showPasswords,
  };
  if (method === 'GET') {
    const hint = details.params.login_hint;
    sendPage(res, 200, loginPage({ ...view, email: typeof hint === 'string' ? hint : '' }));
    return;
  }

  const form = await readForm(req);
  if (form.has('code')) {
    // The second step: the one-time code shown on the page (the dev stand-in for a phone).
    const accountId = redeemCode(uid, form.get('code') ?? '');
    if (!accountId) {
      const code = codeOf(uid);
      if (!code) {
        sendPage(res, 400, errorPage('Sign-in expired', 'Too many wrong codes. Start again.'));
        return;
      }
      sendPage(res, 401, codePage({ ...view, code, error: 'Wrong code. Try again.' }));
      return;
    }
    const login = { accountId, acr: ACR_TWO_FACTOR, amr: ['pwd', 'otp', 'mfa'], remember: false };
    await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
    return;
  }
  const email = form.get('email')?.trim() ?? '';
  const user = users.find(
    (u) => u.email.toLowerCase() === email.toLowerCase() && u.password === form.get('password'),
  );
  if (!user) {
    const error = 'Wrong email or password. Try one of the demo users below.';
    sendPage(res, 401, loginPage({ ...view, email, error }));
    return;
  }
  if (asksSecondFactor(details.params.acr_values) && user.groups.includes(SECOND_FACTOR_GROUP)) {
    sendPage(res, 200, codePage({ ...view, code: issueCode(uid, user.id) }));
    return;
  }
  const login = { accountId: user.id, acr: ACR_PASSWORD, amr: ['pwd'], remember: false };
  await provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

async function grantConsent(
  req: IncomingMessage,
  res: ServerResponse,
  provider: Provider,
  details: Interaction,
): Promise<void> {
  const { params, prompt, session } = details;
  const grant =
    (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
    new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
  const missing = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId } },
    { mergeWithLastSubmission: true },
  );
}
