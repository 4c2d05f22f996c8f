import { createHash } from 'node:crypto';
import { NO_STORE } from '../http/respond.js';
import type { GatehouseResponse } from '../http/types.js';

/** Headers of every HTML page Gatehouse serves; `scriptHash` allows exactly one inline script. */
function htmlHeaders(scriptHash?: string): Record<string, string> {
  const script = scriptHash ? `script-src '${scriptHash}'` : "script-src 'none'";
  return {
    'content-type': 'text/html; charset=utf-8',
    ...NO_STORE,
    'content-security-policy': `default-src 'none'; ${script}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f4f6fb;color:#1b2233;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:28rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 4px 24px rgba(27,34,51,.08)}
h1{font-size:1.25rem;margin:0 0 .5rem}p{margin:.5rem 0}code{color:#5b6478;font-size:.85rem}
a{display:inline-block;margin-top:1rem;padding:.6rem 1.1rem;border-radius:8px;background:#3451d1;color:#fff;text-decoration:none;font-weight:600}
a:focus-visible{outline:3px solid #f2a900;outline-offset:2px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** A readable error page with a way back to the app; provider text is escaped. */
export function errorPage(
  status: number,
  error: string,
  description: string,
  backTo: string,
): GatehouseResponse {
  const body = page(
    'Sign-in failed',
    `<h1>Sign-in did not complete</h1><p>${escapeHtml(description)}</p><p><code>${escapeHtml(error)}</code></p><a href="${escapeHtml(backTo)}">Back to the app</a>`,
  );
  return { status, headers: htmlHeaders(), body };
}

/** The page of `/login` with several providers and no choice made: one link per provider. */
export function choicePage(choices: readonly { href: string; name: string }[]): GatehouseResponse {
  const items = choices
    .map(({ href, name }) => `<li><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></li>`)
    .join('');
  const body = page(
    'Sign in',
    `<h1>Sign in</h1><p>Choose where your account is:</p><ul aria-label="Sign-in providers" style="list-style:none;padding:0">${items}</ul>`,
  );
  return { status: 200, headers: htmlHeaders(), body };
}

/**
 * The popup's last page: posts a message (never a token) to the front end's origin only and
 * closes. The message is data in a JSON block; the one script is fixed, so its CSP hash is too.
 */
export function popupPages(frontendOrigin: string, backTo: string) {
  const script = `(function(){var d=JSON.parse(document.getElementById('gatehouse-result').textContent);if(window.opener){window.opener.postMessage(d,${JSON.stringify(frontendOrigin)});window.close()}else{location.replace(${JSON.stringify(backTo)})}})()`;
  const headers = htmlHeaders(`sha256-${createHash('sha256').update(script).digest('base64')}`);
  const render = (status: number, message: object, text: string): GatehouseResponse => ({
    status,
    // A copy per page: the callback adds this browser's Set-Cookie to it.
    headers: { ...headers },
    body: page(
      'Signing in',
      `<p>${escapeHtml(text)}</p><a href="${escapeHtml(backTo)}">Back to the app</a><script type="application/json" id="gatehouse-result">${JSON.stringify(message).replace(/</g, '\\u003c')}</script><script>${script}</script>`,
    ),
  });
  return {
    signedIn: () =>
      render(
        200,
        { type: 'gatehouse:signed-in' },
        'You are signed in. This window closes by itself.',
      ),
    failed: (status: number, error: string, description: string) =>
      render(
        status,
        { type: 'gatehouse:error', error, error_description: description },
        description,
      ),
  };
}
