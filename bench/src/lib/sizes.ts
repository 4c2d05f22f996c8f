import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** What an app imports from each React SDK, bundled and minified with React external. */
export const BUNDLES = [
  {
    name: '@gatehouse/react',
    // Everything it exports: an app uses less, so this is an upper bound.
    entry: `export * from '@gatehouse/react';`,
  },
  {
    name: '@okta/okta-react + @okta/okta-auth-js',
    // Okta's React quickstart: <Security>, <LoginCallback>, useOktaAuth, new OktaAuth(...).
    entry: `export { Security, LoginCallback, useOktaAuth } from '@okta/okta-react';
            export { OktaAuth, toRelativeUrl } from '@okta/okta-auth-js';`,
  },
  {
    name: 'react-oidc-context + oidc-client-ts',
    // Its README: <AuthProvider>, useAuth (oidc-client-ts comes along as its dependency).
    entry: `export { AuthProvider, useAuth, withAuthenticationRequired } from 'react-oidc-context';`,
  },
] as const;

export interface BundleSize {
  name: string;
  minified: number;
  gzipped: number;
}

/** esbuild bundle + minify (browser, ES2022, production), gzip level 9, as packages/react measures itself. */
export async function bundleSizes(): Promise<BundleSize[]> {
  const resolveDir = fileURLToPath(new URL('../..', import.meta.url));
  const sizes: BundleSize[] = [];
  for (const { name, entry } of BUNDLES) {
    const result = await build({
      stdin: { contents: entry, resolveDir, loader: 'ts' },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      jsx: 'automatic',
      conditions: ['@gatehouse/source'],
      define: { 'process.env.NODE_ENV': '"production"' },
      external: [
        'react',
        'react/*',
        'react-dom',
        'react-dom/*',
        'react-router',
        'react-router-dom',
        'axios',
      ],
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.contents;
    sizes.push({ name, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length });
  }
  return sizes;
}
