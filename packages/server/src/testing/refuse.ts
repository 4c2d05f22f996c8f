import { internalsOf, type Gatehouse } from '../gatehouse.js';
import { ConfigError } from '../errors.js';
import type { Sessions } from '../session/sessions.js';

/**
 * The test helpers' guard: they mint credentials without a provider, so they never run with
 * NODE_ENV=production, and only on a Gatehouse that `createGatehouse` made.
 */
export function testInternals(gatehouse: Gatehouse, helper: string): { sessions: Sessions } {
  if (process.env.NODE_ENV === 'production') {
    throw new ConfigError(
      `${helper} is for an app's tests and refuses to run with NODE_ENV=production: it signs users in without the identity provider`,
    );
  }
  const internals = internalsOf(gatehouse);
  if (!internals) {
    throw new TypeError(`${helper}: pass the Gatehouse that createGatehouse() returned`);
  }
  return internals;
}
