import { requireAuth } from '@/lib/gatehouse';

// Signed-in callers only, by session cookie or Bearer token; anyone else gets 401 JSON.
export const GET = requireAuth(async (_request, { auth }) =>
  Response.json({ message: 'You are authenticated!', user: auth.user, via: auth.via }),
);
