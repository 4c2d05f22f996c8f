// app/api/auth/[...nextauth]/route.ts: /login, /signin-oidc, /logout, /me, ...
import { gatehouse } from '@/lib/gatehouse';

export const { GET, POST, DELETE, OPTIONS } = gatehouse;
