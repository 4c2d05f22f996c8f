import { defineConfig } from 'vitest/config';

// One runner for the repo: node tests, DOM tests for the React SDK, browser tests last.
const conditions = ['@gatehouse/source'];

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
