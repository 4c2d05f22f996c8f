import { configDefaults, defineConfig } from 'vitest/config';

// One runner for the repo: node tests, DOM tests for the React SDK, browser tests last.
const conditions = ['@gatehouse/source'];

/**
 * `npm run test:quick` (GATEHOUSE_QUICK=1): the unit tests and the in-process ones (servers in
 * the test's own process against the dev IdP). Left out: what builds or installs (packaging,
 * the Next.js build), the bench, what runs a command or the demo as a child process, and the
 * stores that need a Redis or PostgreSQL server or several instances (scale-out, integrity).
 * The script does not select the browser project.
 */
const QUICK = process.env.GATEHOUSE_QUICK === '1';
const SLOW = [
  'packaging/**',
  'bench/**',
  'packages/server/test/next/next.test.ts',
  'packages/server/test/scale-out*.test.ts',
  'packages/server/test/remote/scale-out.test.ts',
  'packages/server/test/redis-ha.test.ts',
  'packages/server/test/stores/{redis,postgres}*.test.ts',
  'packages/server/test/integrity/**',
  'packages/server/test/doctor/{bin,env-files,config-reference,store-*}.test.ts',
  'packages/server/test/{optional-peers,bearer/demo}.test.ts',
  'packages/dev-idp/test/cli.test.ts',
  'apps/demo/test/{serve,token,production}.test.ts',
];

export default defineConfig({
  resolve: { conditions: [...conditions, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [...conditions, 'node', 'development|production'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/{server,dev-idp}/test/**/*.test.ts',
            'apps/demo/test/**/*.test.ts',
            'bench/**/*.test.ts',
            'packaging/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...(QUICK ? SLOW : [])],
        },
      },
      {
        extends: true,
        test: {
          name: 'react',
          environment: 'happy-dom',
          include: ['packages/react/test/**/*.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
    ],
  },
});
