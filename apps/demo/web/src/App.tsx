import { useAuth } from '@gatehouse/react';
import { Dashboard } from './components/Dashboard.js';
import { ErrorAlert } from './components/ErrorAlert.js';
import { Header } from './components/Header.js';
import { SignInCard } from './components/SignInCard.js';

export function App() {
  const auth = useAuth();
  return (
    <>
      <Header />
      <main className="main" id="main">
        {auth.status === 'loading' && (
          <div className="card center" role="status" aria-live="polite">
            <span className="spinner" aria-hidden="true" />
            <p className="muted">Authenticating...</p>
          </div>
        )}
        {auth.status === 'signed-out' && <SignInCard />}
        {auth.status === 'error' && (
          <section className="card narrow" aria-labelledby="error-title">
            <h1 id="error-title">We could not check your session</h1>
            <ErrorAlert error={auth.error} />
            <div className="actions">
              <button type="button" className="btn btn-primary" onClick={() => void auth.refresh()}>
                Try again
              </button>
            </div>
          </section>
        )}
        {auth.status === 'signed-in' && <Dashboard user={auth.user} />}
      </main>
      <footer className="footer">
        <p>Tokens stay on the server. This page only holds an HttpOnly session cookie.</p>
      </footer>
    </>
  );
}
