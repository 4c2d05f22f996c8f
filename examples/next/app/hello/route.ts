import { auth } from '@/lib/gatehouse';

// Signed in or not: the caller or null (a cookie POST without X-CSRF is still 403).
const hello = auth(async (_request, { auth }) =>
  Response.json({ user: auth?.user.sub ?? null, via: auth?.via ?? null }),
);

export const GET = hello;
export const POST = hello;
