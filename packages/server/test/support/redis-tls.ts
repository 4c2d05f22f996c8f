import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test certificate authority and a server certificate for 127.0.0.1 and localhost. */
export interface RedisTls {
  /** The CA's certificate (PEM), for clients. */
  ca: Buffer;
  /** redis-server's arguments to listen with TLS only on `port` (no plain port). */
  serverArgs(port: number): string[];
  /** redis-cli's arguments to connect with TLS. */
  cliArgs: string[];
  close(): void;
}

export function makeRedisTls(): RedisTls {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
    ...['-subj', '/CN=Gatehouse test CA', '-keyout', file('ca.key'), '-out', file('ca.crt')],
  );
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', file('server.key'), '-out', file('server.csr')],
  );
  openssl(
    ...['x509', '-req', '-in', file('server.csr'), '-days', '1'],
    ...['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial'],
    ...['-extfile', file('san.ext'), '-out', file('server.crt')],
  );
  return {
    ca: readFileSync(file('ca.crt')),
    serverArgs: (port) => [
      ...['--port', '0', '--tls-port', String(port)],
      ...['--tls-cert-file', file('server.crt'), '--tls-key-file', file('server.key')],
      ...['--tls-ca-cert-file', file('ca.crt'), '--tls-auth-clients', 'no'],
      ...['--tls-replication', 'yes'],
    ],
    cliArgs: ['--tls', '--cacert', file('ca.crt')],
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
