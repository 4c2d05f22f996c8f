// @okta/jwt-verifier as Express Bearer middleware, as in its README and Okta's Express
// resource-server sample: `verifyAccessToken(token, 'api://default')` on every request.
// `testing.disableHttpsCheck` because the dev IdP's issuer is http on loopback.
import OktaJwtVerifier from '@okta/jwt-verifier';
import express, { type NextFunction, type Request, type Response } from 'express';
import { fail, listenUntilStopped, specOf } from '../lib/child.js';

async function main() {
  const spec = specOf<{ port: number; issuer: string }>();
  const warn = console.warn;
  console.warn = () => {}; // its one "HTTPS check is disabled" line
  const verifier = new OktaJwtVerifier({
    issuer: spec.issuer,
    testing: { disableHttpsCheck: true },
  });
  console.warn = warn;

  function authenticationRequired(req: Request, res: Response, next: NextFunction) {
    const match = (req.headers.authorization ?? '').match(/Bearer (.+)/);
    if (!match) {
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    verifier
      .verifyAccessToken(match[1]!, 'api://default')
      .then((jwt) => {
        res.locals.jwt = jwt;
        next();
      })
      .catch((error: Error) => {
        res.status(401).json({ error: 'invalid_token', error_description: error.message });
      });
  }

  const app = express();
  // Express's own ceiling: the same app's unauthenticated route.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/secure-data', authenticationRequired, (_req, res) => {
    const claims = res.locals.jwt.claims as { sub: string };
    res.json({
      message: 'You are authenticated!',
      user: claims.sub,
      via: 'bearer',
      at: new Date().toISOString(),
    });
  });
  await listenUntilStopped(app, spec.port);
}

main().catch(fail);
