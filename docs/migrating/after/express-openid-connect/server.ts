import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import {
  gatehouseErrorHandler,
  gatehouseExpress,
  optionalAuth,
  requireAuth,
} from '@gatehouse/server/express';
import express, { type RequestHandler } from 'express';

// auth({ ... }): the settings come from the environment (OIDC_ISSUER_URL, ...). The callback
// keeps express-openid-connect's path, so the redirect URI registered at the provider stays.
const gatehouse = createGatehouse(
  { ...optionsFromEnv(), routes: { callback: '/callback' } },
  ENV_NAMES,
);

// requiresAuth() on a page: a signed-out visitor signs in and comes back to the same URL.
const signInFirst: RequestHandler = (req, res, next) => {
  if (req.auth) return next();
  res.redirect(`/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

const app = express();
app.use(gatehouseExpress(gatehouse)); // GET /login, GET /callback, POST /logout, GET /me

app.get('/', optionalAuth(gatehouse), (req, res) => {
  res.send(
    req.auth
      ? '<form method="post" action="/logout"><button>Log out</button></form>'
      : '<a href="/login">Log in</a>',
  );
});

app.get('/profile', optionalAuth(gatehouse), signInFirst, (req, res) => {
  res.json(req.auth!.user);
});

// An API route: 401 JSON for a signed-out caller, a cookie or a Bearer token let in.
app.get('/api/orders', requireAuth(gatehouse), (req, res) => {
  res.json({ owner: req.auth!.user.sub, orders: [] });
});

app.use(gatehouseErrorHandler(gatehouse));

const port = Number(gatehouse.config.backendUrl.port) || 3000;
app.listen(port, () => console.log(`listening on ${gatehouse.config.backendOrigin}`));
