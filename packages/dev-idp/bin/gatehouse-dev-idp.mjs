#!/usr/bin/env node
// `gatehouse-dev-idp`: runs dist/ when the package is built, else src/ through tsx (this repo).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  let tsImport;
  try {
    ({ tsImport } = await import('tsx/esm/api'));
  } catch {
    console.error(
      'gatehouse-dev-idp: build @gatehouse/dev-idp first (npm run build -w @gatehouse/dev-idp)',
    );
    process.exit(1);
  }
  await tsImport('../src/cli.ts', import.meta.url);
}
