import { requireGroup } from '@gatehouse/server/next';
import { gatehouse, requireAuth } from '@/lib/gatehouse';

export const GET = requireAuth(
  async (_request, { auth }) => Response.json({ groups: auth.groups }),
  requireGroup('admins'),
);

export const OPTIONS = gatehouse.preflight;
