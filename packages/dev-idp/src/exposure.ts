/**
 * The guard against running the dev IdP where others can reach it. Its login page lists its
 * users, its second factor shows the code on the page, and its demo clients have published
 * secrets: fine on a laptop, an open door anywhere else.
 */

/** The CLI's environment variable that opts in, as `--unsafe-allow-remote` does. */
export const UNSAFE_ALLOW_REMOTE_ENV = 'GATEHOUSE_DEV_IDP_UNSAFE_ALLOW_REMOTE';

/**
 * Thrown by `startDevIdp` when it would serve others (`NODE_ENV=production`, or a host that is
 * not loopback) and the caller did not opt in with `unsafeAllowRemote: true`; `code` is
 * `ERR_DEV_IDP_UNSAFE`.
 *
 * @example
 * ```ts
 * await expect(startDevIdp({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'ERR_DEV_IDP_UNSAFE' });
 * ```
 */
export class DevIdpUnsafeError extends Error {
  readonly code = 'ERR_DEV_IDP_UNSAFE';
  constructor(message: string) {
    super(message);
    this.name = 'DevIdpUnsafeError';
  }
}

/**
 * Whether `host` is a loopback name or address: `localhost`, 127.0.0.0/8, `::1` (IPv4-mapped
 * too). Other names are not resolved: a name that happens to point at loopback still counts as
 * remote, which errs on the side of refusing.
 */
export function isLoopbackHost(host: string): boolean {
  const trimmed = host.trim();
  const bracketed = trimmed.includes(':') && !trimmed.startsWith('[') ? `[${trimmed}]` : trimmed;
  let hostname: string;
  try {
    // The WHATWG URL parser normalizes 127.1, 0x7f.0.0.1, [0:0::1] and friends.
    hostname = new URL(`http://${bracketed}/`).hostname;
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === '[::1]' ||
    /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname)
  );
}

/** Why a dev IdP on `host` could serve others: one phrase per reason, none on a laptop. */
export function exposureReasons(host: string, nodeEnv: string | undefined): string[] {
  const reasons: string[] = [];
  if (nodeEnv === 'production') reasons.push('NODE_ENV=production');
  if (!isLoopbackHost(host)) {
    reasons.push(
      `host ${JSON.stringify(host)}, which is not loopback (localhost, 127.0.0.0/8, ::1)`,
    );
  }
  return reasons;
}

const OPT_IN = `unsafeAllowRemote: true (CLI: --unsafe-allow-remote, or ${UNSAFE_ALLOW_REMOTE_ENV}=1)`;

/** The refusal when the caller did not opt in. */
export function refusal(reasons: readonly string[]): DevIdpUnsafeError {
  return new DevIdpUnsafeError(
    `startDevIdp: refusing to start with ${reasons.join(' and ')}. The dev IdP is for local ` +
      `development only: its login page lists its users and shows the second-factor code, so ` +
      `anyone who reaches it can sign in. Run it on localhost, or set ${OPT_IN} to run it ` +
      `there anyway.`,
  );
}

/** The demo's published passwords and secrets are refused even with the opt-in. */
export function fixedCredentialsRefusal(reasons: readonly string[]): DevIdpUnsafeError {
  return new DevIdpUnsafeError(
    `startDevIdp: fixedDemoCredentials cannot be used with ${reasons.join(' and ')}: the demo's ` +
      `passwords and client secrets are published, so anyone who reaches it could use them. ` +
      `Leave fixedDemoCredentials off (generated ones are on the returned users and clients).`,
  );
}

/** The one loud warning of a start the caller opted in to. */
export function unsafeWarning(reasons: readonly string[], url: string): string {
  return (
    `UNSAFE: the Gatehouse dev IdP runs with ${reasons.join(' and ')} (unsafeAllowRemote). ` +
    `Anyone who reaches ${url} can try its users, and its second factor shows the code on ` +
    `the page. Never put real accounts or real applications behind it.`
  );
}
