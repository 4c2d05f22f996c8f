import { createGatehouse, ENV_NAMES, optionsFromEnv } from '@gatehouse/server';
import { gatehouseNext } from '@gatehouse/server/next';

// auth.ts's NextAuth({ providers: [Okta] }): created on the first request, never at import.
export const gatehouse = gatehouseNext(() => createGatehouse(optionsFromEnv(), ENV_NAMES));

export const { auth, requireAuth } = gatehouse;
