import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// One runner for the repo: node tests, DOM tests for the React SDK, browser tests last.
const conditions = ['@gatehouse/source'];

/**
 * The Node test files that `npm run test:quick` (vitest.quick.config.ts) leaves out; `npm test`
 * runs them. A file belongs here when it builds or installs (packaging, the Next.js build),
 * measures (the bench), runs a command, the demo or a guide's app as a child process, needs a
 * Redis or PostgreSQL server or several instances (stores, scale-out, integrity), waits on the
 * clock for seconds (session lifetimes), or repeats a suite already in quick on another adapter
 * (the conformance suite runs on Fastify there).
 */
export const SLOW = [
  'packaging/**',
  'bench/**',
  'packages/server/test/next/next.test.ts',
  'packages/server/test/scale-out*.test.ts',
  'packages/server/test/remote/scale-out.test.ts',
  'packages/server/test/redis-ha.test.ts',
  'packages/server/test/stores/{redis,postgres}*.test.ts',
  'packages/server/test/integrity/**',
  'packages/server/test/doctor/{bin,env-files,config-reference,store-*}.test.ts',
  'packages/server/test/migrating/{apps,typecheck}.test.ts',
  'packages/server/test/optional-peers.test.ts',
  'packages/server/test/providers/start-script.test.ts',
  'packages/server/test/session-lifetime.test.ts',
  'packages/server/test/conformance/{express-4,express-5,hono,node-http}.test.ts',
  'packages/dev-idp/test/cli.test.ts',
  'apps/demo/test/{serve,token,production,bearer}.test.ts',
];

/** The demo in Chromium, one file at a time. */
const browser: TestProjectInlineConfiguration = {
  extends: true,
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
  },
};

/**
 * Every layer (`npm test`), or with `quick` the Node files outside {@link SLOW} and the React
 * SDK. Quick runs the Node files without isolation (each worker imports the packages once,
 * which halves the CPU time) and with more workers than cores, since most of a test's time is
 * spent waiting on sockets and timers; a test must therefore leave no global state behind.
 */
export function gatehouseConfig({ quick = false }: { quick?: boolean } = {}) {
  return defineConfig({
    resolve: { conditions: [...conditions, 'module', 'browser', 'development|production'] },
    ssr: { resolve: { conditions: [...conditions, 'node', 'development|production'] } },
    test: {
      testTimeout: 20_000,
      hookTimeout: 60_000,
      ...(quick ? { maxWorkers: 3 } : {}),
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
            exclude: [...configDefaults.exclude, ...(quick ? SLOW : [])],
            isolate: !quick,
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
        ...(quick ? [] : [browser]),
      ],
    },
  });
}

export default gatehouseConfig();
