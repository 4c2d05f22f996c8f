// The routes the conformance suite every Gatehouse adapter passes calls
// (packages/server/test/conformance): signed in, a group, a scope; CORS for FRONTEND_URL.
import { gatehouse, requireAuth } from '@/lib/gatehouse';

export const GET = requireAuth(async (_request, { auth }) =>
  Response.json({ message: 'You are authenticated!', via: auth.via }),
);

export const POST = requireAuth(async () => Response.json({ changed: true }));

export const OPTIONS = gatehouse.preflight;
