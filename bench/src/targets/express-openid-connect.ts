// express-openid-connect as its README sets it up: `auth()` app-wide with the default stateless
// cookie session (`appSession`), `requiresAuth()` on the protected route. Configured as the
// Gatehouse demo signs in: authorization code flow with PKCE (S256; express-openid-connect adds
// it to every `code` request), `client_secret_basic`, the same scopes (so both keep the same
// tokens: access, refresh and ID token), the same dev IdP. `/login` redirects to the IdP,
// `/callback` sets `appSession`: the sign-in flow phase drives both backends the same way.
import express from 'express';
import expressOpenidConnect from 'express-openid-connect';
import { fail, listenUntilStopped, specOf } from '../lib/child.js';

export interface PeerTargetSpec {
  port: number;
  issuer: string;
  clientId: string;
  clientSecret: string;
  secret: string;
}

const { auth, requiresAuth } = expressOpenidConnect;

async function main() {
  const spec = specOf<PeerTargetSpec>();
  const app = express();
  app.use(
    auth({
      issuerBaseURL: spec.issuer,
      baseURL: `http://localhost:${spec.port}`,
      clientID: spec.clientId,
      clientSecret: spec.clientSecret,
      secret: spec.secret,
      clientAuthMethod: 'client_secret_basic',
      authRequired: false,
      authorizationParams: {
        response_type: 'code',
        response_mode: 'query',
        scope: 'openid profile email offline_access',
      },
    }),
  );
  app.get('/secure-data', requiresAuth(), (req, res) => {
    res.json({
      message: 'You are authenticated!',
      user: req.oidc.user?.name ?? req.oidc.user?.sub,
      via: 'session',
      at: new Date().toISOString(),
    });
  });
  await listenUntilStopped(app, spec.port);
}

main().catch(fail);
