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
  ({ main } = await tsImport('../src/doctor/cli.ts', import.meta.url));
}
process.exitCode = await main(process.argv.slice(2));
