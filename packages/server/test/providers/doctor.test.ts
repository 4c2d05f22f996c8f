import { doctor, formatDoctorReport } from '@gatehouse/server/doctor';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CLIENT, HostileProvider } from '../hostile/provider.js';

let alpha: HostileProvider;
let beta: HostileProvider;
beforeAll(async () => {
  [alpha, beta] = await Promise.all([HostileProvider.start(), HostileProvider.start()]);
});
afterAll(() => Promise.all([alpha.close(), beta.close()]));

const envOf = () => ({
  PROVIDERS: JSON.stringify([
    { id: 'alpha', issuer: alpha.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret },
    { id: 'beta', issuer: beta.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret },
  ]),
  BACKEND_URL: 'http://localhost:7999',
  FRONTEND_URL: 'http://localhost:5999',
  SESSION_SECRET: 'doctor-providers-secret-'.repeat(2),
  SESSION_STORE: 'memory',
});

test('doctor checks every provider, each section named by its id; one down fails its own only', async () => {
  await beta.pause();
  try {
    const report = await doctor({ env: envOf(), envFile: false, timeout: 2 });
    const status = (id: string) => report.checks.find((item) => item.id === id)?.status;
    expect(report.checks.find((item) => item.id === 'configuration')?.status).toBe('ok');
    expect(status('alpha:discovery')).toBe('ok');
    expect(status('alpha:signing-keys')).toBe('ok');
    expect(status('beta:discovery')).toBe('error');
    expect(status('beta:signing-keys')).toBe('skip');
    expect(report.checks.some((item) => item.id === 'discovery')).toBe(false);
    expect(formatDoctorReport(report)).toMatch(/beta: discovery/);
    expect(report.ok).toBe(false);
  } finally {
    await beta.resume();
  }
});
