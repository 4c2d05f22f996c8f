import { build, type Plugin } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The scripts run as child processes, relative to bench/src. */
const ENTRIES = [
  'idp.ts',
  'flows.ts',
  'memory.ts',
  'targets/gatehouse.ts',
  'targets/gatehouse-express.ts',
  'targets/gatehouse-node.ts',
  'targets/express-openid-connect.ts',
  'targets/okta-jwt-verifier.ts',
  'targets/upstream.ts',
  'targets/bare-proxy.ts',
  'targets/jose-verifier.ts',
  'targets/guard-steps.ts',
];

// The workspace's TypeScript (bench, apps/demo, packages/*) is bundled; every other package
// stays an import from node_modules, as in an app that depends on @gatehouse/server.
const thirdPartyExternal: Plugin = {
  name: 'third-party-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@gatehouse/') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Files of `overlay` (a folder laid out like the repository) replace the repository's own in
 * the build: `--overlay` measures a proposed fix without touching packages/.
 */
function overlayPlugin(overlay: string): Plugin {
  return {
    name: 'overlay',
    setup(builder) {
      builder.onLoad({ filter: /\.tsx?$/ }, (args) => {
        const replacement = join(overlay, relative(ROOT, args.path));
        if (!existsSync(replacement)) return undefined;
        return {
          contents: readFileSync(replacement, 'utf8'),
          loader: 'ts',
          resolveDir: join(args.path, '..'),
        };
      });
    },
  };
}

/**
 * Compiles the child processes to plain JavaScript in `outdir` (`<script>.mjs`), so the servers
 * run as an app's compiled code does: no TypeScript loader thread, and none of the per-closure
 * `__name()` calls that tsx's `keepNames` adds to every function created on the request path.
 */
export async function buildChildren(outdir: string, overlay?: string): Promise<void> {
  const src = fileURLToPath(new URL('..', import.meta.url));
  await build({
    entryPoints: ENTRIES.map((entry) => ({
      in: `${src}${entry}`,
      out: entry.replace(/\.ts$/, ''),
    })),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@gatehouse/source'],
    plugins: [thirdPartyExternal, ...(overlay ? [overlayPlugin(overlay)] : [])],
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
