// middleware.ts (`export { auth as middleware }` with an `authorized` callback)
import { gatehouse } from '@/lib/gatehouse';

export const proxy = gatehouse.proxy();

export const config = { matcher: ['/dashboard/:path*'] };
