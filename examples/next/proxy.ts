import { gatehouse } from '@/lib/gatehouse';

// Signed-out visitors of /dashboard are sent to sign in and back; API paths would get 401 JSON.
export const proxy = gatehouse.proxy();

export const config = { matcher: ['/dashboard/:path*'] };
