import { requireScope } from '@gatehouse/server/next';
import { gatehouse, requireAuth } from '@/lib/gatehouse';

export const GET = requireAuth(
  async (_request, { auth }) => Response.json({ scopes: auth.scopes }),
  requireScope('reports:read'),
);

export const OPTIONS = gatehouse.preflight;
