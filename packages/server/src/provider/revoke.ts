import * as client from 'openid-client';
import type { GatehouseLogger as Logger } from '../logger.js';
import type { GatehouseError } from '../errors.js';
import { channels } from '../events.js';
import { callProvider } from './provider-errors.js';
import type { Discovery } from './discovery.js';

/**
 * Revokes refresh tokens of ended sessions at the provider's `revocation_endpoint` (RFC 7009),
 * in the background: a sign-out never waits for it or fails because of it. Failures are logged
 * and counted (`gatehouse:revocation`); a provider without the endpoint is not called.
 */
export function refreshTokenRevoker(provider: Discovery, log: Logger) {
  async function revoke(refreshToken: string): Promise<void> {
    const configuration = await provider.configuration();
    if (!configuration.serverMetadata().revocation_endpoint) return;
    await callProvider('revocation', () =>
      client.tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' }),
    );
    channels.revocation.publish({ ok: true });
  }

  return function revokeRefreshToken(refreshToken: string): void {
    revoke(refreshToken).catch((error: GatehouseError) => {
      log.warn(
        { code: error.code, detail: error.detail },
        `refresh token revocation failed: ${error.description}`,
      );
      channels.revocation.publish({ ok: false, code: error.code });
    });
  };
}
