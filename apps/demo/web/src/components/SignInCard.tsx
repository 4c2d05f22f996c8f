import { useAuth, type SignInOptions } from '@gatehouse/react';
import { useState } from 'react';
import { ErrorAlert } from './ErrorAlert.js';

/** The domain whose users sign in at the dev IdP's second tenant (`npm start`'s `PROVIDERS`). */
const ACME_DOMAIN = '@acme.example';

/**
 * Where a work email signs in: the backend picks the provider of an `@acme.example` email by
 * its domain (home-realm discovery); any other email, or none, signs in at `default`.
 */
export function providerFor(email: string): Pick<SignInOptions, 'provider' | 'loginHint'> {
  const loginHint = email.trim();
  if (loginHint.toLowerCase().endsWith(ACME_DOMAIN)) return { loginHint };
  return loginHint ? { provider: 'default', loginHint } : { provider: 'default' };
}

export function SignInCard() {
  const { error, signIn } = useAuth();
  const [email, setEmail] = useState('');
  return (
    <section className="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to continue</h1>
      <p className="muted">Use your organization&rsquo;s single sign-on account.</p>
      <ErrorAlert error={error} />
      <form
        className="sign-in-form"
        onSubmit={(event) => {
          event.preventDefault();
          signIn({ popup: true, ...providerFor(email) });
        }}
      >
        <label className="field" htmlFor="work-email">
          Work email <span className="muted">(optional)</span>
        </label>
        <input
          id="work-email"
          className="input"
          type="email"
          name="email"
          autoComplete="username"
          placeholder="you@company.com"
          aria-describedby="work-email-hint"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <p id="work-email-hint" className="hint">
          Acme people (<code>@acme.example</code>) sign in with Acme&rsquo;s own account.
        </p>
        <div className="actions">
          <button type="submit" className="btn btn-primary">
            Sign in
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => signIn(providerFor(email))}
          >
            Sign in with redirect
          </button>
        </div>
      </form>
      <p className="hint">
        &ldquo;Sign in&rdquo; opens a small window; &ldquo;Sign in with redirect&rdquo; continues in
        this tab and brings you back here.
      </p>
    </section>
  );
}
