import { useAuth } from '@gatehouse/react';
import { ErrorAlert } from './ErrorAlert.js';

export function SignInCard() {
  const { error, signIn } = useAuth();
  return (
    <section className="card narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to continue</h1>
      <p className="muted">Use your organization&rsquo;s single sign-on account.</p>
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="button" className="btn btn-primary" onClick={() => signIn({ popup: true })}>
          Sign in
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => signIn()}>
          Sign in with redirect
        </button>
      </div>
      <p className="hint">
        &ldquo;Sign in&rdquo; opens a small window; &ldquo;Sign in with redirect&rdquo; continues in
        this tab and brings you back here.
      </p>
    </section>
  );
}
