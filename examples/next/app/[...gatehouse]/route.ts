// Gatehouse's routes at their default paths: /login, /signin-oidc, /logout, /me,
// /backchannel-logout, /sessions. Pages and routes of the app take precedence over this
// catch-all; any other path answers 404 JSON.
import { gatehouse } from '@/lib/gatehouse';

export const { GET, POST, DELETE, OPTIONS } = gatehouse;
