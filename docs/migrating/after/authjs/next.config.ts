import type { NextConfig } from 'next';

// Node loads @gatehouse/server once per process, shared by every route, page and the proxy.
const config: NextConfig = {
  serverExternalPackages: ['@gatehouse/server'],
};

export default config;
