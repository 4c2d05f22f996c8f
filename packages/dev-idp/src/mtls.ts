import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';

type MtlsFeature = NonNullable<NonNullable<Configuration['features']>['mTLS']>;

function socketOf(ctx: KoaContextWithOIDC): TLSSocket | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>;
  return typeof socket.getPeerX509Certificate === 'function' ? (socket as TLSSocket) : undefined;
}

/** The client certificate of the TLS connection, when the client presented one. */
function peerCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  return socketOf(ctx)?.getPeerX509Certificate();
}

/** `CN=a\nO=b` (Node's form) as `CN=a,O=b`, the way clients register `tls_client_auth_subject_dn`. */
function subjectDn(certificate: X509Certificate): string {
  return certificate.subject.split('\n').join(',');
}

/**
 * RFC 8705 `tls_client_auth`: the certificate must chain to the listener's client CA (Node
 * checked it during the handshake) and match the client's registered subject or DNS name.
 */
export function mtlsFeature(): MtlsFeature {
  return {
    enabled: true,
    tlsClientAuth: true,
    certificateBoundAccessTokens: false,
    getCertificate: (ctx) => peerCertificate(ctx),
    certificateAuthorized: (ctx) => socketOf(ctx)?.authorized === true,
    certificateSubjectMatches: (ctx, property, expected) => {
      const certificate = peerCertificate(ctx);
      if (!certificate) return false;
      if (property === 'tls_client_auth_subject_dn') return subjectDn(certificate) === expected;
      if (property === 'tls_client_auth_san_dns') {
        return (certificate.subjectAltName ?? '').split(', ').includes(`DNS:${expected}`);
      }
      return false;
    },
  };
}
