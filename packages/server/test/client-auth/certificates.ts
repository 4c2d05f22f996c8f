import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files made with the openssl CLI in a temporary folder, for the mTLS tests. */
export interface TestCertificates {
  dir: string;
  /** The CA that signed everything below. */
  caFile: string;
  /** The dev IdP's https certificate, for `localhost`. */
  serverCert: string;
  serverKey: string;
  /** Gatehouse's client certificate, subject `CN=gatehouse-mtls`. */
  clientCertFile: string;
  clientKeyFile: string;
}

/** `openssl req` arguments for a new, unencrypted P-256 key. */
const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function signed(dir: string, name: string, subject: string, extensions: string): void {
  openssl(
    dir,
    'req',
    ...NEW_P256_KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  );
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    `${name}.pem`,
    '-extfile',
    `${name}.ext`,
  );
}

export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mtls-'));
  openssl(
    dir,
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Gatehouse test CA',
  );
  signed(
    dir,
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  signed(dir, 'client', '/CN=gatehouse-mtls', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
}
