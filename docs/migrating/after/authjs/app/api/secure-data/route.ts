import { requireAuth } from '@/lib/gatehouse';

// was: export const GET = auth((req) => req.auth ? ... : 401)
export const GET = requireAuth(async (_request, { auth }) =>
  Response.json({ user: auth.user, via: auth.via }),
);
