#!/usr/bin/env node
// `gatehouse doctor`: runs dist/ when the package is built, else src/ through tsx (this repo).
import { existsSync } from 'node:fs';

const built = new URL('../dist/doctor/cli.js', import.meta.url);
let main;
if (existsSync(built)) {
  ({ main } = await import(built.href));
} else {
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    console.error('gatehouse: build @gatehouse/server first (npm run build -w @gatehouse/server)');
    process.exit(1);
  }
  // As `node --conditions=@gatehouse/source`: the package's own entry points (the stores,
  // loaded through @gatehouse/server/stores/*) resolve to src/ too, not to a dist/ not built.
  const { register } = await import('node:module');
  const withSource = `export const resolve = (specifier, context, next) =>
    next(specifier, { ...context, conditions: [...context.conditions, '@gatehouse/source'] });`;
  register(`data:text/javascript,${encodeURIComponent(withSource)}`);
  ({ main } = await tsImport('../src/doctor/cli.ts', import.meta.url));
}
process.exitCode = await main(process.argv.slice(2));
