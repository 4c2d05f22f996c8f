// Measures what an app pays for @gatehouse/react: src/index.ts bundled and minified with React
// external, then gzipped. Exits non-zero over the budget (docs/architecture.md: under 4 KiB).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET = 4 * 1024;
const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

const result = await build({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  external: ['react', 'react/*', 'react-dom', 'axios'],
  write: false,
  logLevel: 'silent',
});
const code = result.outputFiles[0].contents;
const gzip = gzipSync(code, { level: 9 }).length;
const kib = (n) => (n / 1024).toFixed(2);

console.log(
  `@gatehouse/react: ${kib(gzip)} KiB min+gzip (${kib(code.length)} KiB min, budget ${BUDGET / 1024} KiB)`,
);
if (gzip > BUDGET) {
  console.error(`@gatehouse/react is ${gzip - BUDGET} bytes over its budget.`);
  process.exit(1);
}
