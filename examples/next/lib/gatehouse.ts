import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { gatehouseNext } from '@gatehouse/server/next';

/**
 * The one Gatehouse of this app. The function runs on the first request (never during
 * `next build`), once per process: every route, page and the proxy share the core.
 * OKTA_ISSUER_URL, OKTA_CLIENT_ID, OKTA_CLIENT_SECRET, BACKEND_URL = FRONTEND_URL (this app's
 * origin), SESSION_SECRET, SESSION_STORE: see .env.example.
 */
export const gatehouse = gatehouseNext(() => createGatehouse(optionsFromEnv(), ENV_NAMES));

export const { auth, requireAuth } = gatehouse;
