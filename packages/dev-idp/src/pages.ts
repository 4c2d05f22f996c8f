import { createHash } from 'node:crypto';
import type { DevUser } from './users.js';

/** An HTML page and the Content-Security-Policy that lets exactly its inline style/script run. */
export interface Page {
  html: string;
  csp: string;
}

const APP_NAME = 'Gatehouse Dev IdP';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;padding:24px;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2937;background:#f1f4f9}
main{width:100%;max-width:400px}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 2px rgba(16,24,40,.06),0 8px 24px rgba(16,24,40,.08);padding:32px}
.brand{display:flex;align-items:center;gap:10px;font-weight:600;font-size:17px;margin-bottom:4px}
.logo{width:28px;height:28px;border-radius:7px;background:#4f46e5;color:#fff;display:grid;place-items:center;font-size:15px}
.notice{margin:0 0 24px;color:#6b7280;font-size:13px}
h1{font-size:22px;margin:0 0 6px}
p.lead{margin:0 0 20px;color:#4b5563}
label{display:block;font-weight:500;font-size:14px;margin:14px 0 6px}
input[type=email],input[type=password]{width:100%;padding:10px 12px;border:1px solid #d1d5db;border-radius:8px;font:inherit}
input:focus{outline:2px solid #c7d2fe;border-color:#4f46e5}
.primary{width:100%;margin-top:22px;padding:11px;border:0;border-radius:8px;background:#4f46e5;color:#fff;font:inherit;font-weight:600;cursor:pointer}
.primary:hover{background:#4338ca}
.secondary{display:block;width:100%;margin-top:10px;padding:8px;border:0;background:none;color:#4b5563;font:inherit;cursor:pointer;text-decoration:underline}
.alert{margin:0 0 16px;padding:10px 12px;border-radius:8px;background:#fef2f2;color:#991b1b;border:1px solid #fecaca;font-size:14px}
.demo{margin-top:20px;padding:14px 16px;border-radius:10px;background:#f8fafc;border:1px dashed #cbd5e1;font-size:13px}
.demo h2{font-size:13px;margin:0 0 8px;color:#475569;text-transform:uppercase;letter-spacing:.04em}
.demo ul{margin:0;padding:0;list-style:none}
.demo li{padding:4px 0}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef2ff;padding:1px 5px;border-radius:4px}
.muted{color:#6b7280}
.demo .muted{display:block}
`;

const STYLE_HASH = sha256(STYLE);

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

// No form-action directive: after the login or logout form posts, the browser follows
// redirects to the client's redirect URI, and Chromium applies form-action to those too.
function layout(title: string, content: string, script?: string): Page {
  const csp = [
    "default-src 'none'",
    `style-src ${STYLE_HASH}`,
    `script-src ${script ? sha256(script) : "'none'"}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · ${APP_NAME}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="card">
<div class="brand"><span class="logo" aria-hidden="true">G</span>${APP_NAME}</div>
<p class="notice">Local development provider. Do not use real credentials.</p>
${content}
</div>
</main>
${script ? `<script>${script}</script>` : ''}
</body>
</html>`;
  return { html, csp };
}

/** What the login page shows. */
export interface LoginPageOptions {
  action: string;
  cancelAction: string;
  clientName: string;
  email?: string;
  error?: string;
  users: readonly DevUser[];
  /** List the passwords: only the demo's published ones (`fixedDemoCredentials`). */
  showPasswords: boolean;
}

/**
 * The sign-in page: email and password, Cancel, an error if any, and the demo users (with
 * their passwords only when they are the published demo ones).
 */
export function loginPage(options: LoginPageOptions): Page {
  const { action, cancelAction, clientName, email = '', error, users, showPasswords } = options;
  const password = (u: DevUser) =>
    showPasswords ? ` / <code>${escapeHtml(u.password)}</code>` : '';
  const demo = users
    .map(
      (u) => `<li><code>${escapeHtml(u.email)}</code>${password(u)}
<span class="muted">${escapeHtml(u.name)}${u.groups.length ? `, ${escapeHtml(u.groups.join(', '))}` : ''}</span></li>`,
    )
    .join('\n');
  const passwordNote = showPasswords
    ? ''
    : '<p class="muted">Passwords are not shown: whoever started the dev IdP has them.</p>';
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p class="lead">to continue to <strong>${escapeHtml(clientName)}</strong></p>
${error ? `<p class="alert" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" value="${escapeHtml(email)}" autocomplete="username" required${email ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${email ? ' autofocus' : ''}>
<button class="primary" type="submit">Sign in</button>
<button class="secondary" type="submit" formaction="${escapeHtml(cancelAction)}" formnovalidate>Cancel</button>
</form>
<section class="demo" aria-label="Demo users">
<h2>Demo users</h2>
<ul>
${demo}
</ul>
${passwordNote}
</section>`,
  );
}

/**
 * The second factor: a one-time code to type. The dev IdP shows the code on the page, as it
 * shows the demo passwords; a real provider sends it to the user's phone.
 */
export function codePage(
  options: Omit<LoginPageOptions, 'users' | 'email' | 'showPasswords'> & { code: string },
): Page {
  const { action, cancelAction, clientName, code, error } = options;
  return layout(
    'Second factor',
    `<h1>Confirm it is you</h1>
<p class="lead"><strong>${escapeHtml(clientName)}</strong> asks for a second factor.</p>
${error ? `<p class="alert" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="code">One-time code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" required autofocus>
<button class="primary" type="submit">Verify</button>
<button class="secondary" type="submit" formaction="${escapeHtml(cancelAction)}" formnovalidate>Cancel</button>
</form>
<section class="demo" aria-label="Demo code">
<h2>Demo code</h2>
<p>Your code is <code id="demo-code">${escapeHtml(code)}</code> <span class="muted">(shown here in development only)</span></p>
</section>`,
  );
}

const SUBMIT_LOGOUT = "document.getElementById('op.logoutForm').submit();";

/**
 * The end-session page: oidc-provider's form (with its anti-CSRF token) submitted at once,
 * with `logout=yes` so the whole provider session ends, as Okta's `/v1/logout` does.
 */
export function logoutPage(providerForm: string): Page {
  return layout(
    'Signing out',
    `<h1>Signing out…</h1>
${providerForm}
<input type="hidden" form="op.logoutForm" name="logout" value="yes">
<noscript><button class="primary" type="submit" form="op.logoutForm">Sign out</button></noscript>`,
    SUBMIT_LOGOUT,
  );
}

/** Shown after a logout that named no `post_logout_redirect_uri`. */
export function signedOutPage(clientName?: string): Page {
  return layout(
    'Signed out',
    `<h1>You are signed out</h1>
<p class="lead">${clientName ? `You signed out of <strong>${escapeHtml(clientName)}</strong>. ` : ''}You can close this window.</p>`,
  );
}

/** A readable error page; `message` and the OAuth `code` are public text, escaped here. */
export function errorPage(title: string, message: string, code?: string): Page {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p class="alert" role="alert">${escapeHtml(message)}</p>
<p class="muted">${code ? `Error <code>${escapeHtml(code)}</code>. ` : ''}Go back to the application and try again.</p>`,
  );
}
