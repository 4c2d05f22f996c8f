import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import {
  gatehouseErrorHandler,
  gatehouseExpress,
  optionalAuth,
  requireAuth,
  requireGroup,
} from '@gatehouse/server/express';
import express, { type RequestHandler } from 'express';

// new Keycloak({ store }) with keycloak.json, and express-session: one core, its own session
// store (memory here; SESSION_STORE=sqlite:... or redis://... to keep sessions).
const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES);

// keycloak.protect() on a page: a signed-out visitor signs in and comes back to the same URL.
const signInFirst: RequestHandler = (req, res, next) => {
  if (req.auth) return next();
  res.redirect(`/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
};

const app = express();
app.use(gatehouseExpress(gatehouse)); // replaces keycloak.middleware({ logout: '/logout' })

app.get('/', (_req, res) => {
  res.send('Public page. <a href="/profile">Profile</a>');
});

app.get('/profile', optionalAuth(gatehouse), signInFirst, (req, res) => {
  const { name, email } = req.auth!.user;
  res.send(
    `<p>${escapeHtml(name ?? '')} (${escapeHtml(email ?? '')})</p>` +
      '<form method="post" action="/logout"><button>Log out</button></form>',
  );
});

// keycloak.protect('realm:admins'): the realm role reaches Gatehouse as a group (a mapper).
app.get(
  '/admin',
  optionalAuth(gatehouse),
  signInFirst,
  requireAuth(gatehouse, requireGroup('admins')),
  (req, res) => {
    res.json({ admin: true, groups: req.auth!.groups });
  },
);

// An API for other clients (bearer-only): a Bearer token or the session cookie, 401 JSON else.
app.get('/api/data', requireAuth(gatehouse), (req, res) => {
  res.json({ sub: req.auth!.user.sub, via: req.auth!.via });
});

app.use(gatehouseErrorHandler(gatehouse));

const port = Number(gatehouse.config.backendUrl.port) || 3000;
app.listen(port, () => console.log(`listening on ${gatehouse.config.backendOrigin}`));

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
