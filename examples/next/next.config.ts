import type { NextConfig } from 'next';

const config: NextConfig = {
  // Gatehouse's server package runs as Node loads it (its store drivers, pino): not bundled.
  serverExternalPackages: ['@gatehouse/server'],
};

export default config;
