import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { gatehouseErrorHandler, gatehouseExpress, requireAuth } from '@gatehouse/server/express';
import express from 'express';
import { existsSync } from 'node:fs';

if (existsSync('.env')) process.loadEnvFile('.env'); // load_dotenv()

// OKTA_ISSUER_URL, OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, BACKEND_URL, FRONTEND_URL as before,
// and SESSION_SECRET. Discovery happens on the first sign-in, not at startup.
const gatehouse = createGatehouse(optionsFromEnv(), ENV_NAMES);

const app = express();
// @app.get("/login") and @app.get("/signin-oidc"), plus POST /logout and GET /me, and CORS
// for FRONTEND_URL.
app.use(gatehouseExpress(gatehouse));

// @app.get("/secure-data"): now it checks the caller (session cookie or Bearer token).
app.get('/secure-data', requireAuth(gatehouse), (_req, res) => {
  res.json({ message: 'You are authenticated!' });
});

app.use(gatehouseErrorHandler(gatehouse));

const port = Number(gatehouse.config.backendUrl.port) || 7156;
app.listen(port, () => console.log(`listening on ${gatehouse.config.backendOrigin}`));
